"""The data of the dashboard (数据看板): pure functions over `ledger.figures.compute`, nothing else.

Every number here is a `FigureResult` from `compute`, called once per metric and per breakdown (never once per
unit), so the query count of a page depends on the number of metrics shown, not on the size of the unit tree.

Scope: a unit (with its subtree), a period, and the same period one year earlier for 同比. When the period is still
running (it contains today), 同比 compares like with like: last year from the same start up to the same day.

Drill-down (数字溯源): every figure links to the records behind it. The link carries the figure's query
(/ledger/dashboard/records/?metric=&period=&unit=[&level=]); opening it redirects to the record list filtered by
the figure itself, /ledger/records/?metric=&period=&unit=[&level=] (`ledger.drill`): the list runs the figure's own
query as a subquery, so it holds exactly the records the figure counts however many they are (for a stock metric
each unit's highest), within the viewer's scope, and names the figure. A computed metric's figure opens its
provider's rows page with the rows' ids whenever the URL stays within `DRILL_URL_MAX` characters (gunicorn's
request line limit is 4094 bytes; ≈ 470 rows with 7-digit ids, always at least `DRILL_IDS_MAX`; the ids are not
fetched when their count alone rules that out), else with the figure's query (period, unit, metric).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from taizhang.core.periods import Period, parse_period
from taizhang.ledger import providers
from taizhang.ledger.dashboard_periods import (  # noqa: F401  (re-exported: views and reports use them from here)
    comparison_period,
    default_period,
    period_presets,
    preset_label,
    resolve_period,
)
from taizhang.ledger.dashboard_values import (  # noqa: F401  (re-exported)
    SMALL_BASE,
    Change,
    _num,
    averaged,
    change_between,
    shown,
)
from taizhang.ledger.figures import (
    BreakdownRow,
    By,
    FigureResult,
    change_ratio,
    compute,
    rows_link,
    scope_unit_ids,
)
from taizhang.ledger.lazy_ids import LazyIds
from taizhang.ledger.models import ActivityTypeMetric, LineOfWork, MetricDefinition
from taizhang.org.models import Unit

DRILL_IDS_MAX = 200
"""Up to this many records a drill-down link lists their ids whatever their length (≈ 1.6 kB of URL with 7-digit
ids)."""

DRILL_URL_MAX = 3800
"""Beyond DRILL_IDS_MAX records, the ids are still listed while the URL stays within this many characters (below
gunicorn's 4094-byte request line with the method, the protocol and a script prefix)."""

HEADLINE_METRICS: dict[str, str] = {
    "theory": "theory_sessions",
    "lectures": "lecture_events",
    "study_platform": "study_learners",
    "ideology": "ideology_meetings",
    "news_external": "placements",
    "news_internal": "internal_items",
    "press_conference": "press_conferences",
    "correspondents": "corr_adopted",
    "new_media": "nm_reads",
    "opinion": "opinion_reports",
    "civility": "civ_titles",
    "practice": "practice_activities",
    "volunteers": "vol_hours",
    "role_models": "rm_good_people",
    "culture_events": "ce_audience",
    "art_works": "art_works_created",
    "culture_industry": "ci_investment",
    "culture_market": "cm_inspections",
    "social_ads": "sa_carriers",
    "team": "team_trainees",
    "party_press": "pp_copies",
}
"""The figure each line of work is known by (its KPI tile). A line not listed (added by an administrator) uses its
first summed, non-rate metric."""

TAB_GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("theory", "理论武装", ("theory", "lectures", "study_platform", "ideology")),
    ("news", "新闻宣传", ("news_external", "news_internal", "press_conference", "correspondents", "new_media",
                      "opinion")),
    ("civility", "文明创建", ("civility", "practice", "volunteers", "role_models")),
    ("culture", "文化文艺", ("culture_events", "art_works", "culture_industry", "culture_market", "social_ads")),
    ("team", "队伍与党报党刊", ("team", "party_press")),
]
"""The dashboard's tabs: lines of work grouped as a propaganda department's sections divide them. A line not
listed (added by an administrator) goes to the last tab, 其他."""

