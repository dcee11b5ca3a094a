"""normalize step: HTML, full-width characters, whitespace, fingerprints."""

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from taizhang.monitor.pipeline import Context, Item
from taizhang.monitor.pipeline.normalize import NormalizeStep, fingerprint, nfkc, normalize_text, strip_html


def test_full_width_letters_digits_and_punctuation_become_half_width():
    assert normalize_text("ＡＢＣ１２３，住建局：（回应）！") == "ABC123,住建局:(回应)!"


def test_ideographic_space_and_runs_of_whitespace_collapse_to_one_space():
    assert normalize_text("  万柏林区\u3000\u3000拆迁\n\n补偿\t问题  ") == "万柏林区 拆迁 补偿 问题"


def test_html_tags_are_removed_and_entities_unescaped():
    html = "<div><p>区政府&amp;住建局</p><p>回应&nbsp;拆迁&lt;补偿&gt;</p></div><script>var x = '<p>';</script>"
    assert normalize_text(html) == "区政府&住建局 回应 拆迁<补偿>"


def test_inline_tags_do_not_split_words():
    assert normalize_text("<b>万柏林</b>区<a href='x'>住建局</a>") == "万柏林区住建局"


def test_comparison_signs_in_text_are_not_taken_for_tags():
    assert strip_html("3<5 且 6>4") == "3<5 且 6>4"


def test_zero_width_characters_are_dropped():
    assert normalize_text("拆\u200b迁\ufeff补\u200d偿") == "拆迁补偿"


def test_double_escaped_entities_are_unescaped():
    assert normalize_text("a&amp;nbsp;b") == "a b"


@given(st.text(max_size=200))
def test_nfkc_is_exactly_unicode_nfkc(text):
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_the_step_sets_normalised_fields_and_an_exact_fingerprint():
    a = Item(id="a", title="<h1>标题</h1>", text="正文，内容")
    b = Item(id="b", title="标题", text="正文,内容")
    c = Item(id="c", title="标题", text="正文 内容 不同")
    NormalizeStep().run([a, b, c], Context())
    assert (a.norm_title, a.norm_text) == ("标题", "正文,内容")
    assert a.fingerprint == b.fingerprint == fingerprint("标题", "正文,内容")
    assert a.fingerprint != c.fingerprint


def test_the_printable_shortcut_gives_what_the_full_cleanup_gives():
    # normalize_text skips the invisible-character and whitespace passes for printable text: that is sound only
    # because every such character is unprintable, which this checks, and the result must be the same
    import sys

    from taizhang.monitor.pipeline.normalize import _INVISIBLE

    assert not any(ch.isprintable() for ch in _INVISIBLE)
    assert [c for c in range(sys.maxunicode + 1) if chr(c).isspace() and chr(c).isprintable()] == [0x20]

    def full(text):
        text = unicodedata.normalize("NFKC", strip_html(text))
        for ch in _INVISIBLE:
            text = text.replace(ch, "")
        return " ".join(text.split())

    samples = [
        "万柏林区，居民反映：补偿偏低！",
        " 前导空格", "结尾空格 ", "两个  空格", "全角\u3000空格", "换行\n和\t制表", "零宽\u200b字符", "软\u00ad连字符",
        "<p>Ａ１，ｂ</p>&amp;nbsp;测试", "ﬁ ① ＡＢＣ", "x\u2028y", "\x1c分隔\x1f", "", "plain ascii  text ",
    ]  # fmt: skip
    for text in samples:
        assert normalize_text(text) == full(text), text
