"""Chinese numbers as work summaries write them: parse them, split off qualifiers, write them back.

Pure Python, no Django. The grammar pieces (CORE_PATTERN, PREFIX_PATTERN, UNIT_PATTERN) are shared
with `extract` and `slots`, so a figure is recognised the same way everywhere.

- ``parse_number("二十二点二五万") == Decimal("222500")``; qualifiers are not part of the number, so
  ``parse_number("近300余") == Decimal("300")``.
- ``split_qualifiers("近300余场") == Quantity(Decimal("300"), ["近", "余"], "场", "")``.
- ``format_number(Decimal(12100), "人次") == "1.21万人次"``.

cn2an is deliberately not used: it cannot read 三百余, 两万余 or 二十二点二五万 (see MEASURED.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

__all__ = [
    "CORE_PATTERN",
    "MEASURE_WORDS",
    "POST_QUALIFIERS",
    "PREFIX_PATTERN",
    "PREFIX_QUALIFIERS",
    "ROUND_PATTERN",
    "UNIT_PATTERN",
    "Quantity",
    "chinese_numeral",
    "format_number",
    "is_round",
    "normalize",
    "parse_core",
    "parse_number",
    "parse_round",
    "split_prefix_qualifiers",
    "split_qualifiers",
]

# --------------------------------------------------------------------------------------------
# Characters

_FULLWIDTH: Final = tuple(zip("０１２３４５６７８９．％＝＊＿", "0123456789.%=*_", strict=True))


def normalize(text: str) -> str:
    """Full-width digits, point, percent, =, * and _ to ASCII, one character for one (offsets survive)."""
    for wide, narrow in _FULLWIDTH:  # str.replace is many times faster than str.translate on CJK text
        if wide in text:
            text = text.replace(wide, narrow)
    return text


CN_DIGITS: Final[dict[str, int]] = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
    "壹": 1, "贰": 2, "叁": 3, "肆": 4, "伍": 5, "陆": 6, "柒": 7, "捌": 8, "玖": 9,
}  # fmt: skip
_SMALL_UNITS: Final[dict[str, int]] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_MAGNITUDES: Final[tuple[tuple[str, int], ...]] = (("亿", 10**8), ("万", 10**4))
_CN_WRITE_DIGITS: Final = "零一二三四五六七八九"

# --------------------------------------------------------------------------------------------
# Grammar shared with extract.py and slots.py

_ARABIC = r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?(?![0-9,])|[0-9]+(?:\.[0-9]+)?"
_CN_START = "零〇一二两三四五六七八九十"
_CN_ALL = "零〇一二两三四五六七八九十百千万亿"
_CN_FRACTION = "零〇一二三四五六七八九"
#: A number: Arabic or Chinese, with 万/亿 and decimals; it never starts with 百/千/万/亿
#: (百姓, 千人计划, 万户家庭 are names, not figures). parse_core() decides whether it is valid.
CORE_PATTERN: Final = rf"(?:{_ARABIC}|[{_CN_START}])(?:[{_CN_ALL}]|{_ARABIC}|点(?=[{_CN_FRACTION}]))*"
#: 百分之十二点五: a percentage written in words.
PERCENT_WORDS_PATTERN: Final = rf"百分之[{_CN_START}百千点]+"
#: Round numbers summaries write without digits, always approximate: 数十, 数百, 百余, 千余, 万余 (before 余/多),
#: and 万/百万/千 after 近/超/逾/约/过/达 (近万册, 超百万次). parse_round() reads them.
ROUND_PATTERN: Final = (
    r"数(?:十万|百万|千万|十|百|千|万)"
    r"|(?:十万|百万|千万|百|千|万)(?=[余多])"
    r"|(?<=[近超逾约过达])(?:十万|百万|千万|百|千|万|亿)"
)
_ROUND_VALUES: Final[dict[str, int]] = {
    "十": 10, "百": 100, "千": 1000, "万": 10**4, "十万": 10**5, "百万": 10**6, "千万": 10**7, "亿": 10**8,
    "百亿": 10**10, "千亿": 10**11, "万亿": 10**12,
}  # fmt: skip

#: Qualifiers written before a number, longest first. 将近/接近/大约/总共/一共 are listed whole so that
#: 最近/附近/签约/公共 can be told apart by the character before.
PREFIX_QUALIFIERS: Final[tuple[str, ...]] = (
    "不少于", "不低于", "将近", "接近", "大约", "累计", "共计", "总计", "合计", "一共", "总共",
    "超过", "达到", "多达", "高达", "长达", "至少", "近", "约", "共", "达", "逾", "超",
)  # fmt: skip
#: 余 / 多 between the number and the measure word (300余场, 20余万, 两万多名).
INNER_QUALIFIERS: Final[tuple[str, ...]] = ("余", "多")
#: Qualifiers after the measure word (10次以上).
POST_QUALIFIERS: Final[tuple[str, ...]] = ("以上", "左右", "有余")
PREFIX_PATTERN: Final = "|".join(PREFIX_QUALIFIERS)
POST_PATTERN: Final = "|".join(POST_QUALIFIERS)
#: A prefix qualifier is not one when the character before makes another word (最近, 签约, 公共, 表达).
_NOT_QUALIFIER_AFTER: Final[dict[str, str]] = {
    "近": "最附邻亲贴靠就",
    "约": "签预邀节制履公条合相践赴特",
    "共": "公",
    "达": "到表传抵发雷下送直转通",
    "超": "赶",
    "长达": "时延增成",
    "高达": "提",
    "多达": "许",
}

#: Measure words and units, each with the continuations that turn it into another word
#: (场所, 期间, 个别, 人民 …). 元 after 万/亿 becomes 万元/亿元; 分 counts only after Arabic digits
#: (十分重要). 年/月/日/届/周年/季度 are never units: years, dates and ordinals are not figures.
MEASURE_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "个百分点": (), "百分点": (), "%": (), "‰": (),
    "人次": (), "场次": (), "条次": (), "篇次": (), "件次": (), "户次": (), "架次": (), "车次": (),
    "轮次": (), "批次": (), "小时": (), "分钟": (), "平方米": (), "公里": (), "千米": (), "部门": (),
    "元": ("素", "旦", "宵", "首", "老"),
    "场": ("所", "地", "景", "馆", "合", "域", "面", "长", "外", "内", "上"),
    "次": ("年", "日", "要", "生", "序", "数", "第", "级"),
    "期": ("间", "建设", "工程", "项目", "扩建", "望", "待", "限", "末", "满", "盼"),
    "篇": ("章",),
    "条": ("例", "件", "款", "线", "理", "块"),
    "件": (),
    "个": ("别", "体", "性", "税"),
    "部": ("署", "分", "长", "位", "队", "委", "际", "落", "门"),
    "本": ("地", "级", "次", "年", "期", "月", "单位", "部", "领", "色", "土", "市", "区", "县", "科", "职",
          "届", "轮", "人", "着", "身", "来", "质", "书"),
    "册": (),
    "项": ("目",),
    "处": ("置", "理", "罚", "分", "长", "室", "于", "境", "事", "级", "在"),
    "份": ("额",),
    "张": ("贴",),
    "幅": ("度",),
    "支": ("持", "部", "援", "撑", "付", "出", "柱", "队"),
    "家": ("庭", "长", "风", "园", "属", "乡", "人", "国", "中", "里"),
    "户": ("籍", "外", "口"),
    "所": ("有", "在", "属", "谓", "以", "得"),
    "轮": ("廓",),
    "起": ("草", "来", "步", "点", "到", "源", "诉", "始", "航"),
    "人": ("民", "大", "社", "口", "员", "才", "物", "力", "事", "类", "文", "工", "生", "们", "格", "权",
          "身", "心", "间", "性"),
    "名": ("单", "称", "片", "义", "列", "录", "额", "誉", "牌", "字", "次", "师", "家", "胜", "城"),
    "位": ("于", "置", "列", "居", "一体"),
    "只": ("有", "是", "要", "能", "需"),
    "套": ("餐",),
    "块": (),
    "对": ("口", "接", "标", "照", "象", "于", "外", "内", "话", "策", "此", "待", "应", "比", "付", "抗",
          "上", "下", "全", "其", "本", "该", "这", "我", "各", "重", "群", "相", "他", "学", "社", "企"),
    "批": ("示", "准", "复", "评", "量"),
    "种": ("植", "子", "类"),
    "首": ("次", "批", "届", "个", "都", "发", "位", "先", "要", "席", "映", "创", "家", "府"),
    "集": ("团", "中", "体", "聚", "成", "合", "市", "镇", "约"),
    "座": ("谈",),
    "间": ("隔", "断"),
    "版": ("权", "面", "块", "本"),
    "门": ("户", "口", "店", "票", "类", "槛", "前"),
    "组": ("织", "建", "成", "合", "长", "委", "团"),
    "类": ("型", "别", "似"),
    "天": ("津", "然", "气", "下", "地", "空"),
    "倍": (),
    "分": ("别", "析", "批", "类", "配", "布", "为", "成", "会", "局", "公司", "中心", "行", "享", "管",
          "散", "工", "担", "层", "级", "期", "解", "队", "站", "所", "社", "享", "子", "红", "离"),
    "例": ("如",),
    "宗": ("教", "旨"),
    "亩": (),
    "米": (),
    "株": (),
    "棵": (),
    "档": ("案", "次"),
    "栏": ("目",),
    "辆": (),
}  # fmt: skip


def _unit_alternative(word: str, blocked: tuple[str, ...]) -> str:
    guard = f"(?!{'|'.join(re.escape(b) for b in blocked)})" if blocked else ""
    return re.escape(word) + guard


#: The measure words as one alternation, longest first (人次 before 人, 个百分点 before 个).
UNIT_PATTERN: Final = "|".join(
    _unit_alternative(w, MEASURE_WORDS[w]) for w in sorted(MEASURE_WORDS, key=len, reverse=True)
)

_QUANTITY_RE: Final = re.compile(
    rf"(?P<pre>(?:{PREFIX_PATTERN}){{0,3}})(?P<core>{PERCENT_WORDS_PATTERN}|{CORE_PATTERN})"
    rf"(?P<q1>[余多])?(?P<mag>[万亿]+)?(?P<q2>[余多])?(?P<unit>.*?)(?P<post>{POST_PATTERN})?"
)
_PREFIX_RE: Final = re.compile(PREFIX_PATTERN)
_TOKEN_RE: Final = re.compile(r"([0-9]+(?:\.[0-9]+)?)|(.)")
_ARABIC_RE: Final = re.compile(_ARABIC)


# --------------------------------------------------------------------------------------------
# Parsing


def _clean(value: Decimal) -> Decimal:
    """12100.00 -> 12100, 12.50 -> 12.5, never an exponent."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _parse_arabic(text: str) -> Decimal | None:
    if _ARABIC_RE.fullmatch(text) is None:
        return None
    return Decimal(text.replace(",", ""))


