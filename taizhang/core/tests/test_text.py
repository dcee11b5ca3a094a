from taizhang.core.text import quoted
from taizhang.reports.composer.highlights import quote_title


def test_quoted_does_not_double_the_users_marks() -> None:
    assert quoted("学习二十大") == "“学习二十大”"
    assert quoted("“学习二十大”") == "“学习二十大”"
    assert quoted('"学习二十大"') == "“学习二十大”"
    assert quoted("“强国复兴有我”主题宣讲") == "“‘强国复兴有我’主题宣讲”"
    assert quoted('"强国复兴有我"主题宣讲') == "“‘强国复兴有我’主题宣讲”"
    assert quoted("「我们的节日」") == "“我们的节日”"


def test_summary_titles_nest_quotes() -> None:
    assert quote_title('"强国复兴有我"宣讲。') == "‘强国复兴有我’宣讲"
    assert quote_title("“百姓宣讲”") == "百姓宣讲"


def test_when_shows_local_time_not_iso() -> None:
    import datetime

    from taizhang.core.templatetags.tz_links import quoted_filter, when_filter

    assert when_filter("2026-12-06T06:57:00+00:00") == "2026-12-06 14:57"  # Asia/Shanghai
    assert when_filter(datetime.datetime(2026, 12, 6, 6, 57, tzinfo=datetime.UTC)) == "2026-12-06 14:57"
    assert when_filter("") == "" and when_filter("不是时间") == "不是时间"
    assert quoted_filter("“万柏林发布”微信公众号") == "“‘万柏林发布’微信公众号”"


def test_nested_quotes_become_single() -> None:
    from taizhang.core.text import nest_quotes

    assert nest_quotes("村委会议室““十五五”开局起步”群众文艺汇演") == "村委会议室“‘十五五’开局起步”群众文艺汇演"
    assert nest_quotes("“学习”与“实践”") == "“学习”与“实践”"
