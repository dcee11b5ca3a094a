"""End to end: analyze_items / analyze_jsonl / main_analyze on THUCNews articles with planted reprints."""

import json
import os
import random
import subprocess
import sys
import types
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from taizhang.monitor.pipeline import CHINA_TZ, PipelineConfig
from taizhang.monitor.pipeline.analyze import InputError, analyze_items, analyze_jsonl, main_analyze, read_jsonl

REPO = Path(__file__).resolve().parents[3]
# the shared data beside the checkout, or where TAIZHANG_DATA or this workplace keeps it (as test_sentiment looks:
# a clean clone elsewhere skipped these tests)
ARTICLES = next(
    (
        Path(base) / "thucnews" / "cnews_articles_1000.txt"
        for base in (os.environ.get("TAIZHANG_DATA"), REPO.parent / "shared" / "data", "/work/shared/data")
        if base and (Path(base) / "thucnews" / "cnews_articles_1000.txt").exists()
    ),
    REPO.parent / "shared" / "data" / "thucnews" / "cnews_articles_1000.txt",
)
ITEM_KEYS = {"id", "sentiment", "label", "duplicate_of", "incident", "matches"}
INCIDENT_KEYS = {
    "label", "items", "first_seen", "last_seen", "negative_share", "grade", "key_terms", "burst", "headline",
}
START = datetime(2024, 5, 1, 8, 0, tzinfo=CHINA_TZ)


class FakeModel:
    """Stands in for taizhang.monitor.sentiment when it is not there: negative when the text mentions a loss."""

    def score(self, texts):
        return np.array([0.1 if any(w in t for w in ("伤", "跌", "亏", "负")) else 0.85 for t in texts])

    def label(self, score):
        return "neg" if score < 0.4 else "pos" if score > 0.6 else "neu"


@pytest.fixture
def sentiment(monkeypatch):
    """The real model when it exists, else a fake module in its place (imported lazily by the pipeline)."""
    try:
        import taizhang.monitor.sentiment  # noqa: F401
    except ImportError:
        fake = types.ModuleType("taizhang.monitor.sentiment")
        fake.get_model = FakeModel
        monkeypatch.setitem(sys.modules, "taizhang.monitor.sentiment", fake)


