"""segment step: rjieba with the shipped user dictionary and stopwords."""

import pytest

from taizhang.monitor.pipeline import Context, Item
from taizhang.monitor.pipeline.normalize import NormalizeStep
from taizhang.monitor.pipeline.segment import USERDICT_PATH, Segmenter, SegmentStep, read_userdict


@pytest.fixture(scope="module")
def seg():
    return Segmenter()


@pytest.mark.parametrize("word", ["区委宣传部", "住建局", "市场监管局", "街道办事处", "卫健委", "城管局", "区政府"])
def test_office_names_from_the_user_dictionary_stay_whole(seg, word):
    assert word in seg.cut(f"昨天{word}就群众反映的问题作出回应")


def test_stopwords_single_characters_and_numbers_are_dropped(seg):
    toks = seg.tokens("我们认为，2024年住建局的回应是非常及时的！")
    assert "住建局" in toks
    assert "回应" in toks
    assert not {"我们", "认为", "非常", "的", "，", "2024"} & set(toks)


def test_latin_words_are_lower_cased(seg):
    assert "pm2.5" in seg.tokens("今天PM2.5 超标") or "pm" in seg.tokens("今天PM2.5 超标")


def test_the_shipped_dictionary_is_in_jieba_format():
    entries = read_userdict(USERDICT_PATH)
    assert len(entries) > 100
    assert all(freq is None or freq > 0 for _, freq, _ in entries)
    assert ("区委宣传部", entries[[w for w, _, _ in entries].index("区委宣传部")][1], "nt") in entries


def test_a_custom_dictionary_adds_local_place_names(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("# 本区地名\n龙城街道 ns\n晋祠镇 3000 ns\n", encoding="utf-8")
    seg = Segmenter(userdict_path=path)
    assert "龙城街道" in seg.cut("龙城街道开展志愿服务")
    assert "晋祠镇" in seg.cut("晋祠镇举办庙会")


def test_a_malformed_dictionary_line_names_the_line(tmp_path):
    path = tmp_path / "dict.txt"
    path.write_text("好词\n坏 词 很 多\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第 2 行"):
        Segmenter(userdict_path=path)


def test_the_step_fills_tokens_from_title_and_text():
    items = [Item(id="1", title="区委宣传部通报", text="住建局回应拆迁补偿"), Item(id="2", text="住建局回应拆迁补偿")]
    ctx = Context()
    NormalizeStep().run(items, ctx)
    SegmentStep().run(items, ctx)
    assert items[0].tokens[:2] == ["区委宣传部", "通报"]
    assert "拆迁" in items[1].tokens