CURRENT_COLOUR = "#1f4e8c"
PREVIOUS_COLOUR = "#b8c4d6"
LEVEL_COLOURS = {"national": "#c8161d", "provincial": "#d4a017", "municipal": "#1f4e8c", "district": "#2a9d8f",
                 "": "#98a2b3"}


@dataclass(frozen=True)
class Scope:
    unit: Unit
    period: Period
    compare: Period
    user: Any = None
    today: date | None = None

    @property
    def running(self) -> bool:
        """The period contains today: 同比 runs against last year up to the same day."""
        return self.compare.end != self.period.previous_year().end

    def unit_ids(self) -> list[int] | None:
        """The unit ids in scope for this viewer (None = the whole tree), resolved once per Scope."""
        if "_unit_ids" not in self.__dict__:
            object.__setattr__(self, "_unit_ids", scope_unit_ids(self.unit, self.user))
        ids: list[int] | None = self.__dict__["_unit_ids"]
        return ids

    def figure(self, metric: MetricDefinition, by: By | None = None, *, previous: bool = False,
               outlet_level: str | None = None) -> FigureResult:
        return compute(metric, period=self.compare if previous else self.period, unit=self.unit, by=by,
                       user=self.user, outlet_level=outlet_level, known_unit_ids=self.unit_ids())


def make_scope(unit: Unit, period: Period, *, user: Any, today: date) -> Scope:
    return Scope(unit=unit, period=period, compare=comparison_period(period, today), user=user, today=today)


# ---------------------------------------------------------------------------------------------------------------
# Taxonomy: lines, their metrics, the headline metric, the activity types behind each metric
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class LineInfo:
    line: LineOfWork
    metrics: list[MetricDefinition]
    headline: MetricDefinition
    types: dict[int, list[str]] = field(default_factory=dict)  # metric id → activity type keys
    levelled: frozenset[int] = frozenset()  # metrics with placements behind them (outlet levels)

    @cached_property
    def mixed_sources(self) -> bool:
        """Some metrics reported by units, others computed by a system (志愿服务时长 in both): labels name the
        source."""
        return len({m.source for m in self.metrics}) > 1


REPORTED_LABEL = "单位报送"
SYSTEM_LABELS = {"volunteers": "志愿服务系统", "honours": "典型管理系统", "press": "新闻宣传系统", "study": "学习平台",
                 "citizen": "随手拍系统", "civility": "文明创建系统", "cases": "工单系统", "filings": "阵地备案系统",
                 "monitor": "舆情监测系统"}


def source_label(metric: MetricDefinition) -> str:
    """Where a metric's figures come from: 单位报送 (the units' ledger records) or the system computing it."""
    if metric.source != MetricDefinition.Source.COMPUTED:
        return REPORTED_LABEL
    provider = providers.get(metric.key)
    app = provider.source.split(".")[0] if provider is not None else ""
    if app in SYSTEM_LABELS:
        return SYSTEM_LABELS[app]
    from django.apps import apps

    config = next((c for c in apps.get_app_configs() if c.label == app), None)
    return f"{config.verbose_name}系统" if config is not None else "系统统计"


def metric_label(info: LineInfo, metric: MetricDefinition) -> str:
    """A metric's name on the dashboard; with its source (志愿服务时长（单位报送） · 志愿服务时长（志愿服务系统）) in a
    line whose metrics come from both the units' reports and a system, so the two are told apart."""
    return f"{metric.name}（{source_label(metric)}）" if info.mixed_sources else metric.name


def headline_of(line: LineOfWork, metrics: list[MetricDefinition]) -> MetricDefinition:
    wanted = HEADLINE_METRICS.get(line.key)
    for m in metrics:
        if m.key == wanted:
            return m
    for m in metrics:
        if m.aggregation == MetricDefinition.Aggregation.SUM and m.kind != MetricDefinition.Kind.PERCENT:
            return m
    return metrics[0]


UNUSED_FIELDS = ("aliases", "min_value", "max_value", "created_at", "updated_at", "line__phrases",
                 "line__problem_phrases", "line__plan_phrases", "line__created_at", "line__updated_at")
"""Fields of metrics and lines the dashboard never reads, left unloaded: decoding the lines' phrase lists (JSON)
and the timestamps for each of ~140 metrics was most of the cost of reading the taxonomy (32 ms → 13 ms, demo)."""


