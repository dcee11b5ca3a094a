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
