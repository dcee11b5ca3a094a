"""The shipped sentiment model (taizhang.monitor.sentiment) and its training script.

Plain tests, no database: ``pytest -p no:django taizhang/monitor/tests/test_sentiment.py`` works as well as the
project's usual run. The weibo2018 test split is looked for in $TAIZHANG_DATA, ../shared/data and
/work/shared/data; the tests that need it are skipped when it is nowhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from taizhang.monitor.sentiment import DEFAULT_PATH, FORMAT, SentimentModel, get_model, reset_model
from taizhang.monitor.train_sentiment import metrics, read_split

ROOT = Path(__file__).resolve().parents[3]

POSITIVE = [
    "今天天气真好，和朋友出去玩，心情特别开心！[哈哈]",
    "这部电影太好看了，强烈推荐，感动得哭了[爱你]",
    "感谢社区志愿者的帮助，真的很温暖，谢谢你们！",
    "新开的公园环境优美，周末带孩子去玩，非常满意[赞]",
]
NEGATIVE = [
    "太失望了，气死我了，垃圾服务，再也不来了[怒]",
    "排队两个小时还没办好，工作人员态度恶劣，投诉无门[抓狂]",
    "又加班到半夜，累死了，好烦啊[泪]",
    "这家店的外卖吃完就拉肚子，恶心，差评！",
]
ODD = ["", " ", "，。！", "\x00中间有空字符\x00", "\ud800孤立代理", "🖤" * 3, "ＡＢＣ全角", "a" * 5000, "{%#话题#%}"]


def _data_dir() -> Path | None:
    for candidate in (os.environ.get("TAIZHANG_DATA"), ROOT.parent / "shared" / "data", "/work/shared/data"):
        if candidate and (Path(candidate) / "weibo2018_test.txt").exists():
            return Path(candidate)
    return None


DATA = _data_dir()
needs_data = pytest.mark.skipif(DATA is None, reason="weibo2018 data not found (set TAIZHANG_DATA)")


@pytest.fixture(autouse=True)
def _monitor_settings() -> None:
    """Overrides the package conftest's fixture of this name: these tests need no Django settings."""
    return


@pytest.fixture(scope="module")
def model() -> SentimentModel:
    return SentimentModel.load()


def test_the_shipped_model_loads_with_its_metadata(model: SentimentModel) -> None:
    assert DEFAULT_PATH.exists()
    assert DEFAULT_PATH.stat().st_size < 25_000_000  # shipped inside the package
    meta = model.metadata
    assert meta["format"] == FORMAT
    assert meta["accuracy"] >= 0.88
    assert 0 < meta["macro_f1"] <= 1
    assert meta["hash_dims"] == {"char": 1 << model.char_bits, "word": 1 << model.word_bits}
    assert meta["trained_at"]
    beside = json.loads(DEFAULT_PATH.with_suffix(".json").read_text(encoding="utf-8"))
    assert beside == meta
    # chosen by cross-validation (eval/README.md, run 6); every row also says what the calibrated model would score
    assert meta["class_weight"] == "balanced"
    chosen = max(meta["validation"], key=lambda row: row["objective"])
    assert (chosen["C"], chosen["min_df"], chosen["class_weight"]) == (meta["C"], meta["min_df"], "balanced")
    assert all(0 < row["objective_platt"] <= 1 for row in meta["validation"])


def test_balanced_class_weights_lean_towards_the_smaller_class() -> None:
    pytest.importorskip("sklearn")
    import scipy.sparse as sp

    from taizhang.monitor.train_sentiment import decision, fit

    rng = np.random.default_rng(0)
    y = np.asarray([1] * 160 + [0] * 40, dtype=np.int64)
    # a weak signal in 50 shared features: the classes overlap, so the weighting moves the boundary
    dense = rng.poisson(0.3, (y.size, 50)).astype(np.float64)
    dense[:, 0] += rng.poisson(0.6, y.size) * y
    m = sp.csr_matrix(dense)
    plain = decision(fit(m, y, 1.0, 1, 1.0, class_weight="none"), m)
    balanced = decision(fit(m, y, 1.0, 1, 1.0, class_weight="balanced"), m)
    assert (balanced < 0).sum() > (plain < 0).sum()