def lines_with_metrics(
    line_key: str | None = None, *, types: bool = True, line_keys: tuple[str, ...] | None = None
) -> list[LineInfo]:
    """Active lines of work (in order) with their active metrics; two queries whatever the taxonomy's size (the
    lines come with their metrics: a line without an active metric is not shown). `types=False`: without the
    activity types behind each metric (one query: the page, the tiles and the cards never read them; whether
    placements are behind a metric, for the outlet-level ring, comes with the metrics as `levelled`). `line_keys`:
    only these lines (a tab's: its tiles and cards read a quarter of the taxonomy)."""
    placements = ActivityTypeMetric.objects.filter(
        metric_id=OuterRef("pk"), activity_type__is_active=True, activity_type__key="placement"
    )
    metrics = MetricDefinition.objects.filter(is_active=True, line__is_active=True).select_related("line").defer(
        *UNUSED_FIELDS).annotate(placed=Exists(placements))
    links = ActivityTypeMetric.objects.filter(metric__line__is_active=True, activity_type__is_active=True)
    if line_key is not None:
        metrics, links = metrics.filter(line__key=line_key), links.filter(metric__line__key=line_key)
    if line_keys is not None:
        metrics, links = metrics.filter(line__key__in=line_keys), links.filter(metric__line__key__in=line_keys)
    by_line: dict[int, tuple[LineOfWork, list[MetricDefinition]]] = {}
    for m in metrics.order_by("line__sort_order", "line__key", "sort_order", "key"):
        by_line.setdefault(m.line_id, (m.line, []))[1].append(m)
    found: dict[int, list[str]] = {}
    for metric_id, type_key in (links.order_by("activity_type__sort_order", "activity_type__key").values_list(
            "metric_id", "activity_type__key") if types else ()):
        found.setdefault(metric_id, []).append(type_key)
    levelled = frozenset(m.pk for _line, ms in by_line.values() for m in ms if getattr(m, "placed", False))
    return [LineInfo(line=line, metrics=ms, headline=headline_of(line, ms), types=found, levelled=levelled)
            for line, ms in by_line.values()]


@dataclass
class Tab:
    key: str
    label: str
    infos: list[LineInfo]


def tabs_of(infos: list[LineInfo]) -> list[Tab]:
    """The dashboard's tabs (TAB_GROUPS) holding these lines, in taxonomy order; empty tabs left out."""
    group_of = {line: key for key, _label, lines in TAB_GROUPS for line in lines}
    tabs = [Tab(key, label, []) for key, label, _lines in TAB_GROUPS] + [Tab("other", "其他", [])]
    by_key = {t.key: t for t in tabs}
    for info in infos:
        by_key[group_of.get(info.line.key, "other")].infos.append(info)
    return [t for t in tabs if t.infos]


def tab_lines(key: str) -> tuple[str, ...] | None:
    """The line keys of a tab of TAB_GROUPS (None for "其他" and unknown keys: what they hold depends on every line)."""
    return next((lines for tab, _label, lines in TAB_GROUPS if tab == key), None)


def tab_of_line(line_key: str) -> str:
    return next((key for key, _label, lines in TAB_GROUPS if line_key in lines), "other")


# ---------------------------------------------------------------------------------------------------------------
# Drill-down links
# ---------------------------------------------------------------------------------------------------------------
def records_base_url() -> str:
    try:
        return reverse("ledger:record_list")
    except NoReverseMatch:  # the record list lives in another module; the link works once it is mounted
        return "/ledger/records/"


def records_url(count: int, *, period: Period, unit: str, info: LineInfo, metric: MetricDefinition,
                base: str | None = None, level: str | None = None) -> str | None:
    """The drill-down link of a figure (None when nothing is behind it): the figure's query, not its ids, so a
    page of figures costs no id query; the ids are fetched when the link is opened (`opened_records_url`)."""
    if not count:
        return None
    params = {"metric": metric.key, "period": period.spec, "unit": unit}
    if level is not None:
        params["level"] = level
    return f"{_records_page()}?{urlencode(params)}"


_PAGES: dict[tuple[Any, ...], str] = {}