def _fraction_digits(text: str) -> str | None:
    out = []
    for ch in text:
        if ch.isdigit() and ch.isascii():
            out.append(ch)
        elif ch in CN_DIGITS and ch != "两":
            out.append(str(CN_DIGITS[ch]))
        else:
            return None
    return "".join(out) or None


def _parse_section(text: str) -> Decimal | None:
    """A number below 万 (or Arabic of any size): 三百, 一千零五, 两百五, 5千, 二十二点二五, 1.21."""
    if not text:
        return None
    arabic = _parse_arabic(text)
    if arabic is not None:
        return arabic
    if "点" in text:
        whole, _, frac = text.partition("点")
        whole_value = _parse_section(whole)
        digits = _fraction_digits(frac)
        if whole_value is None or digits is None or whole_value != whole_value.to_integral_value():
            return None
        return whole_value + Decimal("0." + digits)
    total = Decimal(0)
    pending: Decimal | None = None
    pending_single_cn = False
    last_unit = 10**5
    zero = False
    seen = False
    for match in _TOKEN_RE.finditer(text):
        number, ch = match.group(1), match.group(2)
        seen = True
        if number is not None:
            if pending is not None:
                return None
            pending, pending_single_cn = Decimal(number), False
        elif ch in CN_DIGITS:
            if pending is not None:  # 七一, 二〇二〇: digits in a row are a name or a year, not a number
                return None
            if CN_DIGITS[ch] == 0:
                zero = True
                continue
            pending, pending_single_cn = Decimal(CN_DIGITS[ch]), True
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if unit >= last_unit:
                return None
            if pending is None:
                if unit != 10 or total or zero:  # only 十 may stand alone (十二), and only in front
                    return None
                pending = Decimal(1)
            total += pending * unit
            pending, last_unit, zero = None, unit, False
        else:
            return None
    if not seen:
        return None
    if pending is not None:
        if pending_single_cn and not zero and last_unit in (100, 1000):  # 三千五 = 3500, 两百五 = 250
            total += pending * last_unit / 10
        else:
            total += pending
    return total