def test_extra_rows_of_weight_zero_change_nothing_and_are_never_validated() -> None:
    pytest.importorskip("sklearn")
    import scipy.sparse as sp

    from taizhang.monitor.train_sentiment import Data, decision, fit

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300).astype(np.int64)
    dense = rng.poisson(0.4, (y.size, 40)).astype(np.float64)
    dense[:, 0] += rng.poisson(0.8, y.size) * y
    m = sp.csr_matrix(dense)
    data = Data({(1, 3): m}, y, 200, np.arange(200), 1.0, n_domain=50)  # rows 250..299: extra rows
    for tr, va, dva in data.folds():
        assert va.max() < 200 and dva.min() >= 200 and dva.max() < 250
        assert set(range(250, 300)) <= set(tr.tolist())
    every = np.arange(y.size)
    w0 = data.weights(every, 0.0)
    assert w0 is not None and (w0[250:] == 0).all() and (w0[:250] == 1).all()
    without = fit(m[:250], y[:250], 1.0, 2, 1.0, sample_weight=np.ones(250))
    zero = fit(m, y, 1.0, 2, 1.0, sample_weight=w0)
    np.testing.assert_allclose(decision(zero, m), decision(without, m))
    some = fit(m, y, 1.0, 2, 1.0, sample_weight=data.weights(every, 0.5))
    assert not np.allclose(decision(some, m), decision(without, m))


def test_slope_calibration_keeps_the_decisions() -> None:
    pytest.importorskip("sklearn")
    from taizhang.monitor.train_sentiment import platt

    rng = np.random.default_rng(2)
    z = rng.normal(size=400) + 1.0
    y = (z + rng.normal(size=400) > 1.2).astype(np.int64)
    a, b = platt(z, y, "slope")
    assert b == 0.0 and a > 0  # sigmoid(a z) > 0.5 exactly where z > 0
    _, b2 = platt(z, y, "platt")
    assert b2 < 0  # the full fit moves the threshold (the classes are not split at 0)


def test_read_extra_labels_by_file_and_drops_repeats(tmp_path: Path) -> None:
    from taizhang.monitor.train_sentiment import extra_paths, read_extra

    (tmp_path / "neg.txt").write_text("差评\n\n太慢了\n差评\n", encoding="utf-8")
    (tmp_path / "pos.txt").write_text("很好\n太慢了\n", encoding="utf-8")
    texts, labels = read_extra(extra_paths(str(tmp_path)))
    assert (texts, labels) == (["差评", "太慢了", "很好"], [0, 0, 1])
    assert extra_paths("") == []


def test_obvious_posts_score_right(model: SentimentModel) -> None:
    pos = model.score(POSITIVE)
    neg = model.score(NEGATIVE)
    assert (pos > 0.6).all(), pos
    assert (neg < 0.4).all(), neg
    assert all(model.label(s) == "pos" for s in pos)
    assert all(model.label(s) == "neg" for s in neg)


def test_scores_are_probabilities_even_for_odd_input(model: SentimentModel) -> None:
    scores = model.score(ODD)
    assert scores.shape == (len(ODD),)
    assert scores.dtype == np.float64
    assert np.isfinite(scores).all()
    assert ((scores >= 0) & (scores <= 1)).all()
    assert model.score([]).shape == (0,)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow in exp() however long and lopsided the text
        huge = model.score(["垃圾" * 200_000, "好" * 300_000])
    assert huge[0] < 0.01 < 0.99 < huge[1]
    # a text with no known feature gets the prior
    assert model.score_one("") == pytest.approx(1 / (1 + np.exp(-model.intercept)))


def test_a_single_string_is_not_taken_for_a_batch(model: SentimentModel) -> None:
    with pytest.raises(TypeError):
        model.score("这不是一个列表")  # a str is a Sequence[str]: refused on purpose


def test_scores_do_not_depend_on_the_batch(model: SentimentModel) -> None:
    texts = POSITIVE + NEGATIVE + ODD
    batch = model.score(texts)
    assert np.array_equal(batch, model.score(texts))  # same call, same bits
    # elsewhere in a batch, or alone: the same up to float64 rounding of the sums
    np.testing.assert_allclose([model.score_one(t) for t in texts], batch, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(model.score(texts[::-1]), batch[::-1], rtol=1e-12, atol=1e-12)
    many = texts * 700  # more than one internal chunk
    np.testing.assert_allclose(model.score(many), np.tile(batch, 700), rtol=1e-12, atol=1e-12)


def test_scores_are_the_same_in_another_process(model: SentimentModel) -> None:
    code = (
        "import json, sys\n"
        "from taizhang.monitor.sentiment import get_model\n"
        "print(json.dumps(get_model().score(json.loads(sys.stdin.read())).tolist()))\n"
    )
    texts = POSITIVE + NEGATIVE
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=True,
        ).stdout
        assert json.loads(out) == model.score(texts).tolist()