def articles(n):
    if not ARTICLES.exists():
        pytest.skip("shared/data 不在")
    rows = []
    with open(ARTICLES, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= n:
                break
            cls, text = line.rstrip("\n").split("\t", 1)
            rows.append({"id": f"a{i}", "title": "", "text": text, "source": f"{cls}频道"})
    return rows


def edit(rng, text, n):
    chars = list(text)
    for _ in range(n):
        pos = rng.randrange(len(chars))
        op = rng.choice("sid")
        if op == "s":
            chars[pos] = "的"
        elif op == "i":
            chars.insert(pos, "了")
        else:
            del chars[pos]
    return "".join(chars)


def corpus(n=300, n_reprints=30, seed=5):
    """``n`` articles 5 minutes apart, then planted reprints (edited, prefixed, exact) of earlier ones."""
    rng = random.Random(seed)
    rows = articles(n)
    for k, row in enumerate(rows):
        row["published_at"] = (START + timedelta(minutes=5 * k)).isoformat()
    truth = {}
    for r in range(n_reprints):
        orig = rows[rng.randrange(n)]
        body = orig["text"]
        kind = r % 3
        text = body if kind == 0 else edit(rng, body, rng.randint(1, 5))
        if kind == 2:
            text = "转载：" + text
        rid = f"r{r}"
        truth[rid] = orig["id"]
        rows.append({"id": rid, "text": text, "published_at": (START + timedelta(hours=30, minutes=r)).isoformat()})
    return rows, truth


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_every_planted_reprint_is_found_and_nothing_else(sentiment):
    rows, truth = corpus()
    result = analyze_items(rows)
    out = {d["id"]: d for d in result.item_dicts()}
    for rid, orig in truth.items():
        assert out[rid]["duplicate_of"] == orig
    flagged = {i for i, d in out.items() if d["duplicate_of"] is not None}
    natural = flagged - set(truth)  # THUCNews has a few template articles that really are near copies
    assert len(natural) <= 10
    assert result.summary()["duplicates"] == len(flagged)


def test_jsonl_output_has_exactly_the_agreed_fields(sentiment, tmp_path, capsys):
    rows, _ = corpus(120, 12)
    path = write_jsonl(tmp_path / "in.jsonl", rows)
    assert main_analyze([str(path), "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    items, summary = lines[:-1], lines[-1]
    assert [d["id"] for d in items] == [r["id"] for r in rows]  # input order kept
    for d in items:
        assert set(d) == ITEM_KEYS
        assert 0.0 <= d["sentiment"] <= 1.0
        assert d["sentiment"] == round(d["sentiment"], 4)
        assert d["label"] in {"pos", "neg", "neu"}
        assert d["matches"] == []
    assert set(summary) == {"incidents", "items", "duplicates"}
    assert summary["items"] == len(rows)
    assert summary["duplicates"] >= 12
    labels = {inc["label"] for inc in summary["incidents"]}
    assert len(labels) == len(summary["incidents"])  # unique
    for inc in summary["incidents"]:
        assert set(inc) == INCIDENT_KEYS
        assert inc["items"] >= 2
        assert inc["grade"] in {"general", "major", "severe"}
        assert inc["first_seen"] <= inc["last_seen"]
        assert 0 <= inc["negative_share"] <= 1
        assert 3 <= len(inc["key_terms"]) <= 5
    per_item = {d["incident"] for d in items} - {None}
    assert per_item == labels
    for inc in summary["incidents"]:
        assert sum(1 for d in items if d["incident"] == inc["label"]) == inc["items"]


def test_a_reprint_joins_the_incident_of_its_original(sentiment):
    rows, truth = corpus(120, 12)
    out = {d["id"]: d for d in analyze_items(rows).item_dicts()}
    for rid, orig in truth.items():
        assert out[rid]["incident"] == out[orig]["incident"]
        assert out[rid]["incident"] is not None  # original + reprint make at least two items


def test_watch_lists_from_a_file_select_what_is_clustered(sentiment, tmp_path, capsys):
    rows, _ = corpus(200, 10)
    path = write_jsonl(tmp_path / "in.jsonl", rows)
    wl = tmp_path / "watch.json"
    wl.write_text(
        json.dumps(
            [
                {"key": "nba", "name": "篮球", "expression": "(湖人 OR 火箭 OR 热火 OR 篮网) AND NOT 足球"},
                {"key": "fund", "name": "基金", "expression": "基金 AND (亏损 OR 收益 OR 净值)"},
            ],
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    assert main_analyze([str(path), "--json", "--watchlists", str(wl)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    items = lines[:-1]
    matched = [d for d in items if d["matches"]]
    assert matched
    assert {k for d in matched for k in d["matches"]} <= {"nba", "fund"}
    assert all(d["incident"] is None for d in items if not d["matches"])


def test_the_readable_table_is_in_chinese(sentiment, tmp_path, capsys):
    rows, _ = corpus(60, 6)
    path = write_jsonl(tmp_path / "in.jsonl", rows)
    assert main_analyze([str(path)]) == 0
    out = capsys.readouterr().out
    assert "逐条结果" in out
    assert "舆情事件" in out
    assert f"共 {len(rows)} 条" in out


def test_bad_lines_are_reported_by_line_and_nothing_is_analysed(sentiment, tmp_path, capsys):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "1", "text": "正常"}\n{"id": 2, "text": \n{"id": "3", "text": "x", "published_at": "昨天"}\n'
        '{"id": "4", "title": "", "text": ""}\n',
        encoding="utf-8",
    )
    assert main_analyze([str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "第 2 行：不是有效的 JSON" in captured.err
    assert "第 3 行：发布时间" in captured.err
    assert "第 4 行：标题（title）和正文（text）都为空" in captured.err
    with pytest.raises(InputError):
        read_jsonl(path)


def test_a_bad_watch_list_file_is_refused(sentiment, tmp_path, capsys):
    path = write_jsonl(tmp_path / "in.jsonl", [{"text": "拆迁补偿"}])
    wl = tmp_path / "watch.json"
    wl.write_text('[{"key": "x", "expression": "(拆迁"}]', encoding="utf-8")
    assert main_analyze([str(path), "--watchlists", str(wl)]) == 2
    assert "左括号" in capsys.readouterr().err


def test_analyze_jsonl_iterates_items_and_keeps_the_summary(sentiment, tmp_path):
    rows, _ = corpus(50, 5)
    run = analyze_jsonl(write_jsonl(tmp_path / "in.jsonl", rows))
    assert len(list(run)) == len(rows)
    assert run.summary["items"] == len(rows)


def test_the_original_is_the_first_published_copy_whatever_the_input_order(sentiment):
    text = articles(1)[0]["text"]
    rows = [
        {"id": "late", "text": "转载：" + text, "published_at": "2024-05-02T10:00:00+08:00"},
        {"id": "early", "text": text, "published_at": "2024-05-01T10:00:00"},
    ]
    out = list(analyze_items(rows).item_dicts())
    assert out[0]["id"] == "late"
    assert out[0]["duplicate_of"] == "early"


def test_small_clusters_are_not_reported_as_incidents(sentiment):
    rows, _ = corpus(40, 0)
    result = analyze_items(rows, config=PipelineConfig(incident_min_items=1000))
    assert result.summary()["incidents"] == []
    assert all(d["incident"] is None for d in result.item_dicts())


def test_it_runs_without_django(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", [{"id": "1", "text": "区住建局回应西山片区拆迁补偿问题"}])
    script = (
        "import sys, types, numpy as np\n"
        "try:\n"
        "    import taizhang.monitor.sentiment\n"
        "except ImportError:\n"
        "    m = types.ModuleType('taizhang.monitor.sentiment')\n"
        "    class F:\n"
        "        def score(self, t): return np.full(len(t), 0.5)\n"
        "        def label(self, s): return 'neu'\n"
        "    m.get_model = F\n"
        "    sys.modules['taizhang.monitor.sentiment'] = m\n"
        "from taizhang.monitor.pipeline.analyze import main_analyze\n"
        f"code = main_analyze([{str(path)!r}, '--json'])\n"
        "assert 'django' not in sys.modules, 'django imported'\n"
        "sys.exit(code)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    first = json.loads(proc.stdout.splitlines()[0])
    assert first["id"] == "1"