def _records_page() -> str:
    """reverse("ledger:dashboard_records"), once per URL configuration and script prefix: a card page makes a few
    hundred drill-down links, and reverse() was a tenth of its time."""
    key = (settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())
    page = _PAGES.get(key)
    if page is None:
        try:
            page = reverse("ledger:dashboard_records")
        except NoReverseMatch:
            page = "/ledger/dashboard/records/"
        _PAGES[key] = page
    return page


def _ids_fit(url: str, count: int) -> bool:
    return count <= DRILL_IDS_MAX or len(url) <= DRILL_URL_MAX


def _may_fit(page: str, count: int) -> bool:
    """Whether `count` ids could make a short enough URL (each adds at least a digit and a comma): past that they
    are not fetched at all."""
    return count <= DRILL_IDS_MAX or len(page) + len("?ids=") + 2 * count - 1 <= DRILL_URL_MAX


def opened_records_url(figure: LazyIds, *, period: Period, unit: str, metric: MetricDefinition,
                       level: str | None = None, base: str | None = None) -> str | None:
    """Where the records behind a figure are listed: exactly those records, by their ids (fetched only when they
    may fit the URL) or, past DRILL_URL_MAX, by the figure's query (see the module docstring)."""
    if not figure.count:
        return None
    if metric.source == MetricDefinition.Source.COMPUTED:
        # A computed metric's figure counts the provider's rows (cases, hours…): drill-down opens its page with
        # the rows' ids. Only when they make too long a URL does the page get the figure's query (period, unit).
        provider = providers.get(metric.key)
        page = rows_link(provider.rows_url, []) if provider is not None else ""
        if provider is None or not page:
            return None
        if _may_fit(page, figure.count):
            if not figure.records:
                return None
            listed = rows_link(provider.rows_url, figure.records)
            if _ids_fit(listed, len(figure.records)):
                return listed
        return f"{page}?{urlencode({'period': period.spec, 'unit': unit, 'metric': metric.key})}"
    base = base or records_base_url()
    # the record list filtered by the figure itself (ledger.drill): exactly its records however many, and the
    # list names the figure (「宣讲场次」2025年 万柏林区（含下级） 的 117 条记录，与看板数字一致); ids would say nothing
    params = {"metric": metric.key, "period": period.spec, "unit": unit}
    if level:
        params["level"] = level
    return f"{base}?{urlencode(params)}"


def month_period(key: str, within: Period) -> Period:
    """The part of month "YYYY-MM" inside `within` (a month SPEC when whole, a date range otherwise)."""
    month = parse_period(key)
    start, end = max(month.start, within.start), min(month.end, within.end)
    if (start, end) == (month.start, month.end):
        return month
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")


# ---------------------------------------------------------------------------------------------------------------
# Figures with 同比 (how values and changes are written: ledger/dashboard_values.py)
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Figure:
    """One metric over the scope: this period, the same period last year, 同比, and where the records are."""

    info: LineInfo
    metric: MetricDefinition
    current: FigureResult
    previous: FigureResult
    scope: Scope
    base_url: str

    @property
    def value(self) -> Decimal:
        return self.current.value

    @cached_property
    def label(self) -> str:
        """The metric's name, with its source in a line mixing reported and computed metrics (`metric_label`)."""
        return metric_label(self.info, self.metric)

    @property
    def previous_value(self) -> Decimal:
        return self.previous.value

    @cached_property
    def change(self) -> Change:
        return change_between(self.metric, self.current.value, self.previous.value, self.previous.count > 0,
                              current_count=self.current.count, previous_count=self.previous.count)

    @property
    def shown_value(self) -> Decimal | None:
        """This period's value as shown (rounded; None — "—" — for a rate or average with no rows behind it)."""
        if not self.current.count and averaged(self.metric):
            return None
        return shown(self.metric, self.current.value)

    @property
    def shown_previous(self) -> Decimal | None:
        """Last year's value as shown; None ("—", 无数据) when no rows are behind it (a real 0 stays 0)."""
        if not self.previous.count:
            return None
        return shown(self.metric, self.previous.value)

    @property
    def ratio(self) -> Decimal | None:
        return change_ratio(self.current.value, self.previous.value)

    @property
    def count(self) -> int:
        return self.current.count

    @cached_property
    def url(self) -> str | None:
        return records_url(self.current.count, period=self.scope.period, unit=self.scope.unit.code, info=self.info,
                           metric=self.metric, base=self.base_url)

    @cached_property
    def previous_url(self) -> str | None:
        return records_url(self.previous.count, period=self.scope.compare, unit=self.scope.unit.code, info=self.info,
                           metric=self.metric, base=self.base_url)