def test_label_uses_the_neutral_band(model: SentimentModel) -> None:
    assert [model.label(s) for s in (0.0, 0.39, 0.4, 0.5, 0.6, 0.61, 1.0)] == [
        "neg",
        "neg",
        "neu",
        "neu",
        "neu",
        "pos",
        "pos",
    ]
    assert model.label(0.65, low=0.3, high=0.7) == "neu"
    narrow = SentimentModel.load(neutral_low=0.45, neutral_high=0.55)
    assert (narrow.label(0.42), narrow.label(0.5), narrow.label(0.58)) == ("neg", "neu", "pos")
    with pytest.raises(ValueError, match="neutral band"):
        SentimentModel.load(neutral_low=0.7, neutral_high=0.6)
    assert model.labels(["太失望了，气死我了[怒]"]) == ["neg"]


def test_get_model_is_a_cached_singleton() -> None:
    reset_model()
    first = get_model()
    assert get_model() is first
    reset_model()
    assert get_model() is not first


@needs_data
def test_accuracy_on_the_weibo2018_test_split(model: SentimentModel) -> None:
    assert DATA is not None
    texts, labels = read_split(DATA / "weibo2018_test.txt")
    assert len(texts) == 500
    m = metrics(labels, model.score(texts) > 0.5)
    assert m["accuracy"] >= 0.88, m
    assert m["macro_f1"] >= 0.84, m
    assert m["accuracy"] == pytest.approx(model.metadata["accuracy"], abs=1e-4)


