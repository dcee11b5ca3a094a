"""The monthly 随手拍 bulletin (通报) as a `reports.document.Document`; every number is a Figure whose source
names the provider, the filters and the report ids behind it (like targets/bulletin.py).

A rate (or a mean) over no reports — 满意率 where nobody rated, 按时办结率 where nothing was closed — is no number:
it is written "—" (in the text with what is missing, e.g. "—（无评价）"), never "0%", and carries no source; its
figure id is skipped, so the other figures keep their ids whatever the data."""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import count
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper
from django.utils import timezone

from taizhang.core.periods import Period
from taizhang.ledger.figures import SubTrees
from taizhang.ledger.providers import PROVIDERS, FigureQuery, memo
from taizhang.org.models import Unit
from taizhang.reports.document import Document, Figure, Paragraph, Table

from . import stats
from .models import Category, Report
from .providers import CLOSED_Q, RATED_Q, cohort

# The street table's figures, and the reports behind each as its provider lists them: the whole cohort (None), the
# closed reports (按时办结率) or the rated ones (满意率).
STREET_FIGURES: list[tuple[str, str, str | None]] = [
    ("citizen_reports_received", "受理量", None),
    ("citizen_closure_rate", "办结率", None),
    ("citizen_ontime_rate", "按时办结率", "closed"),
    ("citizen_satisfaction_rate", "满意率", "rated"),
]

NOTHING = stats.NOTHING  # a rate over no reports
# What a rate (or a mean) with an empty base lacks, said in the text after "—".
EMPTY_BASE = {
    "citizen_closure_rate": "无受理报告",
    "citizen_ontime_rate": "无办结报告",
    "citizen_callback_rate": "无办结报告",
    "citizen_satisfaction_rate": "无评价",
    "citizen_avg_days_to_close": "无办结报告",
}
EMPTY_NOTE = ("注：表中“—”表示该项没有可计算的基数（如满意率“—”为本期无群众评价，按时办结率“—”为本期无办结报告），"
              "不是零。")