def figure_for(scope: Scope, info: LineInfo, metric: MetricDefinition, *, base_url: str,
               current: FigureResult | None = None, previous: FigureResult | None = None) -> Figure:
    return Figure(info=info, metric=metric, scope=scope, base_url=base_url,
                  current=current if current is not None else scope.figure(metric),
                  previous=previous if previous is not None else scope.figure(metric, previous=True))


def kpi_figure(scope: Scope, info: LineInfo) -> Figure:
    """The headline figure of a line (its KPI tile): two `compute` calls."""
    return figure_for(scope, info, info.headline, base_url=records_base_url())


# ---------------------------------------------------------------------------------------------------------------
# Charts (ECharts options; every data point carries the "url" of its records)
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class Chart:
    id: str
    title: str
    option: dict[str, Any] | None  # None: nothing to draw (the template shows why)
    empty: str = ""
    tall: bool = False


def _axis_tooltip() -> dict[str, Any]:
    return {"trigger": "axis", "axisPointer": {"type": "shadow"}}


def _legend() -> dict[str, Any]:
    return {"top": 0, "right": 8, "itemWidth": 14, "itemHeight": 8}


def counts_whole_things(m: MetricDefinition) -> bool:
    """A figure of whole things (场次, 人, 篇): integer values summed or maxed, not a rate or an average. Its charts
    are bars on an axis with integer ticks only (minInterval 1: no 0.2 steps for a handful of events)."""
    return (m.value_type == MetricDefinition.ValueType.INTEGER and m.kind != MetricDefinition.Kind.PERCENT
            and m.aggregation != MetricDefinition.Aggregation.AVG and m.measure_word != "%")


def _value_axis(m: MetricDefinition) -> dict[str, Any]:
    axis: dict[str, Any] = {"type": "value", "name": m.measure_word, "nameTextStyle": {"align": "right"}}
    if counts_whole_things(m):
        axis["minInterval"] = 1
    return axis


def _point(row: BreakdownRow, url: str | None, metric: MetricDefinition | None = None) -> dict[str, Any]:
    value = shown(metric, row.value) if metric is not None else row.value
    item: dict[str, Any] = {"name": row.label, "value": _num(value), "records": row.count}
    if url:
        item["url"] = url
    return item


def unit_chart(chart_id: str, fig: Figure, current: FigureResult, previous: FigureResult) -> Chart:
    """Bars by child unit (each with its subtree): this period and the same period last year."""
    scope, m = fig.scope, fig.metric
    title = f"{m.name}：各单位分布"
    rows = current.breakdown
    if not rows or (len(rows) == 1 and rows[0].key == scope.unit.code):
        return Chart(chart_id, title, None, empty="该单位没有下级单位，无分单位数据")
    prev = {row.key: row for row in previous.breakdown}
    labels, cur_data, prev_data = [], [], []
    for row in rows:
        if not row.count and not (row.key in prev and prev[row.key].count):
            continue  # nothing in either period (e.g. the department's own sections): left out of the chart
        unit = row.key  # the child unit's code
        labels.append(row.label)
        cur_data.append(_point(row, records_url(row.count, period=scope.period, unit=unit, info=fig.info,
                                                metric=m, base=fig.base_url), m))
        p = prev.get(row.key) or BreakdownRow(row.key, row.label, Decimal(0), [])
        prev_data.append(_point(p, records_url(p.count, period=scope.compare, unit=unit, info=fig.info, metric=m,
                                               base=fig.base_url), m))
    if not labels:
        return Chart(chart_id, title, None, empty="本期和去年同期均无记录")
    many = len(labels) > 8
    option = {
        "tooltip": _axis_tooltip(),
        "legend": _legend(),
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": labels,
                  "axisLabel": {"interval": 0, "rotate": 35 if many else 0, "fontSize": 11}},
        "yAxis": _value_axis(m),
        "series": [
            {"name": scope.period.label, "type": "bar", "data": cur_data, "barMaxWidth": 22,
             "itemStyle": {"color": CURRENT_COLOUR, "borderRadius": [3, 3, 0, 0]}, "cursor": "pointer"},
            {"name": "去年同期", "type": "bar", "data": prev_data, "barMaxWidth": 22,
             "itemStyle": {"color": PREVIOUS_COLOUR, "borderRadius": [3, 3, 0, 0]}, "cursor": "pointer"},
        ],
    }
    return Chart(chart_id, title, option, tall=len(labels) > 14)