def _parse_magnitudes(text: str) -> Decimal | None:
    if "点" in text:  # 一万点零五: the fraction belongs to the whole number (二十二点二五万 is handled below)
        whole, _, frac = text.partition("点")
        digits = _fraction_digits(frac)
        if digits is not None:
            whole_value = _parse_magnitudes(whole)
            if whole_value is None or whole_value != whole_value.to_integral_value():
                return None
            return whole_value + Decimal("0." + digits)
    for char, magnitude in _MAGNITUDES:
        index = text.rfind(char)
        if index < 0:
            continue
        left, right = text[:index], text[index + 1 :]
        left_value = _parse_magnitudes(left) if left else None
        if left_value is None or left_value <= 0:
            return None
        if not right:
            return left_value * magnitude
        if left_value != left_value.to_integral_value() or "点" in right or "." in right:
            return None  # 1.5万3千 is not a way to write a number
        body = right.lstrip("零〇")
        if not body:
            return None
        if body == right and len(body) == 1 and body in CN_DIGITS:  # 一万五 = 15000
            return left_value * magnitude + CN_DIGITS[body] * magnitude // 10
        right_value = _parse_magnitudes(body)
        if right_value is None or right_value >= magnitude:
            return None
        return left_value * magnitude + right_value
    return _parse_section(text)


