"""watchlist step: boolean expressions, precedence, parentheses, phrases, errors in Chinese."""

import pytest

from taizhang.monitor.pipeline import Context, Item
from taizhang.monitor.pipeline.normalize import NormalizeStep
from taizhang.monitor.pipeline.watchlist import (
    WatchList,
    WatchListMatcher,
    WatchListStep,
    WatchListSyntaxError,
    load_watchlists,
    parse,
)


def hits(expression, text):
    return WatchList("k", "测试", expression).matches(text)


def test_the_example_expression():
    expr = "(万柏林 OR 万柏林区) AND (拆迁 OR 补偿) NOT 招聘"
    assert hits(expr, "万柏林区西山片区拆迁补偿方案公示")
    assert not hits(expr, "万柏林区拆迁办招聘工作人员")
    assert not hits(expr, "小店区拆迁补偿方案公示")
    assert not hits(expr, "万柏林区举办读书会")


def test_and_binds_tighter_than_or():
    # A OR B AND C == A OR (B AND C)
    assert hits("拆迁 OR 补偿 AND 安置", "拆迁")
    assert not hits("拆迁 OR 补偿 AND 安置", "补偿")
    assert hits("拆迁 OR 补偿 AND 安置", "补偿安置")
    assert parse("a OR b AND c") == ("or", [("term", "a"), ("and", [("term", "b"), ("term", "c")])])


def test_not_binds_tighter_than_and():
    assert parse("a AND NOT b OR c") == ("or", [("and", [("term", "a"), ("not", ("term", "b"))]), ("term", "c")])


def test_parentheses_override_precedence():
    assert not hits("(拆迁 OR 补偿) AND 安置", "拆迁")
    assert hits("(拆迁 OR 补偿) AND 安置", "拆迁安置")


def test_terms_side_by_side_are_anded():
    assert hits("拆迁 补偿", "拆迁和补偿")
    assert not hits("拆迁 补偿", "拆迁")


def test_not_excludes():
    assert hits("拆迁 NOT 招聘", "拆迁补偿")
    assert not hits("拆迁 NOT 招聘", "拆迁办招聘")
    assert hits("拆迁 AND NOT (招聘 OR 广告)", "拆迁")
    assert not hits("拆迁 AND NOT (招聘 OR 广告)", "拆迁广告")


def test_chinese_operators_and_full_width_parentheses():
    expr = "（万柏林 或 小店区） 且 拆迁 非 招聘"
    assert hits(expr, "小店区拆迁")
    assert not hits(expr, "小店区拆迁招聘")


def test_chinese_operator_characters_inside_a_word_are_part_of_the_term():
    assert hits("非法集资", "警方打掉一个非法集资团伙")
    assert not hits("非法集资", "集资")


def test_symbols_and_lower_case_operators():
    assert hits("拆迁 & 补偿 | 安置", "安置")
    assert hits("拆迁 and not 招聘", "拆迁")


def test_quoted_phrases_keep_spaces_and_operators_literal():
    assert hits('"NOT"', "this is not ok")
    assert hits("“区政府 回应”", "区政府 回应了")
    assert not hits("“区政府 回应”", "区政府回应了")


def test_matching_is_case_and_width_insensitive():
    assert hits("ＰＭ2.5", "今天pm2.5超标")
    assert hits("pm2.5", "今天ＰＭ２．５超标")


def test_overlapping_and_nested_terms_are_all_found():
    m = WatchListMatcher([WatchList("a", "a", "柏林区"), WatchList("b", "b", "万柏林"), WatchList("c", "c", "林")])
    assert m.match("万柏林区") == ["a", "b", "c"]


def test_only_watch_lists_with_a_found_term_are_evaluated():
    m = WatchListMatcher([WatchList("x", "x", "拆迁 NOT 招聘"), WatchList("y", "y", "食品 AND 安全")])
    assert m.match("拆迁补偿") == ["x"]
    assert m.match("食品安全") == ["y"]
    assert m.match("天气晴") == []


@pytest.mark.parametrize(
    ("expression", "position", "fragment"),
    [
        ("", 1, "表达式为空"),
        ("(拆迁 OR 补偿", 1, "左括号“(”没有闭合"),
        ("拆迁 OR 补偿)", 9, "多了一个右括号"),
        ("拆迁 AND", 4, "运算符“AND”后面缺少检索词"),
        ("OR 拆迁", 1, "运算符“OR”前面缺少检索词"),
        ("拆迁 AND () ", 8, "括号内没有内容"),
        ('拆迁 AND "补偿', 8, '引号 " 没有闭合'),
        ("NOT 招聘", 1, "只有排除条件"),
        ("拆迁 OR NOT 招聘", 1, "只有排除条件"),
    ],
)
def test_parse_errors_are_in_chinese_with_the_position(expression, position, fragment):
    with pytest.raises(WatchListSyntaxError) as err:
        WatchList("k", "测试", expression)
    assert err.value.position == position
    assert fragment in str(err.value)
    assert str(err.value).startswith(f"第 {position} 个字符处：")


def test_load_watchlists_names_the_failing_entry():
    with pytest.raises(ValueError, match="第 2 个监测方案（bad）的表达式有误"):
        load_watchlists([{"key": "ok", "name": "好", "expression": "拆迁"}, {"key": "bad", "expression": "(拆迁"}])


def test_duplicate_keys_are_refused():
    with pytest.raises(ValueError, match="key 重复"):
        WatchListMatcher([WatchList("a", "a", "拆迁"), WatchList("a", "b", "补偿")])


def test_the_step_matches_title_and_text():
    wl = [WatchList("demolition", "拆迁", "拆迁 AND 补偿"), WatchList("school", "学校", "学校")]
    ctx = Context(watchlists=wl)
    items = [Item(id="1", title="拆迁", text="补偿标准公布"), Item(id="2", text="学校开学"), Item(id="3", text="无关")]
    NormalizeStep().run(items, ctx)
    WatchListStep().run(items, ctx)
    assert [i.matches for i in items] == [["demolition"], ["school"], []]


def test_remembered_answers_equal_evaluating_every_list_and_are_not_shared():
    # match() remembers the answer per set of terms found; it must equal evaluating every expression afresh
    import random

    lists = [
        WatchList("a", "A", "(拆迁 OR 征地) AND (补偿 OR 安置)"),
        WatchList("b", "B", "学校 NOT 游戏"),
        WatchList("c", "C", "(房价 OR 楼市) AND NOT 广告"),
        WatchList("d", "D", "补偿"),
    ]
    matcher = WatchListMatcher(lists)
    words = ["拆迁", "征地", "补偿", "安置", "学校", "游戏", "房价", "楼市", "广告", "天气"]
    rng = random.Random(4)
    for _ in range(500):
        text = "，".join(rng.sample(words, rng.randint(0, 4)))
        expected = [w.key for w in lists if WatchListMatcher([w]).match(text)]
        got = matcher.match(text)
        assert got == expected, text
        got.append("changed")  # the caller's list is its own
        assert matcher.match(text) == expected
    assert matcher._answers  # answers were remembered