def _month_label(key: str, multi_year: bool) -> str:
    year, month = key.split("-")
    return f"{year[2:]}年{int(month)}月" if multi_year else f"{int(month)}月"


def month_chart(chart_id: str, fig: Figure, current: FigureResult, previous: FigureResult) -> Chart:
    """This period by month against the same months last year."""
    scope, m = fig.scope, fig.metric
    title = f"{m.name}：逐月走势（与去年同期对比）"
    multi_year = scope.period.start.year != scope.period.end.year
    labels, cur_data, prev_data = [], [], []
    for i, row in enumerate(current.breakdown):
        labels.append(_month_label(row.key, multi_year))
        if scope.today is not None and row.key > f"{scope.today.year}-{scope.today.month:02d}" and not row.count:
            cur_data.append({"name": row.label, "value": None})  # not there yet: a gap, not a fall to zero
            continue
        cur_data.append(_point(row, records_url(row.count, period=month_period(row.key, scope.period),
                                                unit=scope.unit.code, info=fig.info, metric=m, base=fig.base_url), m))
        if i < len(previous.breakdown):
            p = previous.breakdown[i]
            prev_data.append(_point(p, records_url(p.count, period=month_period(p.key, scope.compare),
                                                   unit=scope.unit.code, info=fig.info, metric=m,
                                                   base=fig.base_url), m))
    if counts_whole_things(m):
        # whole things by month: bars (a line through 3, 0, 2 events suggests values in between)
        option = {
            "tooltip": _axis_tooltip(),
            "legend": _legend(),
            "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
            "xAxis": {"type": "category", "data": labels},
            "yAxis": _value_axis(m),
            "series": [
                {"name": scope.period.label, "type": "bar", "data": cur_data, "barMaxWidth": 16,
                 "itemStyle": {"color": CURRENT_COLOUR, "borderRadius": [3, 3, 0, 0]}, "cursor": "pointer"},
                {"name": "去年同期", "type": "bar", "data": prev_data, "barMaxWidth": 16,
                 "itemStyle": {"color": PREVIOUS_COLOUR, "borderRadius": [3, 3, 0, 0]}, "cursor": "pointer"},
            ],
        }
        return Chart(chart_id, title, option)
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": _legend(),
        "grid": {"left": 8, "right": 16, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": labels, "boundaryGap": len(labels) <= 4},
        "yAxis": _value_axis(m),
        "series": [
            {"name": scope.period.label, "type": "line", "data": cur_data, "symbolSize": 7,
             "itemStyle": {"color": CURRENT_COLOUR}, "lineStyle": {"width": 2.5},
             "areaStyle": {"color": CURRENT_COLOUR, "opacity": 0.08}, "cursor": "pointer"},
            {"name": "去年同期", "type": "line", "data": prev_data, "symbolSize": 6,
             "itemStyle": {"color": "#98a2b3"}, "lineStyle": {"type": "dashed", "width": 2}, "cursor": "pointer"},
        ],
    }
    return Chart(chart_id, title, option)


def level_chart(chart_id: str, fig: Figure, current: FigureResult) -> Chart:
    """Placements by outlet level (中央/省级/市级/区级) as a ring."""
    scope, m = fig.scope, fig.metric
    title = f"{m.name}：按媒体级别"
    data = []
    for row in current.breakdown:
        if row.value == 0 and row.key == "":
            continue
        item = _point(row, records_url(row.count, period=scope.period, unit=scope.unit.code, info=fig.info, metric=m,
                                       level=row.key or "none",
                                       base=fig.base_url), m)
        item["itemStyle"] = {"color": LEVEL_COLOURS.get(row.key, "#98a2b3")}
        data.append(item)
    if not any(d["value"] for d in data):
        return Chart(chart_id, title, None, empty="本期无用稿数据")
    option = {
        "tooltip": {"trigger": "item", "formatter": "{b}：{c}" + m.measure_word + "（{d}%）"},
        "legend": {"bottom": 0, "itemWidth": 12, "itemHeight": 8},
        "series": [{
            "name": m.name, "type": "pie", "radius": ["42%", "68%"], "center": ["50%", "45%"], "data": data,
            "label": {"formatter": "{b}\n{c}" + m.measure_word, "fontSize": 12},
            "itemStyle": {"borderColor": "#fff", "borderWidth": 2}, "cursor": "pointer",
        }],
    }
    return Chart(chart_id, title, option)


