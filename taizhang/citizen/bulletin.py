"""The monthly 随手拍 bulletin (通报) as a `reports.document.Document`; every number is a Figure whose source
names the provider, the filters and the report ids behind it (like targets/bulletin.py)."""

from __future__ import annotations

import datetime
from itertools import count
from typing import Any

from django.conf import settings
from django.utils import timezone

from taizhang.core.periods import Period
from taizhang.ledger.providers import PROVIDERS
from taizhang.org.models import Unit
from taizhang.reports.document import Document, Figure, Paragraph, Table

from . import stats
from .models import Category, Report


class _Builder:
    def __init__(self, period: Period) -> None:
        self.period = period
        self.ids = count(1)

    def fig(self, metric: str, unit_ids: list[int] | None = None, *, label: str = "", bare: bool = False,
            **filters: Any) -> Figure:
        value, rows = stats.value(metric, self.period, unit_ids, **filters)
        provider = PROVIDERS[metric]
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
        blocks: list[Paragraph | Table] = [
            Paragraph("body", [f"现将{p.label}“文明随手拍”群众反映问题办理情况通报如下。"]),
            Paragraph("heading1", ["一、总体情况"]),
            Paragraph("body", [
                f"{p.label}，共收到群众随手拍报告", received, "，办结率", self.fig("citizen_closure_rate"),
                "，按时办结率", self.fig("citizen_ontime_rate"), "，回访率", self.fig("citizen_callback_rate"),
                "，群众满意率", self.fig("citizen_satisfaction_rate"), "，平均办结用时",
                self.fig("citizen_avg_days_to_close"), "。",
            ]),
        ]
        channel_parts: list[str | Figure] = []
        for key, label in Report.Channel.choices:
            f = self.fig("citizen_reports_received", channel=key, label=f"{label}受理量")
            if f.value:
                channel_parts += ["、" if channel_parts else "", f"{label}", f]
        if channel_parts:
            blocks.append(Paragraph("body", ["按渠道分：", *channel_parts, "。"]))
        blocks.append(Paragraph("heading1", ["二、分类别情况"]))
        rows: list[list[str | Figure]] = []
        for c in Category.objects.all():
            n = self.fig("citizen_reports_received", category=c.key, label=f"{c.name}受理量", bare=True)
            if not n.value:
                continue
            rows.append([c.name, n, self.fig("citizen_closure_rate", category=c.key, label=f"{c.name}办结率"),
                         self.fig("citizen_ontime_rate", category=c.key, label=f"{c.name}按时办结率"),
                         self.fig("citizen_satisfaction_rate", category=c.key, label=f"{c.name}满意率")])
        if rows:
            blocks.append(Table(caption=f"{p.label}随手拍分类别办理情况", header=["类别", "受理量（件）", "办结率",
                                                                         "按时办结率", "满意率"],
                                rows=rows, col_widths=[4.0, 3.0, 3.0, 3.2, 3.0]))
        else:
            blocks.append(Paragraph("body", ["本期未收到随手拍报告。"]))
        blocks.append(Paragraph("heading1", ["三、各街道情况"]))
        rows = []
        streets = list(Unit.objects.filter(parent=root).order_by("sort_order", "code")) if root else []
        for street in streets:
            sub = stats.subtree(street)
            n = self.fig("citizen_reports_received", sub, label=f"{street.name}受理量", bare=True)
            if not n.value:
                continue
            rows.append([street.name, n, self.fig("citizen_closure_rate", sub, label=f"{street.name}办结率"),
                         self.fig("citizen_ontime_rate", sub, label=f"{street.name}按时办结率"),
                         self.fig("citizen_satisfaction_rate", sub, label=f"{street.name}满意率")])
        if rows:
            blocks.append(Table(caption=f"{p.label}各街道随手拍办理情况", header=["街道", "受理量（件）", "办结率",
                                                                          "按时办结率", "满意率"],
                                rows=rows, col_widths=[4.0, 3.0, 3.0, 3.2, 3.0]))
        blocks.append(Paragraph("heading1", ["四、下一步工作要求"]))
        blocks.append(Paragraph("body", [
            "各责任单位要在规定时限内办理派发的群众报告，办理结果及时答复群众；对群众不满意、申请重新办理的问题，"
            "要认真核实、限期整改，切实提高群众满意率。"]))
        return Document(title=f"关于{p.label}“文明随手拍”办理情况的通报", blocks=blocks, issuer=issuer,
                        date=issued_on, meta={"kind": "citizen_bulletin", "period": p.spec})


def build_document(period: Period, *, issued_on: datetime.date | None = None) -> Document:
    return _Builder(period).build(issued_on or timezone.localdate())