@needs_data
def test_training_is_deterministic_and_the_scorer_matches(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from taizhang.monitor.train_sentiment import main

    assert DATA is not None
    lines = (DATA / "weibo2018_train.txt").read_text(encoding="utf-8").splitlines()
    small = tmp_path / "train.txt"
    small.write_text("\n".join(lines[:1500]) + "\n", encoding="utf-8")
    outs = [tmp_path / "a.npz", tmp_path / "b.npz"]
    for out in outs:
        assert (
            main(
                [
                    "--train",
                    str(small),
                    "--test",
                    str(DATA / "weibo2018_test.txt"),
                    "--out",
                    str(out),
                    "--date",
                    "2024-01-01",
                ]
            )
            == 0
        )
    assert outs[0].read_bytes() == outs[1].read_bytes()
    trained = SentimentModel.load(outs[0])
    assert trained.metadata["train"]["rows"] == 1500
    assert trained.metadata["accuracy"] > 0.7


def test_news_style_complaints_score_negative(model: SentimentModel) -> None:
    complaints = [
        "有家长反映，学校食堂的饭菜价格偏高",
        "居民向记者反映小区楼道堆满杂物无人清理",
        "多名农民工讨薪无果，向媒体求助",
        "网友举报某餐馆后厨卫生脏乱",
    ]
    scores = model.score(complaints)
    assert (scores < 0.5).all(), dict(zip(complaints, scores.round(2).tolist(), strict=True))
    assert model.score_one("社区志愿者帮助独居老人，居民纷纷点赞") > 0.5


def test_accuracy_on_the_complaint_evaluation_set(model: SentimentModel) -> None:
    from taizhang.monitor.eval.build_complaints import read_set
    from taizhang.monitor.train_sentiment import COMPLAINTS_PATH

    texts, labels, _ = read_set(COMPLAINTS_PATH)
    y = np.asarray(labels)
    assert len(texts) >= 500
    assert (y == 0).sum() >= 250
    scores = model.score(texts)
    assert np.mean((scores > 0.5) == (y == 1)) >= 0.88
    assert np.mean(scores[y == 0] < 0.5) >= 0.8  # complaints scored negative


def test_the_complaint_set_is_kept_apart_from_the_training_rows() -> None:
    from taizhang.monitor.eval.build_complaints import read_set
    from taizhang.monitor.train_sentiment import COMPLAINTS_PATH, DOMAIN_PATH

    evaluation = set(read_set(COMPLAINTS_PATH)[0])
    training = set(read_set(DOMAIN_PATH)[0])
    assert evaluation
    assert training
    assert not evaluation & training


def _reference_bucket(gram: str, bits: int) -> int:
    """The documented n-gram hash, in plain Python: code points packed 21 bits each up to 3, then key * P + c."""
    key = 0
    for i, ch in enumerate(gram):
        key = (key << 21 | ord(ch)) if i < 3 else (key * 0x100000001B3 + ord(ch))
        key &= (1 << 64) - 1
    return ((key * 0x9E3779B97F4A7C15) & ((1 << 64) - 1)) >> (64 - bits)


def test_char_ngrams_up_to_five_follow_the_documented_hash() -> None:
    from taizhang.monitor.sentiment import char_ngram_ids, code_points

    text = "有家长反映价格偏高"
    cps = code_points([text])
    ids = char_ngram_ids(cps, 20, 1 << 20, 5)
    assert len(ids) == 5
    for n in range(1, 6):
        got = ids[n - 1][1 : 1 + len(text) - n + 1].tolist()  # position 0 is the SEP before the text
        assert got == [_reference_bucket(text[i : i + n], 20) for i in range(len(text) - n + 1)], n
        assert ids[n - 1][len(text) - n + 2 :].tolist() == [1 << 20] * (n - 1 + 1)  # crossing the closing SEP
    with pytest.raises(ValueError):
        char_ngram_ids(cps, 20, 1 << 20, 6)


def test_heads_of_an_ensemble_add_up_in_logit_space() -> None:
    """Two heads in one table score as the sum of their logits, each normalised by its own sqrt(sum q), and each
    takes only the n-grams of its range (the 1-3 head no 4-grams, the 2-5 head no single characters)."""
    rng = np.random.default_rng(0)
    index = np.arange(0, 1 << 12, 3)
    v = rng.normal(size=(index.size, 2)).astype(np.float32)
    q = rng.uniform(0.1, 2.0, size=(index.size, 2)).astype(np.float32)
    empty = np.zeros(0)
    common: dict[str, Any] = {"char_bits": 12, "word_bits": 10, "word_index": empty, "word_v": empty, "word_q": empty}
    both = SentimentModel(
        char_index=index, char_v=v, char_q=q, intercept=0.3, ngram_max=5, heads=[(1, 3), (2, 5)], **common
    )
    first = SentimentModel(char_index=index, char_v=v[:, 0], char_q=q[:, 0], intercept=0.0, ngram_max=3, **common)
    second = SentimentModel(
        char_index=index, char_v=v[:, 1], char_q=q[:, 1], intercept=0.0, ngram_max=5, heads=[(2, 5)], **common
    )
    texts = POSITIVE + NEGATIVE
    logit = [np.log(m.score(texts) / (1 - m.score(texts))) for m in (first, second)]
    expected = 1 / (1 + np.exp(-(0.3 + logit[0] + logit[1])))
    assert both.heads == 2
    np.testing.assert_allclose(both.score(texts), expected, rtol=1e-9)
    wide = SentimentModel(char_index=index, char_v=v[:, 0], char_q=q[:, 0], intercept=0.0, ngram_max=5, **common)
    assert not np.allclose(wide.score(texts), first.score(texts))  # the ranges do matter
    with pytest.raises(ValueError):
        SentimentModel(char_index=index, char_v=v, char_q=q, intercept=0.0, ngram_max=5, heads=[(1, 5)], **common)


def test_parse_heads() -> None:
    from taizhang.monitor.train_sentiment import parse_heads

    assert parse_heads("1-3") == [(1, 3)]
    assert parse_heads("1-3+2-5") == [(1, 3), (2, 5)]
    for bad in ("0-3", "1-6", "3-1", "1-3+1-3"):
        with pytest.raises(ValueError):
            parse_heads(bad)


def test_a_model_file_of_the_previous_format_still_loads(tmp_path: Path) -> None:
    """bench_sentiment --compare loads the previous shipped file: format /1, one head, 1-D tables."""
    from taizhang.monitor.train_sentiment import write_npz

    meta = {"format": "taizhang-sentiment-nblr/1", "char_bits": 12, "word_bits": 10, "ngram_max": 3}
    idx = np.arange(1 << 12, dtype=np.uint32)
    arrays = {
        "char_index": idx,
        "char_v": np.full(idx.size, -0.5, dtype=np.float32),
        "char_q": np.ones(idx.size, dtype=np.float32),
        "word_index": np.zeros(0, dtype=np.uint32),
        "word_v": np.zeros(0, dtype=np.float32),
        "word_q": np.zeros(0, dtype=np.float32),
        "intercept": np.asarray([0.0]),
        "metadata": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
    }
    write_npz(tmp_path / "old.npz", arrays)
    old = SentimentModel.load(tmp_path / "old.npz")
    assert old.heads == 1
    assert 0 < old.score_one("投诉") < 0.5