# ---------------------------------------------------------------------------------------------------------------
# A line of work: the lazily loaded card and the detail page
# ---------------------------------------------------------------------------------------------------------------
@dataclass
class LineCard:
    info: LineInfo
    figures: list[Figure]
    charts: list[Chart]

    @property
    def headline(self) -> Figure:
        return next(f for f in self.figures if f.metric.pk == self.info.headline.pk)


def _has_levels(info: LineInfo, metric: MetricDefinition) -> bool:
    """Placements carry an outlet level: their figures break down by 中央/省级/市级/区级."""
    return metric.pk in info.levelled or "placement" in info.types.get(metric.pk, [])


def line_card(scope: Scope, info: LineInfo) -> LineCard:
    """Every metric of the line (2 compute calls each) and, for the headline metric, by unit and by month
    against last year (2 more calls) plus by outlet level for placements (1 more)."""
    base = records_base_url()
    head = info.headline
    cur_unit, prev_unit = scope.figure(head, "unit"), scope.figure(head, "unit", previous=True)
    cur_month, prev_month = scope.figure(head, "month"), scope.figure(head, "month", previous=True)
    figures = []
    for m in info.metrics:
        if m.pk == head.pk:
            figures.append(figure_for(scope, info, m, base_url=base, current=cur_unit, previous=prev_month))
        else:
            figures.append(figure_for(scope, info, m, base_url=base))
    head_fig = next(f for f in figures if f.metric.pk == head.pk)
    key = info.line.key
    charts = [unit_chart(f"dash-{key}-unit", head_fig, cur_unit, prev_unit),
              month_chart(f"dash-{key}-month", head_fig, cur_month, prev_month)]
    if _has_levels(info, head):
        charts.append(level_chart(f"dash-{key}-level", head_fig, scope.figure(head, "level")))
    return LineCard(info=info, figures=figures, charts=charts)


@dataclass
class UnitRow:
    key: str
    label: str
    cells: list[tuple[Decimal, str | None, Decimal | None]]  # per metric: value, records link, value as shown
    previous: tuple[Decimal, str | None, Decimal | None]  # headline metric, same period last year (shown: None = —)
    change: Change


@dataclass
class MetricPanel:
    figure: Figure
    charts: list[Chart]  # by unit (and by outlet level for placements); by month comes lazily (metric_trend)


@dataclass
class LevelFigure:
    """Placements of one outlet level (中央级 …) with 同比: a KPI tile on a line's page."""

    metric: MetricDefinition
    label: str
    value: Decimal
    previous_value: Decimal
    change: Change
    url: str | None
    count: int
    previous_count: int = 0

    @property
    def shown_value(self) -> Decimal | None:
        return shown(self.metric, self.value)

    @property
    def shown_previous(self) -> Decimal | None:
        return shown(self.metric, self.previous_value) if self.previous_count else None


@dataclass
class LineDetail:
    info: LineInfo
    figures: list[Figure]
    panels: list[MetricPanel]
    unit_rows: list[UnitRow]
    levels: list[LevelFigure] = field(default_factory=list)

    @property
    def headline(self) -> Figure:
        return next(f for f in self.figures if f.metric.pk == self.info.headline.pk)


