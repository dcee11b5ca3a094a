"""Builds the complaint evaluation set (``complaints.tsv``) and the disjoint domain training set (``domain_train.tsv``)
from THUCNews, by the written rules of ``README.md`` plus the hand corrections in ``CORRECTIONS``.

    python -m taizhang.monitor.eval.build_complaints [--data /work/shared/data/thucnews]

Evaluation sentences come from the full articles (``cnews_articles_1000.txt``, classes 教育 and 时政) and from the
headlines of ``test.txt`` (classes society and education); the domain training rows come only from the headlines of
``dev.txt`` (same classes), minus any headline that also occurs in the articles or in ``test.txt``. The two sets share
no text. Deterministic: the same inputs give the same files (sorted, sampled with a fixed seed).
Labels: 0 = complaint / request for help / accusation / report of harm (must score negative), 1 = other news
(must not score negative). Sentences that match a rule only in a preventive or ambiguous frame are left out.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
from collections.abc import Iterable
from pathlib import Path

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = Path("/work/shared/data/thucnews")

# --- the rules (README.md explains each group) ---------------------------------------------------------------------
COMPLAINT = (
    "投诉",
    "抱怨",
    "不满",
    "质疑",
    "吐槽",
    "诟病",
    "怨声",
    "叫苦",
    "苦不堪言",
    "怨言",
    "喊冤",
    "不公",
    "不合理",
    "偏高",
    "过高",
    "太贵",
    "太高",
    "难以承受",
    "负担重",
    "负担过重",
    "乱收费",
    "乱象",
    "不堪",
    "索赔",
    "讨说法",
    "维权",
    "上访",
    "拒绝退",
    "拒不",
    "纠纷",
    "争议",
    "愤怒",
    "气愤",
    "痛斥",
)
HELP = ("求助", "求救", "救救", "走投无路", "无助", "讨薪", "讨要", "恳请", "急需", "无钱", "看不起病", "上不起学")
ACCUSE = (
    "举报",
    "控告",
    "指控",
    "起诉",
    "状告",
    "告上法庭",
    "揭发",
    "曝光",
    "涉嫌",
    "违规",
    "违法",
    "违纪",
    "贪污",
    "受贿",
    "索贿",
    "腐败",
    "克扣",
    "拖欠",
    "欠薪",
    "欺骗",
    "诈骗",
    "造假",
    "作弊",
    "舞弊",
    "强拆",
    "霸凌",
    "体罚",
    "假冒",
    "假酒",
    "黑幕",
    "潜规则",
    "包庇",
    "敲诈",
    "勒索",
    "行贿",
    "被查",
    "落马",
    "双规",
    "判刑",
    "获刑",
    "判处",
    "嫖娼",
    "卖淫",
    "吸毒",
    "贩毒",
    "逮捕",
    "刑拘",
    "拘留",
)
HARM = (
    "死亡",
    "身亡",
    "遇难",
    "丧生",
    "受伤",
    "伤亡",
    "重伤",
    "事故",
    "坠楼",
    "溺水",
    "溺亡",
    "中毒",
    "殴打",
    "毒打",
    "打人",
    "被打",
    "打伤",
    "砍伤",
    "砍死",
    "刺死",
    "杀害",
    "猥亵",
    "性侵",
    "强奸",
    "虐待",
    "火灾",
    "爆炸",
    "污染严重",
    "受污染",
    "被污染",
    "污染事件",
    "自杀",
    "遇害",
    "被害",
    "失踪",
    "倒塌",
    "塌陷",
    "被骗",
    "抢劫",
    "盗窃",
    "被盗",
    "绑架",
    "猝死",
    "跳楼",
    "打骨折",
    "追尾",
    "车祸",
    "死伤",
    "致死",
    "致残",
    "1死",
    "2死",
    "3死",
    "4死",
    "5死",
    "昏迷",
    "遗弃",
    "失学",
    "辍学",
    "亏损",
    "暴跌",
    "跌停",
    "感染",
    "疫情",
)
# a cue inside these frames is advice, policy or prevention, not a complaint or a report of harm: left out
PREVENTIVE = (
    "防止",
    "预防",
    "避免",
    "杜绝",
    "严禁",
    "防范",
    "打击",
    "整治",
    "治理",
    "禁止",
    "不得",
    "严厉",
    "如何",
    "怎样",
    "警惕",
    "提醒",
    "谨防",
    "安全教育",
    "应急",
    "减排",
    "防治",
    "普查",
    "防疫",
    "防控",
    "妥善",
    "要防",
    "指导意见",
    "规定",
    "办法",
    "条例",
    "措施",
)
# "反映" is a complaint only when people report something ("有家长反映", "居民向记者反映"), not "反映出" (reflects)
REPORTED = re.compile(
    r"(群众|居民|家长|市民|网友|学生|村民|业主|读者|消费者|职工|员工|老师|教师|患者|考生|乘客|有人)[^，。；]{0,8}反映"
)
# negative-leaning words that are no complaint by these rules: a sentence with one is not "other" either: left out
UNCLEAR = (
    "下跌",
    "下降",
    "困难",
    "反映",
    "污染",
    "问题",
    "危机",
    "风险",
    "压力",
    "担忧",
    "担心",
    "批评",
    "警告",
    "处罚",
    "罚款",
    "处分",
    "失败",
    "难",
    "不",
    "没",
    "无",
    "未",
    "悲",
    "哭",
    "痛",
    "惨",
    "怒",
    "怕",
    "病",
    "死",
    "伤",
    "骗",
    "假",
    "乱",
    "差",
    "贵",
    "坑",
)

# Hand corrections after reading the sampled rows (README.md, "Spot check"): blake2b-40 of the sentence → label, or
# None to drop the row. Applied after sampling, so a correction never pulls an unread row into the set.
CORRECTIONS: dict[str, int | None] = {
    "b55986f3c7": None,
    "6e9004bed9": None,
    "eda47094e8": None,
    "8cd8bf55eb": 1,
    "ab89c0f6ec": 1,
    "e90a055357": 0,
    "d85adf3f51": 0,
    "a9e1cd9890": 0,
    "48efb3486e": 0,
    "0942663ca6": 0,
    "1a87b14848": 0,
    "6e4243c6c2": 0,
    "fe7fd53429": 0,
    "76c452f6ec": 0,
    "db8716a8b6": 0,
    "3a11bd7d7d": 0,
    "08ae29f382": 0,
    "55e7d2fc96": 0,
    "48109a0828": 0,
    "291f44a365": 0,
    "7f0c19a4fd": 0,
    "87fd04f9aa": 0,
    "f9df2920e7": 0,
    "67d18e667a": 0,
    "8d7aacb84a": 0,
    "7a8765a3f6": 0,
    "4186868b67": 0,
    "f42841431d": 0,
    "497504af91": 0,
    "d2773293df": None,
    "8bb46efdf2": None,
    "0f3d5e0a4f": None,
    "d4895029a2": None,
    "05a9449ada": None,
    "f133f342a4": None,
    "2927349036": None,
    "496d40a5eb": None,
    "7c58552afe": None,
    "1a520ca654": None,
    "d1478c739f": None,
    "44301538fa": None,
    "76d951f92b": None,
    "b3ea29f65e": None,
    "24606ed03f": None,
    "0047a7b948": None,
    "c80d697af2": None,
    "0845facebc": None,
    "7fac94bb45": None,
    "5baf95adc5": None,
    "90e4dba856": None,
    "8a06dee29d": None,
    "c28e251922": None,
    "0d63916dfe": None,
    "fc664b5520": None,
    "98369756ea": None,
    "b2d5d64198": None,
    "8d102301bf": None,
    # complaint-side rows: the remaining 240 read as well
    "4b07068227": 1,
    "4ea4e023b8": 1,
    "0f2962d436": 1,
    "2a64a2324a": 1,
    "50b2781ad1": None,
    "bdd06c2fdd": None,
    "d23a3f7ecb": None,
    "9d12a15576": None,
    "3330ad24f5": None,
    "8dee86cb97": None,
    "0163893f21": None,
    "7fc3eb8bb3": None,
    "7093296832": None,
    "3d2e333d39": None,
    "24fbf42289": None,
    "c03b26622c": None,
    "d806001717": None,
    "fc421b35f5": None,
    "bf3618d6bd": None,
    "a476a257a7": None,
}

GROUPS = {"complaint": COMPLAINT, "help": HELP, "accusation": ACCUSE, "harm": HARM}


def rule_label(text: str) -> tuple[int | None, str]:
    """(label, rule) by the written rules: 0 with the matching group and word, 1 "other", None left out."""
    hits = [(g, w) for g, words in GROUPS.items() for w in words if w in text]
    if REPORTED.search(text):
        hits.insert(0, ("complaint", "反映"))
    if hits:
        if any(w in text for w in PREVENTIVE):
            return None, "preventive"
        g, w = hits[0]
        return 0, f"{g}:{w}"
    if any(w in text for w in PREVENTIVE) or any(w in text for w in UNCLEAR):
        return None, "unclear"
    return 1, "other"


def sentence_key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=5).hexdigest()


def label(text: str) -> tuple[int | None, str]:
    key = sentence_key(text)
    if key in CORRECTIONS:
        fixed = CORRECTIONS[key]
        return fixed, "hand" if fixed is not None else "hand:drop"
    return rule_label(text)


# --- sources ---------------------------------------------------------------------------------------------------------
ARTICLE_CLASSES = ("教育", "时政")
HEADLINE_CLASSES = {"3": "education", "5": "society"}
_SPLIT = re.compile(r"(?<=[。！？!?；])")


def article_sentences(path: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            cls, _, text = line.rstrip("\n").partition("\t")
            if cls not in ARTICLE_CLASSES:
                continue
            for s in _SPLIT.split(text.replace("\u3000", "")):
                s = s.strip()
                if 12 <= len(s) <= 100:
                    out.append((f"article:{cls}:{n}", s))
    return out


def headlines(path: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            text, _, cls = line.rstrip("\n").rpartition("\t")
            if cls in HEADLINE_CLASSES and len(text.strip()) >= 8:
                out.append((f"{path.stem}:{HEADLINE_CLASSES[cls]}:{n}", text.strip()))
    return out


def balanced(rows: Iterable[tuple[str, str, int, str]], per_label: int, seed: int) -> list[tuple[str, str, int, str]]:
    rows = sorted(set(rows), key=lambda r: (r[1], r[0]))
    rng = random.Random(seed)
    out: list[tuple[str, str, int, str]] = []
    for lab in (0, 1):
        pool = [r for r in rows if r[2] == lab]
        rng.shuffle(pool)
        out += pool[:per_label]
    return sorted(out, key=lambda r: (r[2], r[0]))


def write(path: Path, rows: list[tuple[str, str, int, str]], header: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(header)
        fh.write("label\trule\tsource\ttext\n")
        for source, text, lab, rule in rows:
            fh.write(f"{lab}\t{rule}\t{source}\t{text}\n")


def read_set(path: str | Path) -> tuple[list[str], list[int], list[str]]:
    """Texts, labels and rules of a file written here (``#`` lines and the header skipped)."""
    texts: list[str] = []
    labels: list[int] = []
    rules: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or line.startswith("label\t") or not line.strip():
                continue
            lab, rule, _source, text = line.rstrip("\n").split("\t", 3)
            texts.append(text)
            labels.append(int(lab))
            rules.append(rule)
    return texts, labels, rules


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--eval-per-label", type=int, default=300)
    ap.add_argument("--train-per-label", type=int, default=600)
    args = ap.parse_args(argv)
    data = Path(args.data)

    eval_src = article_sentences(data / "cnews_articles_1000.txt") + headlines(data / "test.txt")
    eval_rows = [(src, t, lab, rule) for src, t in eval_src for lab, rule in [rule_label(t)] if lab is not None]
    eval_set = [
        (src, t, fixed, rule if fixed == lab else "hand")
        for src, t, lab, rule in balanced(eval_rows, args.eval_per_label, seed=16)
        for fixed in [label(t)[0] if sentence_key(t) in CORRECTIONS else lab]
        if fixed is not None
    ]
    eval_set.sort(key=lambda r: (r[2], r[0]))

    articles_text = (data / "cnews_articles_1000.txt").read_text(encoding="utf-8")
    test_heads = {t for _, t in headlines(data / "test.txt")}
    train_rows = [
        (src, t, lab, rule)
        for src, t in headlines(data / "dev.txt")
        if t not in test_heads and t not in articles_text
        for lab, rule in [rule_label(t)]
        if lab is not None
    ]
    eval_texts = {r[1] for r in eval_set}
    train_rows = [r for r in train_rows if r[1] not in eval_texts]
    train_set = balanced(train_rows, args.train_per_label, seed=17)

    write(
        HERE / "complaints.tsv",
        eval_set,
        "# Complaint evaluation set (taizhang/monitor/eval/README.md). EVALUATION ONLY: never train on it.\n"
        "# Built by: python -m taizhang.monitor.eval.build_complaints. Source: THUCNews (MIT, see README).\n",
    )
    write(
        HERE / "domain_train.tsv",
        train_set,
        "# Domain training rows for the sentiment model: THUCNews dev.txt headlines (society, education),\n"
        "# rule-labelled (no hand corrections), disjoint from complaints.tsv. Built by build_complaints.py.\n",
    )
    for name, rows in (("complaints.tsv", eval_set), ("domain_train.tsv", train_set)):
        n0 = sum(1 for r in rows if r[2] == 0)
        print(f"{name}: {len(rows)} rows, {n0} complaint / {len(rows) - n0} other")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
