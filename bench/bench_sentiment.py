"""Benchmark of the shipped sentiment model (taizhang.monitor.sentiment) against SnowNLP, on one core.

    .venv/bin/python bench/bench_sentiment.py                  # 200,000 posts batch, 20,000 one at a time, SnowNLP 500
    .venv/bin/python bench/bench_sentiment.py --posts 50000    # quicker

Prints, side by side:
- batch: ``model.score(texts)`` over N posts (the weibo2018 training texts repeated, ~80 characters each);
- one at a time: ``model.score_one(text)`` in a loop;
- SnowNLP 0.12 (``SnowNLP(text).sentiments``, its shipped shopping-review model) on the ~500 posts of the
  weibo2018 test split, post by post;
- accuracy and macro-F1 on the weibo2018 test split for both (threshold 0.5);
- the same on the complaint evaluation set (taizhang/monitor/eval/complaints.tsv: complaints, requests for help,
  accusations and reports of harm in news wording must score negative), with the share of complaints scored
  negative and of other sentences not scored negative;
- with ``--compare OLD.npz``, the same rows for another model file (e.g. the previous shipped one) in the same run,
  scored by the current code (so the speed columns compare the models, not two versions of the scorer).
posts/s is reported per CPU second of this process (``time.process_time``, the figure that does not depend on what
else the machine runs) and per wall second. The process is pinned to one CPU and numerical libraries to one thread.
Data: $TAIZHANG_DATA, else ../shared/data next to the repository, else /work/shared/data.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from taizhang.monitor.eval.build_complaints import read_set
from taizhang.monitor.sentiment import SentimentModel
from taizhang.monitor.train_sentiment import COMPLAINTS_PATH, metrics, read_split

DATA = Path(os.environ.get("TAIZHANG_DATA", ROOT.parent / "shared" / "data"))
if not (DATA / "weibo2018_test.txt").exists():
    DATA = Path("/work/shared/data")


def pin_one_core() -> str:
    try:
        cpu = sorted(os.sched_getaffinity(0))[-1]
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    except (AttributeError, OSError):
        return "not pinned"


def timed(fn: Callable[[], object]) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.process_time() - cpu, time.perf_counter() - wall


def row(name: str, posts: int, cpu: float, wall: float, acc: str = "", f1: str = "") -> str:
    return f"{name:<38} {posts:>8,} {posts / cpu:>13,.0f} {posts / wall:>13,.0f} {acc:>9} {f1:>9}"


def one_row(name: str, posts: int, cpu: float, wall: float) -> str:
    """One call per post: also the latency of a call, in microseconds of CPU."""
    return row(name, posts, cpu, wall) + f"   {cpu / posts * 1e6:.0f} µs CPU per call"


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion: how far a test split of n posts can pin an accuracy down."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=200_000, help="posts scored in one batch call")
    parser.add_argument("--one", type=int, default=20_000, help="posts scored one call each")
    parser.add_argument("--snownlp", type=int, default=500, help="posts for SnowNLP (0: skip)")
    parser.add_argument("--model", help="model file (default: the shipped one)")
    parser.add_argument("--compare", help="another model file to score the same way (e.g. the previous one)")
    args = parser.parse_args()

    print(pin_one_core())
    train, _ = read_split(DATA / "weibo2018_train.txt")
    test, y_test = read_split(DATA / "weibo2018_test.txt")
    model, _, load_wall = timed(lambda: SentimentModel.load(args.model))
    assert isinstance(model, SentimentModel)
    size = model.path.stat().st_size if model.path else 0
    print(
        f"model {model.path} ({size / 1e6:.2f} MB), loaded in {load_wall * 1000:.0f} ms; "
        f"trained {model.metadata.get('trained_at')}"
    )
    texts = (train * (args.posts // len(train) + 1))[: args.posts]
    print(f"{len(texts):,} posts, mean {np.mean([len(t) for t in texts]):.0f} characters\n")
    model.score(test[:100])  # rjieba's dictionary loads on first use: keep it out of the timing

    print(f"{'':<38} {'posts':>8} {'posts/cpu-s':>13} {'posts/wall-s':>13} {'accuracy':>9} {'macro-F1':>9}")
    _, cpu, wall = timed(lambda: model.score(texts))
    print(row("taizhang model, batch (score)", len(texts), cpu, wall))

    ones = texts[: args.one]
    _, cpu, wall = timed(lambda: [model.score_one(t) for t in ones])
    print(one_row("taizhang model, one at a time", len(ones), cpu, wall))

    ctexts, clabels, _ = read_set(COMPLAINTS_PATH)
    cy = np.asarray(clabels)

    def accuracy_rows(name: str, m: SentimentModel) -> None:
        scores, cpu, wall = timed(lambda: m.score(test))
        r = metrics(y_test, np.asarray(scores) > 0.5)
        print(row(f"{name}, weibo2018 test", len(test), cpu, wall, f"{r['accuracy']:.4f}", f"{r['macro_f1']:.4f}"))
        low, high = wilson(round(r["accuracy"] * len(test)), len(test))
        print(f"{'':<38} 95 % interval of that accuracy (Wilson, {len(test)} posts): {low:.3f}–{high:.3f}")
        cs = np.asarray(m.score(ctexts))
        r = metrics(cy, cs > 0.5)
        print(
            f"{name + ', complaint set':<38} {len(ctexts):>8,} {'':>27} {r['accuracy']:>9.4f} {r['macro_f1']:>9.4f}"
            f"   complaints negative {np.mean(cs[cy == 0] < 0.5):.4f}, other not negative "
            f"{np.mean(cs[cy == 1] >= 0.5):.4f}"
        )
        example = "有家长反映，学校食堂的饭菜价格偏高"
        print(f"{'':<38} “{example}” → {m.score_one(example):.2f}")

    accuracy_rows("taizhang model", model)
    if args.compare:
        other = SentimentModel.load(args.compare)
        print(f"compared model {args.compare} ({Path(args.compare).stat().st_size / 1e6:.2f} MB), scored by this code")
        _, cpu, wall = timed(lambda: other.score(texts))
        print(row(f"compared model, batch ({Path(args.compare).name})", len(texts), cpu, wall))
        _, cpu, wall = timed(lambda: [other.score_one(t) for t in ones])
        print(one_row("compared model, one at a time", len(ones), cpu, wall))
        accuracy_rows("compared model", other)

    if args.snownlp:
        try:
            from snownlp import SnowNLP
        except ImportError:
            print("SnowNLP not installed: pip install snownlp")
            return
        sample = test[: args.snownlp]
        _ = SnowNLP(sample[0]).sentiments  # loads its model
        snow, cpu, wall = timed(lambda: [SnowNLP(t).sentiments for t in sample])
        m = metrics(y_test[: len(sample)], np.asarray(snow) > 0.5)
        print(
            row(
                "SnowNLP 0.12, weibo2018 test split",
                len(sample),
                cpu,
                wall,
                f"{m['accuracy']:.4f}",
                f"{m['macro_f1']:.4f}",
            )
        )
        csnow = np.asarray([SnowNLP(t).sentiments for t in ctexts])
        r = metrics(cy, csnow > 0.5)
        print(
            f"{'SnowNLP 0.12, complaint set':<38} {len(ctexts):>8,} {'':>27} {r['accuracy']:>9.4f} "
            f"{r['macro_f1']:>9.4f}   complaints negative {np.mean(csnow[cy == 0] < 0.5):.4f}"
        )
    always = metrics(y_test, np.ones(len(y_test), dtype=bool))
    print(
        f"{'(always positive)':<38} {len(y_test):>8,} {'':>13} {'':>13} {always['accuracy']:>9.4f} "
        f"{always['macro_f1']:>9.4f}"
    )


if __name__ == "__main__":
    main()