class _Builder:
    def __init__(self, period: Period) -> None:
        self.period = period
        self.ids = count(1)

    def fig(self, metric: str, unit_ids: list[int] | None = None, *, label: str = "", bare: bool = False,
            **filters: Any) -> Figure | str:
        value, rows = stats.value(metric, self.period, unit_ids, **filters)
        return self.figure(metric, value, rows, unit_ids, label=label, bare=bare, **filters)

    def said(self, metric: str, got: Figure | str) -> Figure | str:
        """A figure as written in the text: a rate over nothing says what is missing — "—（无评价）"."""
        return got if isinstance(got, Figure) else f"{NOTHING}（{EMPTY_BASE.get(metric, '无数据')}）"

    def figure(self, metric: str, value: Decimal, rows: list[int], unit_ids: list[int] | None, *, label: str = "",
               bare: bool = False, **filters: Any) -> Figure | str:
        """The figure, or "—" for a rate (or a mean) whose base is empty (`rows`, the reports behind it, none):
        nothing to divide is no value, so no source claims one; its id is used up all the same."""
        provider = PROVIDERS[metric]
        if provider.is_rate and not rows:
            next(self.ids)
            return NOTHING
        number = str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"
        return Figure(f"c{next(self.ids)}", number if bare else number + provider.measure_word, value, {
            "metric": metric, "label": label or provider.name, "provider": provider.source,
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "filters": filters, "units": unit_ids, "value": str(value), "records": rows,
        })

    def build(self, issued_on: datetime.date) -> Document:
        p = self.period
        root = Unit.objects.filter(parent__isnull=True).order_by("sort_order", "id").first()
        issuer = str(getattr(settings, "TAIZHANG_DEPARTMENT_NAME", "") or (root.name if root else "")) or "宣传部"
        received = self.fig("citizen_reports_received")
        overall: list[str | Figure] = [f"{p.label}，共收到群众随手拍报告", received]
        for metric, said in (("citizen_closure_rate", "，办结率"), ("citizen_ontime_rate", "，按时办结率"),
                             ("citizen_callback_rate", "，回访率"), ("citizen_satisfaction_rate", "，群众满意率"),
                             ("citizen_avg_days_to_close", "，平均办结用时")):
            overall += [said, self.said(metric, self.fig(metric))]
        blocks: list[Paragraph | Table] = [
            Paragraph("body", [f"现将{p.label}“文明随手拍”群众反映问题办理情况通报如下。"]),
            Paragraph("heading1", ["一、总体情况"]),
            Paragraph("body", [*overall, "。"]),
        ]
        channel_parts: list[str | Figure] = []
        for key, label in Report.Channel.choices:
            f = self.fig("citizen_reports_received", channel=key, label=f"{label}受理量")
            if isinstance(f, Figure) and f.value:
                channel_parts += ["、" if channel_parts else "", f"{label}", f]
        if channel_parts:
            blocks.append(Paragraph("body", ["按渠道分：", *channel_parts, "。"]))
        blocks.append(Paragraph("heading1", ["二、分类别情况"]))
        rows: list[list[str | Figure]] = []
        for c in Category.objects.all():
            n = self.fig("citizen_reports_received", category=c.key, label=f"{c.name}受理量", bare=True)
            if not isinstance(n, Figure) or not n.value:
                continue
            rows.append([c.name, n, self.fig("citizen_closure_rate", category=c.key, label=f"{c.name}办结率"),
                         self.fig("citizen_ontime_rate", category=c.key, label=f"{c.name}按时办结率"),
                         self.fig("citizen_satisfaction_rate", category=c.key, label=f"{c.name}满意率")])
        if rows:
            blocks.append(Table(caption=f"{p.label}随手拍分类别办理情况", header=["类别", "受理量（件）", "办结率",
                                                                         "按时办结率", "满意率"],
                                rows=rows, col_widths=[4.0, 3.0, 3.0, 3.2, 3.0]))
            if _has_nothing(rows):
                blocks.append(Paragraph("note", [EMPTY_NOTE]))
        else:
            blocks.append(Paragraph("body", ["本期未收到随手拍报告。"]))
        blocks.append(Paragraph("heading1", ["三、各街道情况"]))
        rows = self.street_rows(root)
        if rows:
            blocks.append(Table(caption=f"{p.label}各街道随手拍办理情况", header=["街道", "受理量（件）", "办结率",
                                                                          "按时办结率", "满意率"],
                                rows=rows, col_widths=[4.0, 3.0, 3.0, 3.2, 3.0]))
            if _has_nothing(rows):
                blocks.append(Paragraph("note", [EMPTY_NOTE]))
        blocks.append(Paragraph("heading1", ["四、下一步工作要求"]))
        blocks.append(Paragraph("body", [
            "各责任单位要在规定时限内办理派发的群众报告，办理结果及时答复群众；对群众不满意、申请重新办理的问题，"
            "要认真核实、限期整改，切实提高群众满意率。"]))
        return Document(title=f"关于{p.label}“文明随手拍”办理情况的通报", blocks=blocks, issuer=issuer,
                        date=issued_on, meta={"kind": "citizen_bulletin", "period": p.spec})

    def street_rows(self, root: Unit | None) -> list[list[str | Figure]]:
        """A row per street with reports: its figures for every street at once (`Provider.grouped`, one GROUP BY
        unit of the report's area shared by the figures) and the reports behind them in one query, the same
        numbers as each street's subtree asked alone (`stats.value`); the streets in the tree's order."""
        tree = SubTrees.of(root) if root else None
        if tree is None or not tree.children:
            return []
        groups = {uid: str(street.pk) for street in tree.children for uid in tree.members[street.pk]}
        query = FigureQuery(period=self.period, unit_ids=None, filters={})
        values: dict[str, dict[str, Decimal]] = {}
        for metric, _label, _rows in STREET_FIGURES:
            grouped = PROVIDERS[metric].grouped
            if grouped is not None:
                values[metric] = {key: got.value for key, got in grouped(query, groups).items()}
            else:  # one call per street (a provider without a grouped answer)
                values[metric] = {str(s.pk): stats.value(metric, self.period, tree.members[s.pk])[0]
                                  for s in tree.children}
        behind = self._street_reports(groups) if values["citizen_reports_received"] else {}
        rows: list[list[str | Figure]] = []
        for street in tree.children:
            key = str(street.pk)
            if not values["citizen_reports_received"].get(key):
                next(self.ids)  # a street without reports keeps the number its 受理量 had (ids as before)
                continue
            row: list[str | Figure] = [street.name]
            for metric, label, rows_of in STREET_FIGURES:
                row.append(self.figure(metric, values[metric].get(key, Decimal(0)),
                                       list(behind.get((key, rows_of), [])), list(tree.members[street.pk]),
                                       label=f"{street.name}{label}", bare=metric == "citizen_reports_received"))
            rows.append(row)
        return rows

    def _street_reports(self, groups: dict[int, str]) -> dict[tuple[str, str | None], list[int]]:
        """The reports received in the period in each street's area, in one query: (street key, None) → all of
        them, (key, "closed") → the closed ones, (key, "rated") → the rated ones, each by id."""
        qs = cohort(FigureQuery(period=self.period, unit_ids=sorted(groups), filters={})).order_by("id").annotate(
            tz_closed=ExpressionWrapper(CLOSED_Q, output_field=BooleanField()),
            tz_rated=ExpressionWrapper(RATED_Q, output_field=BooleanField()))
        out: dict[tuple[str, str | None], list[int]] = {}
        for pk, area_id, closed, rated in qs.values_list("id", "area_id", "tz_closed", "tz_rated"):
            key = groups[area_id]
            out.setdefault((key, None), []).append(pk)
            if closed:
                out.setdefault((key, "closed"), []).append(pk)
            if rated:
                out.setdefault((key, "rated"), []).append(pk)
        return out


def _has_nothing(rows: list[list[str | Figure]]) -> bool:
    return any(cell == NOTHING for row in rows for cell in row[1:])


def build_document(period: Period, *, issued_on: datetime.date | None = None) -> Document:
    """Within one `providers.memo()`: the figures of one cohort share one aggregate, the streets' one GROUP BY, so the
    number of queries does not depend on the number of streets (docs/scale.md)."""
    with memo():
        return _Builder(period).build(issued_on or timezone.localdate())