#: The longest number written in a document that is still read as a figure (with thousands separators and
#: decimals), and the largest value: beyond these a "number" is noise, and reading it is not worth the work.
MAX_NUMBER_CHARS: Final = 32
MAX_VALUE: Final = Decimal(10) ** 16


def parse_round(text: str) -> Decimal | None:
    """The value of a round number written without digits (数十 = 10, 百余 = 100, 近万 = 10000, 超百万 = 10**6,
    百余万 read as 百万): the lower bound, to be flagged approximate. None for anything else."""
    body = text[1:] if text.startswith("数") else text
    value = _ROUND_VALUES.get(body)
    return Decimal(value) if value is not None else None


def is_round(core: str) -> bool:
    """True when `core` is a round number without digits (数十, 百, 万…), which parse_round() reads."""
    return bool(core) and (core[0] == "数" or core[0] in "百千万亿") and parse_round(core) is not None


def parse_core(text: str) -> Decimal | None:
    """The value of a bare number (no qualifier, no unit): 1,234 / 1.21万 / 3万5千 / 二十二点二五万.

    Returns None for anything that is not a well-formed number (七一, 二〇二〇, 十十)."""
    text = normalize(text).strip()
    negative = text[:1] in ("-", "负")
    if negative:
        text = text[1:]
    if text.startswith("百分之"):
        text = text[3:]
    if len(text) > MAX_NUMBER_CHARS:
        return None  # 60,000 digits are no figure; Decimal and int() would fail or take long on them
    value = _parse_magnitudes(text)
    if value is None or abs(value) >= MAX_VALUE:
        return None
    return _clean(-value if negative else value)


@dataclass(slots=True)
class Quantity:
    """A number as written: its value, the qualifiers around it, its unit and the 万/亿 it was written with.

    For money the magnitude stays in the unit (349万元 is 349 in 万元); otherwise the value is counted
    out (1.21万本 is 12100 本, scale 万)."""

    value: Decimal
    qualifiers: list[str] = field(default_factory=list)
    unit: str = ""
    scale: str = ""


def split_prefix_qualifiers(prefix: str, before: str = "") -> tuple[list[str], int]:
    """Split the qualifiers written before a number; drop the first if the character before joins it
    into another word (最近, 签约). Returns (qualifiers, number of characters dropped in front)."""
    for dropped in range(len(prefix)):  # 时长达: 长达 is not a qualifier after 时, but 达 still is
        tokens = _tokenize_prefix(prefix, dropped)
        previous = prefix[dropped - 1] if dropped else before[-1:]
        if tokens and not (previous and previous in _NOT_QUALIFIER_AFTER.get(tokens[0], "")):
            return tokens, dropped
    return [], len(prefix)


def _tokenize_prefix(prefix: str, start: int) -> list[str] | None:
    tokens = []
    while start < len(prefix):
        match = _PREFIX_RE.match(prefix, start)
        if match is None:
            return None
        tokens.append(match.group())
        start = match.end()
    return tokens


def money_unit(unit: str, scale: str) -> str | None:
    """万元/亿元 when a money unit follows a magnitude, else None."""
    if unit == "元" and scale:
        return scale + "元"
    return None


def build_quantity(core: str, inner: list[str], mag: str, unit: str) -> Quantity | None:
    """Value, scale and unit of a matched number; None if the number does not parse."""
    value = parse_core(core + mag)
    if value is None and is_round(core):
        value = parse_round(core + mag) if parse_round(core + mag) is not None else None
        if value is None and mag:
            base, scale_value = parse_round(core), parse_core("1" + mag)
            value = base * scale_value if base is not None and scale_value is not None else None
    if value is None:
        return None
    if core.startswith("百分之"):
        unit = "%"
    scale = mag[-1:] if mag else (core[-1] if core[-1] in "万亿" else "")
    money = money_unit(unit, scale)
    if money is not None:
        value = _clean(value / (10**8 if scale == "亿" else 10**4))
        unit = money
    return Quantity(value, inner, unit, scale)


