"""Shared pickers (issue 17): a searchable tree-select and a period picker.

Both are plain HTML controls that work without JavaScript; `core/static/taizhang/pickers.js` enhances them:
- `TreeSelect`: a <select> whose options carry data-depth / data-level / data-search; without JS the labels are
  indented with full-width spaces, with JS a searchable list indented by level. Core knows nothing of units: the
  `org.fields.UnitChoiceField` sets the tree attributes on the objects it offers.
- `PeriodPicker`: year + granularity (全年, 上半年, 下半年, 前三季度, 季度, 月, 自定义区间) producing a SPEC of
  `core.periods.parse_period`. Without JS the parts are submitted as `<name>_year`, `<name>_kind` … and composed on
  the server; with JS one hidden `<name>` carries the SPEC (so links stay `?period=2024H1`). A plain `<name>=SPEC`
  in the query string (drill-down links) is always accepted.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.safestring import SafeData, SafeString, mark_safe

from taizhang.core.errors import InvalidInput
from taizhang.core.periods import Period, parse_period

SEARCH_PLACEHOLDER = "输入名称搜索"


class TreeSelect(forms.Select):
    """A <select> of a tree: each option gets data-depth (0 = top of the offered tree), data-level (e.g. 街道) and
    data-search (what typing may match). Objects passed as choices may carry `tree_depth`, `tree_level` and
    `tree_search` attributes; `option_tree_attrs` reads them (override it for other trees)."""

    allow_multiple_selected = False

    def __init__(self, attrs: dict[str, Any] | None = None, choices: Any = (), *,
                 search_placeholder: str = SEARCH_PLACEHOLDER) -> None:
        base = {"class": "tz-tree-select", "data-tz-tree": "1", "data-search-placeholder": search_placeholder}
        if attrs:
            base.update(attrs)
            if attrs.get("class"):
                base["class"] = f"tz-tree-select {attrs['class']}"
        super().__init__(base, choices)

    def option_tree_attrs(self, instance: Any) -> dict[str, str]:
        return {
            "data-depth": str(getattr(instance, "tree_depth", 0)),
            "data-level": str(getattr(instance, "tree_level", "")),
            "data-search": str(getattr(instance, "tree_search", "")),
        }

    def create_option(self, name: str, value: Any, label: Any, selected: Any, index: int,
                      subindex: int | None = None, attrs: dict[str, Any] | None = None) -> dict[str, Any]:
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"].update(self.option_tree_attrs(instance))
        return option

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        """The HTML of Django's select.html and select_option.html (the same text), built here: a district's 500
        units took 130 ms through one template include per option (the record list's filter), about 10 ms here."""
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{_esc(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_esc(group_name)}">')
            parts.extend(
                f'\n  <option value="{_esc(o["value"])}"{_attrs(o["attrs"])}>{_esc(o["label"])}</option>\n'
                for o in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped by _esc


def _esc(value: Any) -> str:
    """As the template's autoescape: text marked safe stays, anything else is str() and HTML-escaped."""
    return str(value) if isinstance(value, SafeData) else html.escape(str(value))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """As django/forms/widgets/attrs.html: False left out, True as a bare name, other values as text."""
    return "".join(f" {k}" if v is True else f' {k}="{_esc(v)}"' for k, v in attrs.items() if v is not False)


class TreeSelectMultiple(TreeSelect):
    allow_multiple_selected = True

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


def tree_label(name: str, depth: int) -> str:
    """The text of an option without JS: indented with full-width spaces (a browser trims ordinary ones)."""
    return "　" * max(0, depth) + name


# ---------------------------------------------------------------------------------------------------------------
# Period picker
# ---------------------------------------------------------------------------------------------------------------
KIND_CHOICES = [
    ("year", "全年"), ("H1", "上半年"), ("H2", "下半年"), ("Q1-Q3", "前三季度"),
    ("quarter", "季度"), ("month", "月"), ("range", "自定义区间"),
]
QUARTER_CHOICES = [("1", "第一季度"), ("2", "第二季度"), ("3", "第三季度"), ("4", "第四季度")]
QUARTER_TO_CHOICES = [("", "（仅此季度）"), ("2", "至第二季度"), ("3", "至第三季度"), ("4", "至第四季度")]
MONTH_CHOICES = [(str(m), f"{m}月") for m in range(1, 13)]
PARTS = ("year", "kind", "q", "q2", "month", "from", "to")


class PeriodInputError(str):
    """What the picker's parts amount to when they do not make a period: the field reports `message`."""

    message: str

    def __new__(cls, message: str) -> PeriodInputError:
        obj = super().__new__(cls, "")
        obj.message = message
        return obj


def _compose(get: Any, name: str) -> str:
    kind = (get(f"{name}_kind") or "").strip()
    if not kind:
        return ""
    if kind == "range":
        start, end = (get(f"{name}_from") or "").strip(), (get(f"{name}_to") or "").strip()
        if not start or not end:
            return PeriodInputError("请同时填写起始日期和截止日期")
        try:
            first, last = date.fromisoformat(start), date.fromisoformat(end)
        except ValueError:
            return PeriodInputError("日期格式应为 年-月-日，如 2024-01-01")
        if last < first:
            return PeriodInputError("截止日期不能早于起始日期")
        return f"{first.isoformat()}..{last.isoformat()}"
    year = (get(f"{name}_year") or "").strip()
    if not (year.isdigit() and len(year) == 4):
        return PeriodInputError("请选择年度")
    if kind == "year":
        return year
    if kind in ("H1", "H2", "Q1-Q3"):
        return f"{year}{kind}"
    if kind == "quarter":
        q, q2 = (get(f"{name}_q") or "").strip(), (get(f"{name}_q2") or "").strip()
        if q not in {"1", "2", "3", "4"}:
            return PeriodInputError("请选择季度")
        if q2 and q2 not in {"1", "2", "3", "4"}:
            return PeriodInputError("请选择结束季度")
        if q2 and int(q2) < int(q):
            return PeriodInputError("结束季度不能早于开始季度")
        return f"{year}Q{q}" if not q2 or q2 == q else f"{year}Q{q}-Q{q2}"
    if kind == "month":
        month = (get(f"{name}_month") or "").strip()
        if not month.isdigit() or not 1 <= int(month) <= 12:
            return PeriodInputError("请选择月份")
        return f"{year}-{int(month):02d}"
    return PeriodInputError("请选择时间段的范围")


def period_value(data: Mapping[str, Any], name: str = "period") -> str:
    """The SPEC a request asks for: `<name>` itself (JS, links) or composed from the picker's parts (no JS).
    For views that read the query string by hand; an impossible combination gives a PeriodInputError ("")."""
    raw = data.get(name)
    if raw:
        return str(raw)
    if f"{name}_kind" in data:
        return _compose(data.get, name)
    return ""


def decompose(spec: str) -> dict[str, str]:
    """The picker's parts for a SPEC (empty parts for an empty or unreadable one)."""
    parts = dict.fromkeys(PARTS, "")
    if not spec:
        return parts
    try:
        period = parse_period(spec)
    except InvalidInput:
        return parts
    year = str(period.start.year)
    first_q, last_q = (period.start.month - 1) // 3 + 1, (period.end.month - 1) // 3 + 1
    parts.update(year=year, q=str(first_q), month=str(period.start.month),
                 **{"from": period.start.isoformat(), "to": period.end.isoformat()})
    if period.kind == "year":
        parts["kind"] = "year"
    elif period.kind == "half":
        parts["kind"] = "H1" if period.start.month == 1 else "H2"
    elif period.kind == "quarters" and first_q == 1 and last_q == 3:
        parts["kind"] = "Q1-Q3"
    elif period.kind in ("quarters", "quarter"):
        parts.update(kind="quarter", q2="" if first_q == last_q else str(last_q))
    elif period.kind == "month":
        parts["kind"] = "month"
    else:
        parts["kind"] = "range"
    return parts


class PeriodPicker(forms.Widget):
    template_name = "core/widgets/period_picker.html"

    def __init__(self, attrs: dict[str, Any] | None = None, *, years: list[int] | None = None,
                 allow_empty: bool = False, empty_label: str = "不限时间") -> None:
        super().__init__(attrs)
        self.years = years
        self.allow_empty = allow_empty
        self.empty_label = empty_label

    def year_choices(self, selected: str) -> list[str]:
        if self.years:
            years = [str(y) for y in self.years]
        else:
            this_year = timezone.localdate().year
            years = [str(y) for y in range(this_year + 1, this_year - 10, -1)]
        if selected and selected not in years:
            years = sorted({*years, selected}, reverse=True)
        return years

    def format_value(self, value: Any) -> str:
        if isinstance(value, Period):
            return value.spec
        return "" if value is None else str(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        spec = self.format_value(value)
        parts = decompose(spec)
        if not parts["kind"] and not self.allow_empty:
            parts.update(kind="year", year=str(timezone.localdate().year))
        widget = context["widget"]
        base_id = widget["attrs"].get("id") or f"id_{name}"
        widget["attrs"]["id"] = base_id
        widget.update(
            spec=spec if parts["kind"] else "", parts=parts, base_id=base_id,
            years=self.year_choices(parts["year"]),
            kinds=([("", self.empty_label)] if self.allow_empty else []) + KIND_CHOICES,
            quarters=QUARTER_CHOICES, quarters_to=QUARTER_TO_CHOICES, months=MONTH_CHOICES,
            selected_year=parts["year"] or str(timezone.localdate().year),
        )
        return context

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_kind" if id_ else id_

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return period_value(data, name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_kind" not in data
