"""Importing the figures of an old summary as draft records (to bootstrap the ledger), never guessing.

Each figure becomes a row with a status:

- ``ready``: the mapping is sure (a metric with enough confidence, a result, not a change), the value is exact and
  the metric can be recorded as a count: imported unless a person unticks it;
- ``confirm``: a metric was guessed but not surely, or the value is approximate (近300余场): listed with the Chinese
  metric name and the sentence for a person to confirm, correct (another metric) or drop; never written otherwise;
- ``refused``: cannot become a record (no metric, a change 增长21%, a requirement 不少于两次, a first 首次突破100篇,
  a part of a total already counted, a placement that must be entered article by article, a value the metric
  refuses).

Business logic as in actions.py: keyword-only ``acting_user``, capability checked, one transaction, audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from django.db import transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.periods import Period, parse_period
from taizhang.ledger.models import ActivityType, ActivityTypeMetric, MetricDefinition, Record
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit
from taizhang.reports.extract_rules import LEVEL_NAMES, SURE_CONFIDENCE

__all__ = [
    "CONFIRM", "READY", "REFUSED", "SURE_CONFIDENCE",
    "ImportRow", "first_activity_type", "import_rows", "import_summary",
]  # fmt: skip

READY: Final = "ready"
CONFIRM: Final = "confirm"
REFUSED: Final = "refused"
_ROLE_PROBLEMS: Final = {
    "requirement": "是要求或规定（如“不少于两次”），不是完成的数",
    "target": "是任务或目标数，不是完成的数",
    "first": "是“首次突破”之类的表述，不是完成的数",
}


@dataclass
class ImportRow:
    index: int
    text: str
    value: Decimal
    metric: MetricDefinition | None
    confidence: float
    subject: str
    sentence: str
    activity_type: ActivityType | None = None
    problem: str = ""
    #: ready / confirm / refused (module docstring)
    status: str = REFUSED
    #: why a person must confirm it (把握不足, 约数)
    doubt: str = ""
    approximate: bool = False
    outlet_level: str | None = None
    change: str = ""
    role: str = "result"
    part_of: int | None = None
    #: the clause the figure closes (全年开展各类宣讲活动近300余场): the record's title, never cut at the figure's
    #: subject nor taken from the neighbouring clause
    clause: str = ""

    @property
    def importable(self) -> bool:
        """Imported without asking anyone (status ready)."""
        return self.status == READY

    @property
    def confirmable(self) -> bool:
        return self.status in (READY, CONFIRM)

    @property
    def metric_name(self) -> str:
        return self.metric.name if self.metric else ""

    @property
    def outlet_level_name(self) -> str:
        return LEVEL_NAMES.get(self.outlet_level or "", "")


def _sentence(text: str, span: tuple[int, int]) -> str:
    stops = "。；;！!？?\n"
    start = max((text.rfind(c, 0, span[0]) for c in stops), default=-1) + 1
    ends = [i for i in (text.find(c, span[1]) for c in stops) if i >= 0]
    end = min(ends) + 1 if ends else len(text)
    return text[start:end].strip()


def _clause(text: str, span: tuple[int, int]) -> str:
    start = max((text.rfind(c, 0, span[0]) for c in "，,。；;！!？?\n："), default=-1) + 1
    return text[start : span[1]].strip()


def first_activity_type(metric: MetricDefinition) -> ActivityType | None:
    """The metric's first activity type that records a count or an activity (not a single placement)."""
    links = ActivityTypeMetric.objects.filter(metric=metric, activity_type__is_active=True).select_related(
        "activity_type").order_by("activity_type__sort_order", "activity_type__key")
    for link in links:
        if link.activity_type.kind != ActivityType.Kind.PLACEMENT:
            return link.activity_type
    return None


def _other_defaults(atype: ActivityType, metric: MetricDefinition) -> dict[str, Decimal]:
    """0 for the activity type's other metrics that have a default (宣讲场次 1): a record made for the audience of
    lectures counted elsewhere must not add a lecture (327 in the text became 330)."""
    links = ActivityTypeMetric.objects.filter(activity_type=atype, default__isnull=False).exclude(metric=metric)
    return {link.metric.key: Decimal(0) for link in links.select_related("metric")}


def _row_problem(row: ImportRow, metric: MetricDefinition | None, texts: list[str]) -> str:
    from taizhang.ledger.validation import clean_figures

    if row.change:
        return "是增减变化（如“增长21%”“新增…”），不是本期的数"
    if row.role in _ROLE_PROBLEMS:
        return _ROLE_PROBLEMS[row.role]
    if row.part_of is not None:
        return f"已含在“{texts[row.part_of]}”中，不重复记录"
    if metric is None:
        return "未能对应到指标"
    atype = first_activity_type(metric)
    if atype is None:
        level = f"（{row.outlet_level_name}媒体）" if row.outlet_level else ""
        return f"该指标须逐条录入{level}（如用稿须填写媒体和标题）"
    row.activity_type = atype
    _clean, errors = clean_figures(atype, {metric.key: row.value}, require_all=False)
    if errors:
        return "；".join(m for msgs in errors.values() for m in msgs)
    return ""