def line_detail(scope: Scope, info: LineInfo) -> LineDetail:
    """Every metric of the line by unit against last year: two compute calls per metric (two more by outlet level
    for placements). The month charts come separately (`metric_trend`), loaded lazily by the page."""
    base = records_base_url()
    figures, panels, levels = [], [], []
    by_unit: dict[int, tuple[FigureResult, FigureResult]] = {}
    for m in info.metrics:
        cur_unit, prev_unit = scope.figure(m, "unit"), scope.figure(m, "unit", previous=True)
        fig = figure_for(scope, info, m, base_url=base, current=cur_unit, previous=prev_unit)
        figures.append(fig)
        by_unit[m.pk] = (cur_unit, prev_unit)
        charts = [unit_chart(f"dash-{m.key}-unit", fig, cur_unit, prev_unit)]
        if _has_levels(info, m):
            cur_level, prev_level = scope.figure(m, "level"), scope.figure(m, "level", previous=True)
            charts.append(level_chart(f"dash-{m.key}-level", fig, cur_level))
            if m.pk == info.headline.pk:
                levels = _level_figures(scope, info, m, cur_level, prev_level, base)
        panels.append(MetricPanel(figure=fig, charts=charts))
    return LineDetail(info=info, figures=figures, panels=panels, unit_rows=_unit_rows(scope, info, by_unit, base),
                      levels=levels)


def metric_trend(scope: Scope, info: LineInfo, metric: MetricDefinition) -> Chart:
    """A metric by month against the same months last year: two compute calls."""
    current, previous = scope.figure(metric, "month"), scope.figure(metric, "month", previous=True)
    fig = figure_for(scope, info, metric, base_url=records_base_url(), current=current, previous=previous)
    return month_chart(f"dash-{metric.key}-month", fig, current, previous)


def _level_figures(scope: Scope, info: LineInfo, m: MetricDefinition, current: FigureResult,
                   previous: FigureResult, base: str) -> list[LevelFigure]:
    prev = {row.key: row for row in previous.breakdown}
    out = []
    for row in current.breakdown:
        if not row.key:
            continue  # 未分级: shown in the ring only
        p = prev.get(row.key) or BreakdownRow(row.key, row.label, Decimal(0), [])
        out.append(LevelFigure(
            metric=m, label=f"{row.label}媒体{m.name}", value=row.value, previous_value=p.value,
            change=change_between(m, row.value, p.value, p.count > 0, current_count=row.count,
                                  previous_count=p.count),
            count=row.count, previous_count=p.count,
            url=records_url(row.count, period=scope.period, unit=scope.unit.code, info=info, metric=m, base=base,
                            level=row.key),
        ))
    return out


def _unit_rows(scope: Scope, info: LineInfo, by_unit: dict[int, tuple[FigureResult, FigureResult]],
               base: str) -> list[UnitRow]:
    """One row per child unit (and the scope unit's own records, 本级, when it has any), one cell per metric."""
    head = info.headline
    labels: dict[str, str] = {}
    for m in info.metrics:
        for row in by_unit[m.pk][0].breakdown:
            labels.setdefault(row.key, row.label)
    own = scope.unit.code
    if own in labels:  # 本级 last
        labels[own] = labels.pop(own)
    cur = {m.pk: {r.key: r for r in by_unit[m.pk][0].breakdown} for m in info.metrics}
    prev_rows = {r.key: r for r in by_unit[head.pk][1].breakdown}
    rows = []
    for key, label in labels.items():
        cells: list[tuple[Decimal, str | None, Decimal | None]] = []
        for m in info.metrics:
            r = cur[m.pk].get(key)
            if r is None or (not r.count and averaged(m)):
                cells.append((r.value if r else Decimal(0), None, None if averaged(m) else Decimal(0)))
                continue
            cells.append((r.value, records_url(r.count, period=scope.period, unit=key, info=info, metric=m,
                                               base=base), shown(m, r.value)))
        head_row = cur[head.pk].get(key)
        head_value = head_row.value if head_row else Decimal(0)
        prev = prev_rows.get(key)
        prev_cell = (prev.value, records_url(prev.count, period=scope.compare, unit=key, info=info, metric=head,
                                             base=base), shown(head, prev.value) if prev.count else None
                     ) if prev else (Decimal(0), None, None)
        rows.append(UnitRow(key=key, label=label, cells=cells, previous=prev_cell,
                            change=change_between(head, head_value, prev_cell[0], bool(prev and prev.count),
                                                  current_count=head_row.count if head_row else 0,
                                                  previous_count=prev.count if prev else 0)))
    return rows