def split_qualifiers(text: str) -> Quantity | None:
    """``"近300余场"`` -> Quantity(300, ["近", "余"], "场"). The unit is whatever follows the number
    (minus 以上/左右); None when the text does not start with a number after its qualifiers."""
    text = normalize(text).strip()
    negative = text[:1] in ("-", "负")
    match = _QUANTITY_RE.fullmatch(text[1:] if negative else text)
    if match is None:
        return None
    prefix, _ = split_prefix_qualifiers(match["pre"])
    inner = [q for q in (match["q1"], match["q2"]) if q]
    quantity = build_quantity(match["core"], inner, match["mag"] or "", match["unit"].strip())
    if quantity is None:
        return None
    quantity.qualifiers = prefix + inner + ([match["post"]] if match["post"] else [])
    if negative:
        quantity.value = -quantity.value
    return quantity


def parse_number(text: str) -> Decimal | None:
    """The value of a number with optional qualifiers and an optional %: 12.5% -> 12.5,
    三百余 -> 300, 二十二点二五万 -> 222500. Any other trailing text (a measure word) gives None;
    use split_qualifiers() for those."""
    quantity = split_qualifiers(text)
    if quantity is None or quantity.unit not in ("", "%"):
        return None
    return quantity.value


# --------------------------------------------------------------------------------------------
# Writing


def _plain(value: Decimal, places: int = 2) -> str:
    """Digits with at most `places` decimals, trailing zeros trimmed: 12.50 -> 12.5, 3.0 -> 3."""
    rounded = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_RATE_UNITS: Final = frozenset({"%", "‰", "个百分点", "百分点", "万元", "亿元", "倍"})


def format_number(value: Decimal | int | float | str, measure_word: str = "", style: str = "arabic") -> str:
    """Write a figure the way the composer puts it in a summary.

    style="arabic" (official style): below 10,000 as digits (decimals to 2 places, trimmed); from
    10,000 as x.xx万, from 100,000,000 as x.xx亿 (2 decimals, rounded half up, trimmed). Rates,
    万元/亿元 and 倍 are written as digits. style="exact": digits only, never 万/亿.
    style="chinese": Chinese numerals (chinese_numeral)."""
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if style == "chinese":
        return chinese_numeral(number) + measure_word
    if style not in ("arabic", "exact"):
        raise ValueError(f"unknown style {style!r}")
    if style == "exact":
        return _plain(number, 4) + measure_word
    if measure_word in _RATE_UNITS:
        return _plain(number) + measure_word
    sign = "-" if number < 0 else ""
    size = abs(number)
    if size < 10**4:
        return sign + _plain(size) + measure_word
    in_wan = (size / 10**4).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    if in_wan < 10**4:
        return sign + _plain(in_wan) + "万" + measure_word
    return sign + _plain(size / 10**8) + "亿" + measure_word


def _cn_section(n: int, leading: bool) -> str:
    """Chinese for 0 < n < 10000: 一千零五, 一百一十; a leading 一十 is written 十 (十二)."""
    out: list[str] = []
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, unit)
        if digit:
            if zero:
                out.append("零")
                zero = False
            if not (digit == 1 and unit == 10 and leading and not out):
                out.append(_CN_WRITE_DIGITS[digit])
            out.append(name)
        elif out:
            zero = True
    return "".join(out)


def _cn_integer(n: int, leading: bool = True) -> str:
    for magnitude, name in ((10**8, "亿"), (10**4, "万")):
        if n >= magnitude:
            high, low = divmod(n, magnitude)
            text = _cn_integer(high, leading) + name
            if low:
                text += ("零" if low < magnitude // 10 else "") + _cn_integer(low, leading=False)
            return text
    return _cn_section(n, leading) if n else "零"


def chinese_numeral(value: int | Decimal) -> str:
    """Chinese numerals, as cn2an.an2cn writes them: 1005 -> 一千零五, 12 -> 十二, 22.25 -> 二十二点二五."""
    number = Decimal(value) if isinstance(value, int) else value
    sign = "负" if number < 0 else ""
    number = abs(number)
    whole = int(number)
    text = sign + _cn_integer(whole)
    fraction = number - whole
    if fraction:
        digits = f"{_clean(fraction):f}".split(".")[1]
        text += "点" + "".join(_CN_WRITE_DIGITS[int(d)] for d in digits)
    return text
