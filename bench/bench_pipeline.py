"""Benchmark of the monitoring pipeline (taizhang.monitor.pipeline), on one core.

    .venv/bin/python bench/bench_pipeline.py                 # throughput over 200,000 posts + baseline + dedup P/R
    .venv/bin/python bench/bench_pipeline.py --sweep         # also the near-duplicate parameter sweep
    .venv/bin/python bench/bench_pipeline.py --posts 20000   # quicker

Posts are built from the shipped data (THUCNews headlines and articles, weibo2018 posts): each post strings random
sentences together to ~155 characters, drawn without replacement until the ~80,000 sentences run out, so posts
rarely overlap by accident (two 155-character posts sharing one sentence have a Jaccard similarity near 0.1).
Near duplicates are planted: a copy of an earlier post with 1–5 random
character edits (substitution, insertion, deletion) and, half the time, a reposting prefix or suffix ("转发：",
"//@网友：", "（转载）" …). Precision = flagged duplicates that point at their true original / all flagged;
recall = planted duplicates found with the right original.

The full pipeline is normalize → dedup → segment → watchlist → sentiment → incidents → burst → grading, with 12
watch lists (about 90 terms) and incidents over matched items (``--scope all`` clusters every post). The sentiment
model is taizhang.monitor.sentiment's when it exists; otherwise a stand-in (rjieba tokens hashed into a fixed linear
model, the kind MEASURED.md timed at ~75,000 posts/s) is used and the report says so.
The baseline is what a script would do without the pipeline: jieba.lcut + SnowNLP sentiment, post by post.

Measured (commit 9379325, 2026-12-06 20:51 UTC, load average 3.4 falling to 2.3 on the 2 shared cores, rjieba alone
39,242 posts/CPU-s), ``.venv/bin/python bench/bench_pipeline.py --posts 100000 --baseline 500``: 15,088 posts per
CPU-second end to end (16,693 without the sentiment model; 4,302 with every post clustered), jieba + SnowNLP 32.2 in
the same run: 469×. A second run right after: 15,084 and 468×. The code before issue 16's second round gave 12,149
(19:48 UTC, load 0.3, rjieba 40,463). Per step, µs of CPU per post: normalize 7.9, dedup 12.7, watch lists 5.1,
sentiment 6.4, segment 5.9, incidents 21.7, burst 1.1, grading 2.2 (docs/monitoring.md has the table).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from taizhang.monitor.pipeline import Context, Item, Pipeline, PipelineConfig
from taizhang.monitor.pipeline.base import CHINA_TZ
from taizhang.monitor.pipeline.watchlist import WatchList

DATA = Path(os.environ.get("TAIZHANG_DATA", ROOT.parent / "shared" / "data"))
if not DATA.exists():
    DATA = Path("/work/shared/data")

REPRINT_SPAN = 50_000
PREFIXES = ["转发：", "转：", "【转】", "//@网友：", "#热点#", "转发微博 ", "分享："]
SUFFIXES = ["（转载）", " 原文链接", "（完）", " 转自网络", "!!", " via 微博"]

WATCHLISTS = [
    ("realty", "楼市", "(房价 OR 楼市 OR 房地产 OR 楼盘) AND (上涨 OR 下跌 OR 调控 OR 限购)"),
    ("school", "教育", "(学生 OR 学校 OR 考生 OR 高考) NOT 游戏"),
    ("fund", "基金亏损", "(基金 OR 股票 OR 股市) AND (亏损 OR 暴跌 OR 套牢)"),
    ("demolition", "拆迁补偿", "(拆迁 OR 征地 OR 棚改) AND (补偿 OR 安置 OR 上访)"),
    ("food", "食品安全", "(食品 OR 餐厅 OR 外卖) AND (安全 OR 中毒 OR 变质 OR 过期)"),
    ("traffic", "交通事故", "(车祸 OR 事故 OR 追尾 OR 撞) AND (受伤 OR 死亡 OR 伤亡)"),
    ("medical", "医疗", "(医院 OR 医生 OR 患者) AND (纠纷 OR 投诉 OR 死亡 OR 误诊)"),
    ("wage", "欠薪", "欠薪 OR 讨薪 OR 拖欠工资 OR (工资 AND 拖欠)"),
    ("env", "环境", "(污染 OR 排放 OR 雾霾 OR 臭味) AND (工厂 OR 企业 OR 居民)"),
    ("police", "治安", "(警方 OR 派出所 OR 公安) AND (通报 OR 抓获 OR 刑拘)"),
    ("district", "本区", "(万柏林 OR 万柏林区 OR 小店区 OR 迎泽区) AND NOT 招聘"),
    ("price", "物价", "(涨价 OR 价格上涨 OR 物价) AND (蔬菜 OR 猪肉 OR 油价 OR 燃气)"),
]


# --- corpus ---------------------------------------------------------------------------------------------------------
def load_sentences() -> list[str]:
    texts: list[str] = []
    with open(DATA / "thucnews" / "cnews_articles_1000.txt", encoding="utf-8") as fh:
        texts += [line.split("\t", 1)[1].strip() for line in fh if "\t" in line]
    for name in ("dev.txt", "test.txt"):
        with open(DATA / "thucnews" / name, encoding="utf-8") as fh:
            texts += [line.split("\t", 1)[0].strip() for line in fh]
    with open(DATA / "weibo2018_train.txt", encoding="utf-8") as fh:
        texts += [line.split(",", 2)[2].strip() for line in fh if line.count(",") >= 2]
    sentences: set[str] = set()
    for t in texts:
        for s in re.split(r"(?<=[。！？!?；])", t):
            s = s.strip()
            if 8 <= len(s) <= 80:
                sentences.add(s)
    return sorted(sentences)


class SentenceDeck:
    """Draws sentences without replacement, reshuffling when the pool is used up: posts share a sentence only once
    the pool has gone round (200,000 posts of 155 characters use it about 12 times; 20,000 short posts not once)."""

    def __init__(self, rng: random.Random, sentences: list[str]) -> None:
        self.rng = rng
        self.pool = list(sentences)
        self.pos = len(self.pool)

    def draw(self) -> str:
        if self.pos >= len(self.pool):
            self.rng.shuffle(self.pool)
            self.pos = 0
        self.pos += 1
        return self.pool[self.pos - 1]


def make_post(deck: SentenceDeck, target: int = 155) -> str:
    parts: list[str] = []
    n = 0
    while n < target - 10:
        s = deck.draw()
        parts.append(s)
        n += len(s)
    return "".join(parts)[: target + 20]


def edit(rng: random.Random, text: str, n_edits: int, alphabet: str) -> str:
    chars = list(text)
    for _ in range(n_edits):
        op = rng.choice("sid")
        pos = rng.randrange(len(chars))
        if op == "s":
            chars[pos] = rng.choice(alphabet)
        elif op == "i":
            chars.insert(pos, rng.choice(alphabet))
        elif len(chars) > 1:
            del chars[pos]
    out = "".join(chars)
    r = rng.random()
    if r < 0.25:
        out = rng.choice(PREFIXES) + out
    elif r < 0.5:
        out += rng.choice(SUFFIXES)
    return out


def build_stream(n_posts: int, dup_share: float, seed: int = 7, target: int = 155) -> tuple[list[Item], dict[str, str]]:
    """``n_posts`` items (of which about ``dup_share`` planted near duplicates); returns items and dup → original."""
    rng = random.Random(seed)
    sentences = load_sentences()
    alphabet = "".join(sorted({ch for s in sentences[:5000] for ch in s if "\u4e00" <= ch <= "\u9fff"}))
    n_dups = int(n_posts * dup_share)
    n_base = n_posts - n_dups
    deck = SentenceDeck(rng, sentences)
    texts = [make_post(deck, target) for _ in range(n_base)]
    ids = [f"p{i}" for i in range(n_base)]
    truth: dict[str, str] = {}
    # each planted duplicate goes after its original, at a random later position
    plan: list[tuple[int, str, str]] = []
    for d in range(n_dups):
        orig = rng.randrange(max(1, n_base - 1))
        # reprinted within the next ``REPRINT_SPAN`` posts (12 hours of a 200,000-post, 48-hour stream): the index
        # remembers the last 100,000 items (PipelineConfig.dedup_max_items), so a later copy is not linked
        after = rng.randrange(orig, min(n_base, orig + REPRINT_SPAN))
        did = f"d{d}"
        truth[did] = ids[orig]
        plan.append((after, did, edit(rng, texts[orig], rng.randint(1, 5), alphabet)))
    plan.sort()
    order: list[tuple[str, str]] = []
    j = 0
    for i in range(n_base):
        order.append((ids[i], texts[i]))
        while j < len(plan) and plan[j][0] == i:
            order.append((plan[j][1], plan[j][2]))
            j += 1
    start = datetime(2024, 5, 1, 8, 0, tzinfo=CHINA_TZ)
    step = timedelta(seconds=48 * 3600 / max(1, len(order)))
    items = [
        Item(id=i, title="", text=t, published_at=start + k * step, source="微博") for k, (i, t) in enumerate(order)
    ]
    return items, truth


def score_dedup(items: list[Item], truth: dict[str, str]) -> dict[str, float]:
    present = {it.id for it in items}
    truth = {d: o for d, o in truth.items() if d in present and o in present}
    flagged = [it for it in items if it.duplicate_of is not None]
    correct = sum(1 for it in flagged if truth.get(it.id) == it.duplicate_of)
    found = sum(1 for it in items if it.id in truth and it.duplicate_of == truth[it.id])
    return {
        "planted": len(truth),
        "flagged": len(flagged),
        "precision": correct / len(flagged) if flagged else 1.0,
        "recall": found / len(truth) if truth else 1.0,
        "false_flags": len(flagged) - correct,
    }


def clone(items: list[Item]) -> list[Item]:
    return [Item(id=i.id, title=i.title, text=i.text, published_at=i.published_at, source=i.source) for i in items]


# --- sentiment ------------------------------------------------------------------------------------------------------
class StandInModel:
    """Used only when taizhang.monitor.sentiment is missing: hashed rjieba tokens into a fixed random linear model."""

    stand_in = True

    def __init__(self, dim: int = 1 << 18) -> None:
        import rjieba

        self._jieba = rjieba.Jieba()
        self.w = np.random.default_rng(0).normal(0, 0.3, dim).astype(np.float32)
        self.mask = dim - 1

    def score(self, texts: list[str]) -> np.ndarray:
        cut = self._jieba.cut
        w, mask = self.w, self.mask
        out = np.empty(len(texts))
        for i, t in enumerate(texts):
            idx = [hash(tok) & mask for tok in cut(t, False)]
            out[i] = w[idx].sum() if idx else 0.0
        return 1.0 / (1.0 + np.exp(-out))

    def label(self, score: float) -> str:
        return "neg" if score < 0.4 else "pos" if score > 0.6 else "neu"


def get_sentiment_model():
    try:
        from taizhang.monitor.sentiment import get_model
    except ImportError:
        return StandInModel(), "stand-in (taizhang.monitor.sentiment missing)"
    return get_model(), "taizhang.monitor.sentiment"


# --- runs -----------------------------------------------------------------------------------------------------------
def pin_one_core() -> str:
    try:
        cpu = sorted(os.sched_getaffinity(0))[-1]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned"


def run_dedup_only(items: list[Item], truth: dict[str, str], cfg: PipelineConfig) -> dict[str, float]:
    from taizhang.monitor.pipeline.dedup import DedupStep
    from taizhang.monitor.pipeline.normalize import NormalizeStep

    work = clone(items)
    ctx = Context(cfg, sentiment_model=object())
    pipe = Pipeline([NormalizeStep(), DedupStep()], ctx, clock=time.process_time)
    pipe.process(work)
    out = score_dedup(work, truth)
    out["dedup_posts_per_cpu_s"] = len(work) / ctx.timings["dedup"]
    return out


def run_full(items: list[Item], truth: dict[str, str], model, scope: str) -> dict:
    work = clone(items)
    cfg = PipelineConfig(incident_scope=scope)
    wls = [WatchList(k, n, e) for k, n, e in WATCHLISTS]
    ctx = Context(cfg, watchlists=wls, sentiment_model=model)
    pipe = Pipeline(ctx=ctx, clock=time.process_time)
    wall, cpu = time.perf_counter(), time.process_time()
    pipe.process(work)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    res = score_dedup(work, truth)
    inc = ctx.incidents.incidents.values()
    without_model = cpu - ctx.timings.get("sentiment", 0.0)
    return {
        "posts": len(work),
        "cpu_seconds": round(cpu, 2),
        "wall_seconds": round(wall, 2),
        "posts_per_cpu_s": round(len(work) / cpu),
        "posts_per_wall_s": round(len(work) / wall),
        "posts_per_cpu_s_without_sentiment_model": round(len(work) / without_model),
        "step_posts_per_cpu_s": {k: round(len(work) / v) for k, v in ctx.timings.items() if v > 0},
        "matched": sum(1 for it in work if it.matches),
        "incidents": len(inc),
        "incidents_2plus": sum(1 for i in inc if i.size >= 2),
        "bursts": len(ctx.bursts.events),
        "dedup": {k: round(v, 4) if isinstance(v, float) else v for k, v in res.items()},
    }


def calibrate(items: list[Item], n: int = 20_000) -> dict:
    """rjieba alone on this machine now: MEASURED.md has ~80,000 posts/s on an idle core."""
    import rjieba

    j = rjieba.Jieba()
    texts = [it.text for it in items[:n]]
    cpu = time.process_time()
    for t in texts:
        j.cut(t)
    cpu = time.process_time() - cpu
    return {"rjieba_cut_posts_per_cpu_s": round(len(texts) / cpu), "load_average": os.getloadavg()}


def run_baseline(items: list[Item], n: int) -> dict:
    import logging

    import jieba
    from snownlp import SnowNLP

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    texts = [it.text for it in items[:n]]
    _ = SnowNLP(texts[0]).sentiments  # load the model outside the timing
    cpu = time.process_time()
    for text in texts:
        jieba.lcut(text)
        _ = SnowNLP(text).sentiments
    cpu = time.process_time() - cpu
    return {"posts": len(texts), "cpu_seconds": round(cpu, 2), "posts_per_cpu_s": round(len(texts) / cpu, 1)}


def sweep(items: list[Item], truth: dict[str, str]) -> list[dict]:
    rows = []
    grid = [
        ("oph", 64, 16, 3),
        ("oph", 64, 32, 3),
        ("oph", 128, 32, 3),
        ("kperm", 64, 16, 3),
        ("kperm", 128, 32, 3),
        ("oph", 64, 16, 2),
        ("oph", 64, 16, 4),
        ("oph", 64, 16, 5),
    ]
    for scheme, perms, bands, k in grid:
        for thr in (0.3, 0.4, 0.5, 0.6, 0.7):
            cfg = PipelineConfig(
                minhash_scheme=scheme, num_perm=perms, bands=bands, shingle_size=k, near_dup_threshold=thr
            )
            r = run_dedup_only(items, truth, cfg)
            row = {
                "scheme": scheme,
                "perms": perms,
                "bands": bands,
                "rows": perms // bands,
                "shingle": k,
                "threshold": thr,
                **{k2: round(v, 4) for k2, v in r.items()},
            }
            rows.append(row)
            print(json.dumps(row, ensure_ascii=False), flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--posts", type=int, default=200_000)
    ap.add_argument("--dup-share", type=float, default=0.05)
    ap.add_argument("--baseline", type=int, default=1000)
    ap.add_argument("--scope", default="matched", choices=["matched", "all"])
    ap.add_argument("--sweep", action="store_true", help="near-duplicate parameter sweep (on --sweep-posts posts)")
    ap.add_argument("--sweep-posts", type=int, default=40_000)
    ap.add_argument("--skip-full", action="store_true")
    args = ap.parse_args(argv)

    report: dict = {"cpu": pin_one_core(), "clock": "process_time (CPU seconds of this process: the machine is shared)"}
    if args.sweep:
        s_items, s_truth = build_stream(args.sweep_posts, 0.25, seed=11)
        report["sweep"] = sweep(s_items, s_truth)

    t = time.perf_counter()
    items, truth = build_stream(args.posts, args.dup_share)
    report["corpus"] = {
        "posts": len(items),
        "planted_near_duplicates": len(truth),
        "mean_chars": round(sum(len(i.text) for i in items) / len(items), 1),
        "build_seconds": round(time.perf_counter() - t, 1),
    }
    print(json.dumps(report["corpus"], ensure_ascii=False), flush=True)

    p_items, p_truth = build_stream(40_000, 0.25, seed=23)  # a denser planted set for precision / recall
    report["dedup_planted_40k"] = {
        k: round(v, 4) if isinstance(v, float) else v
        for k, v in run_dedup_only(p_items, p_truth, PipelineConfig()).items()
    }
    print(json.dumps({"dedup_planted_40k": report["dedup_planted_40k"]}, ensure_ascii=False), flush=True)
    for target in (60, 100):  # shorter posts: 5 edits weigh more
        s_items, s_truth = build_stream(20_000, 0.25, seed=31, target=target)
        report[f"dedup_planted_20k_{target}_chars"] = {
            k: round(v, 4) if isinstance(v, float) else v
            for k, v in run_dedup_only(s_items, s_truth, PipelineConfig()).items()
        }

    if not args.skip_full:
        model, model_name = get_sentiment_model()
        report["sentiment_model"] = model_name
        warm = clone(items[:2000])
        Pipeline(ctx=Context(PipelineConfig(), sentiment_model=model)).process(warm)  # load dictionaries
        report["calibration"] = calibrate(items)
        report["full"] = run_full(items, truth, model, args.scope)
        print(json.dumps({"full": report["full"]}, ensure_ascii=False), flush=True)
        if args.scope == "matched":
            report["full_scope_all_40k"] = run_full(items[:40_000], truth, model, "all")
    if args.baseline:
        report["baseline_jieba_snownlp"] = run_baseline(items, args.baseline)
        print(json.dumps({"baseline": report["baseline_jieba_snownlp"]}, ensure_ascii=False), flush=True)
        if "full" in report:
            base = report["baseline_jieba_snownlp"]["posts_per_cpu_s"]
            report["speedup"] = round(report["full"]["posts_per_cpu_s"] / base)
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
