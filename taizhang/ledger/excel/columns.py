"""The columns of an import template, shared by the template generator and the importer.

A column has a stable key ("start_date", "metric:theory_participants" …) and a Chinese header. The importer finds
columns by header, tolerant of full-width brackets, spaces, a trailing "*" and hints in brackets ("日期(YYYY-MM-DD)").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from taizhang.ledger.models import ActivityType, ActivityTypeMetric
from taizhang.ledger.validation import type_metrics

TEMPLATE_VERSION = 1
TEMPLATE_MARKER = "taizhang-ledger-import"
SHEET_DATA = "填报"
SHEET_HELP = "说明"
SHEET_UNITS = "单位"
SHEET_OUTLETS = "媒体"
SHEET_META = "_meta"
EXAMPLE_HEADER = "示例行"
EXAMPLE_MARK = "示例"
HEADER_ROW = 1
FIRST_DATA_ROW = 4  # rows 2 and 3 hold the examples
MAX_TEMPLATE_ROWS = 10000  # rows covered by data validation and column formats in the template

YES_WORDS = frozenset({"是", "y", "yes", "true", "1", "√", "✓", "✔", "对", "有"})
NO_WORDS = frozenset({"否", "n", "no", "false", "0", "×", "✗", "不是", "无"})


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    width: int = 14
    comment: str = ""
    aliases: tuple[str, ...] = ()
    kind: str = "text"  # text | date | number | bool | code | marker
    max_length: int = 0
    link: ActivityTypeMetric | None = None

    @property
    def title(self) -> str:
        """The header as written in the template: required columns carry a trailing *."""
        return f"{self.header}*" if self.required else self.header

    @property
    def metric_key(self) -> str | None:
        return self.key.removeprefix("metric:") if self.key.startswith("metric:") else None


def normalize_header(text: object) -> str:
    """NFKC (full-width → half-width), no spaces, no trailing/leading *, lower case."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = re.sub(r"\s+", "", value).strip("*").lower()
    return value


_HINT = re.compile(r"\([^()]*\)$")


def strip_hint(normalized: str) -> str:
    """"头条(是/否)" → "头条"; "日期(yyyy-mm-dd)" → "日期"."""
    return _HINT.sub("", normalized).strip("*")


def is_placement(activity_type: ActivityType) -> bool:
    return activity_type.kind == ActivityType.Kind.PLACEMENT


def metric_required(link: ActivityTypeMetric) -> bool:
    """A metric the user must fill: required and without a default (a default fills an empty cell)."""
    return link.required and link.default is None


def columns_for(activity_type: ActivityType) -> list[Column]:
    placement = is_placement(activity_type)
    cols = [
        Column("example", EXAMPLE_HEADER, width=8, kind="marker",
               comment="示例行在此列填“示例”，导入时自动忽略。您填写的数据行此列请留空。"),
        Column("unit_code", "单位代码", width=12, kind="code", aliases=("单位编码", "代码"),
               comment="填写单位代码（见“单位”表或下拉列表）。留空则使用导入时选择的单位。"),
        Column("unit_name", "单位名称", width=20, comment="仅供核对，导入时以单位代码为准。"),
        Column("start_date", "日期", required=True, width=13, kind="date", aliases=("开始日期", "活动日期"),
               comment="格式：2024-05-12，也可填 2024/5/12 或 2024年5月12日。"),
        Column("end_date", "结束日期", width=13, kind="date", comment="持续多日的活动填写，格式同“日期”，可留空。"),
        Column("title", "标题", required=not placement, width=32, max_length=200, aliases=("活动名称", "名称"),
               comment="200 字以内。" + ("留空则使用稿件标题。" if placement else "")),
        Column("description", "内容简介", width=40, max_length=5000, aliases=("简介", "内容")),
        Column("location", "地点", width=18, max_length=200, aliases=("活动地点",)),
    ]
    for link in type_metrics(activity_type):
        metric = link.metric
        if not metric.is_active:
            continue
        hint = f"单位：{metric.measure_word}，{metric.get_value_type_display()}"
        if metric.min_value is not None and metric.max_value is not None:
            hint += f"，范围 {metric.min_value.normalize():f}～{metric.max_value.normalize():f}"
        if link.default is not None:
            hint += f"；留空按 {link.default.normalize():f}{metric.measure_word} 计"
        elif link.required:
            hint += "；必填"
        cols.append(Column(
            f"metric:{metric.key}", f"{metric.name}（{metric.measure_word}）", required=metric_required(link),
            width=max(12, len(metric.name) * 2 + 6), kind="number", comment=hint + "。",
            aliases=(metric.name, metric.key), link=link,
        ))
    if placement:
        cols += [
            Column("outlet", "媒体名称", required=True, width=20, aliases=("媒体", "刊发媒体"),
                   comment="填写媒体名录中的名称或别称（见“媒体”表或下拉列表）。"),
            Column("article_title", "稿件标题", required=True, width=32, max_length=300, aliases=("文章标题",)),
            Column("url", "链接", width=30, max_length=500, aliases=("网址", "原文链接"),
                   comment="以 http:// 或 https:// 开头，可留空。"),
            Column("page", "版面/栏目", width=14, max_length=100, aliases=("版面", "栏目", "版面/栏目/节目")),
            Column("is_headline", "头条(是/否)", width=11, kind="bool", aliases=("头条",)),
            Column("is_front_page", "头版(是/否)", width=11, kind="bool", aliases=("头版",)),
            Column("is_long", "千字以上(是/否)", width=14, kind="bool", aliases=("千字以上", "千字以上长稿")),
            Column("word_count", "字数", width=10, kind="number"),
        ]
    return cols


def header_index(columns: list[Column]) -> dict[str, Column]:
    """Normalized header or alias → column. Canonical headers win over aliases."""
    index: dict[str, Column] = {}
    for col in columns:
        for alias in col.aliases:
            index.setdefault(normalize_header(alias), col)
    for col in columns:
        index[normalize_header(col.header)] = col
        index[strip_hint(normalize_header(col.header))] = col
    return index


def match_header(text: object, index: dict[str, Column]) -> Column | None:
    norm = normalize_header(text)
    if not norm:
        return None
    return index.get(norm) or index.get(strip_hint(norm))