def import_rows(text: str, *, min_confidence: float = SURE_CONFIDENCE,
                metrics: Mapping[int, str] | None = None) -> list[ImportRow]:
    """The figures of `text` as rows with their status. `metrics` (row index -> metric key) are a person's
    corrections: that metric is used, as sure as the person is."""
    from taizhang.reports.extract import extract
    from taizhang.reports.metrics import metric_aliases

    active = {m.key: m for m in MetricDefinition.objects.filter(is_active=True)}
    figures = extract(text, metric_aliases())
    texts = [f.text for f in figures]
    rows = []
    for i, figure in enumerate(figures):
        corrected = (metrics or {}).get(i)
        key = corrected if corrected else figure.metric
        metric = active.get(key or "")
        row = ImportRow(i, figure.text, figure.value, metric, figure.confidence, figure.subject,
                        _sentence(text, figure.span), approximate=figure.approximate,
                        outlet_level=figure.outlet_level, change=figure.change, role=figure.role,
                        part_of=figure.part_of, clause=_clause(text, figure.span))
        row.problem = _row_problem(row, metric, texts)
        if row.problem:
            row.status = REFUSED
        elif corrected:
            row.status = READY  # a person chose the metric
        else:
            doubts = []
            if not figure.sure or figure.confidence < min_confidence:
                doubts.append(f"对应把握不足（{figure.confidence:.2f}）")
            if figure.approximate:
                doubts.append(f"原文“{figure.text}”是约数，需确认按 {figure.value.normalize():f} 记")
            row.doubt = "；".join(doubts)
            row.status = CONFIRM if doubts else READY
        rows.append(row)
    return rows


def _as_period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


@transaction.atomic
def import_summary(*, acting_user: Any, unit: Unit, period: Period | str, text: str,
                   min_confidence: float = SURE_CONFIDENCE, selected: set[int] | None = None,
                   metrics: Mapping[int, str] | None = None, source_name: str = "") -> list[Record]:
    """Draft records from the figures of an old summary, all or nothing. Without `selected`, only the rows whose
    mapping is sure and whose value is exact (status ready). With `selected` (what a person ticked on the import
    page, after reading each row's metric and sentence) those rows, with the person's `metrics` corrections; a row
    that cannot be a record refuses the whole import. One record per figure (activity type: the metric's first;
    date: the period's end, or today; title: the clause of the figure; description: the sentence); the drafts are
    completed, submitted and reviewed in the ledger."""
    from taizhang.ledger import actions as ledger_actions

    if acting_user is not None and not can_in_unit(acting_user, Cap.EDIT_RECORDS, unit):
        raise NotPermitted("您不能为该单位填报记录。")
    period = _as_period(period)
    rows = import_rows(text, min_confidence=min_confidence, metrics=metrics)
    if selected is None:
        chosen = [r for r in rows if r.status == READY]
        if not chosen:
            unsure = sum(1 for r in rows if r.status == CONFIRM)
            hint = f"另有 {unsure} 个数据需要人工确认，请在“总结数据提取”页面逐个确认。" if unsure else ""
            raise InvalidInput(f"没有可以直接导入的数据（没有以足够把握对应到指标的确切数）。{hint}")
    else:
        chosen = [r for r in rows if r.index in selected]
        refused = [r for r in chosen if not r.confirmable]
        if refused:
            raise InvalidInput("所选数据中有不能导入的，未写入任何记录。",
                               {f"figure:{r.index}": [f"“{r.text}”：{r.problem}"] for r in refused})
        if not chosen:
            raise InvalidInput("请至少勾选一个数据。")
    records = []
    day = min(period.end, timezone.localdate())  # a record may not be dated after today (ledger rule)
    for row in chosen:
        assert row.metric is not None and row.activity_type is not None
        title = (row.clause or row.subject or row.metric.name).strip()[:60] or row.metric.name
        wording = f"（原文“{row.text}”为约数）" if row.approximate else ""
        figures = {**_other_defaults(row.activity_type, row.metric), row.metric.key: row.value}
        records.append(ledger_actions.create_record(
            acting_user=acting_user, unit=unit, activity_type=row.activity_type,
            title=f"{title}（总结提取）"[:200], start_date=day, figures=figures,
            description=f"提取自{source_name or '工作总结'}：{row.sentence}{wording}"[:2000],
            source=Record.Source.SUMMARY,
        ))
    audit.record("import", None, user=acting_user, object_type="reports.summary_import", object_repr=source_name[:300],
                 after={"unit": unit.code, "period": period.spec, "records": [r.pk for r in records],
                        "confirmed_by_person": selected is not None,
                        "corrected": {str(k): v for k, v in (metrics or {}).items()}},
                 message=f"从总结提取台账记录 {len(records)} 条")
    return records
