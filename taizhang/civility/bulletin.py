"""The civility bulletin (文明创建工作通报), weekly or monthly, as a `reports.document.Document`.

Every number is a Figure whose source names the provider metric (civility_score, civility_problems_found …), the
unit, the period and the ids of the rows behind it (inspections or problems), so it can be opened and recomputed
with `ledger.figures.compute(metric, period=…, unit=…)` or `taizhang civility score`. Units are named; people and
places' passers-by are not (photos are published only as blurred copies chosen by staff)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import count
from typing import Any

from taizhang.civility.models import Framework, Standard
from taizhang.civility.periods import period_label
from taizhang.civility.scoring import (
    ProblemCounts,
    ScoreResult,
    children_of,
    compute_scores,
    framework_for,
    problem_counts_of,
    q2,
    scope_ids,
)
from taizhang.core.periods import Period
from taizhang.org.models import Unit
from taizhang.reports.document import Document, Figure, Paragraph, Table

CN = "一二三四五六七八九十"


def _fmt(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"


class _Builder:
    def __init__(self, owner: Unit, period: Period, kind: str) -> None:
        self.owner = owner
        self.period = period
        self.kind = kind
        self.ids = count(1)

    def fig(self, metric: str, label: str, unit: Unit, value: Decimal, records: list[int], source: str,
            suffix: str) -> Figure:
        return Figure(f"c{next(self.ids)}", f"{_fmt(value)}{suffix}", value, {
            "kind": "civility", "metric": metric, "label": label, "unit": unit.code, "unit_name": unit.name,
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat(),
                       "spec": self.period.spec},
            "value": str(value), "records": sorted(records), "source": source,
        })

    def score_fig(self, result: ScoreResult, unit: Unit, suffix: str = "分") -> Figure | str:
        if result.score is None:
            return "—"
        return self.fig("civility_score", "模拟测评得分", unit, result.score, result.inspection_ids,
                        "civility.inspection", suffix)

    def counts(self, counts: ProblemCounts, unit: Unit, field: str, suffix: str = "个") -> Figure:
        labels = {"found": ("civility_problems_found", "发现问题数"),
                  "rectified": ("civility_problems_rectified", "问题销号数"),
                  "overdue": ("civility_problems_overdue", "逾期未整改问题数"),
                  "recurring": ("civility_problems_recurring", "反复出现问题数")}
        metric, label = labels[field]
        ids = getattr(counts, field)
        return self.fig(metric, label, unit, Decimal(len(ids)), ids, "civility.problem", suffix)

    def build(self, framework: Framework, issued_on: datetime.date) -> Document:
        area = self.owner.short_name or "全区"
        label = period_label(self.period)
        children = children_of(self.owner)
        # every unit's subtree in one query, the scores from one pass and the problem counts of all of them from one
        # query: the number of queries does not depend on the number of units (docs/scale.md)
        units: list[Unit | None] = [self.owner, *children]
        scopes = scope_ids(units)
        results = compute_scores(framework, self.period, units, scopes=scopes)
        head = results[0]
        head_counts, *child_counts = problem_counts_of(
            self.period, [scopes[self.owner.pk], *(scopes[unit.pk] for unit in children)])
        from taizhang.civility.models import Inspection
        from taizhang.civility.periods import bounds

        start, end = bounds(self.period)
        sites = sorted(set(Inspection.objects.filter(
            kind=Inspection.Kind.REGULAR, submitted_at__gte=start, submitted_at__lt=end,
            site__unit__path__startswith=self.owner.path).values_list("site_id", flat=True)))
        blocks: list[Paragraph | Table] = [Paragraph("body", [
            f"根据《{framework.name}》（第{framework.edition}版），{label}{self.owner.name}对{area}文明创建点位开展了"
            "实地测评。现将有关情况通报如下。"])]
        blocks.append(Paragraph("heading1", ["一、总体情况"]))
        blocks.append(Paragraph("body", [
            "本期共测评点位", self.fig("civility_sites_inspected", "测评点位数", self.owner, Decimal(len(sites)),
                                       sites, "civility.site", "个"),
            "，模拟测评得分", self.score_fig(head, self.owner),
            "；发现问题", self.counts(head_counts, self.owner, "found"),
            "，复查销号", self.counts(head_counts, self.owner, "rectified"),
            "，逾期未整改", self.counts(head_counts, self.owner, "overdue"),
            "，同一点位反复出现的问题", self.counts(head_counts, self.owner, "recurring"), "。"]))
        rows: list[list[str | Figure]] = []
        ranked: list[tuple[Unit, ScoreResult, ProblemCounts]] = []
        for unit, result, counts in zip(children, results[1:], child_counts, strict=True):
            if result.score is None and not counts.found and not counts.overdue:
                continue
            ranked.append((unit, result, counts))
        ranked.sort(key=lambda t: (t[1].score is None, -(t[1].score or 0), t[0].sort_order))
        for unit, result, counts in ranked:
            rows.append([unit.name, self.score_fig(result, unit, ""), self.counts(counts, unit, "found", ""),
                         self.counts(counts, unit, "rectified", ""), self.counts(counts, unit, "overdue", ""),
                         self.counts(counts, unit, "recurring", "")])
        if rows:
            blocks.append(Paragraph("heading1", ["二、各单位测评情况"]))
            blocks.append(Table(caption=f"{label}各单位文明创建测评情况",
                                header=["单位", "模拟得分", "发现问题", "已销号", "逾期未整改", "反复出现"],
                                rows=rows, col_widths=[5.0, 2.6, 2.4, 2.4, 2.6, 2.4]))
        weak = self._weak_standards(head, framework)
        if weak:
            blocks.append(Paragraph("heading1", [f"{CN[2 if rows else 1]}、存在的主要问题"]))
            for standard, rate in weak:
                blocks.append(Paragraph("body", [
                    f"{standard.code} {standard.text}：达标率",
                    self.fig("civility_standard_rate", f"{standard.code}达标率", self.owner, rate,
                             head.inspection_ids, "civility.inspection", "%"), "。"]))
        n = 1 + (1 if rows else 0) + (1 if weak else 0)
        blocks.append(Paragraph("heading1", [f"{CN[n]}、表扬和督促"]))
        good = [t for t in ranked if t[1].score is not None][:3]
        if good:
            runs: list[str | Figure] = ["对"]
            for i, (unit, result, _c) in enumerate(good):
                runs += ["、" if i else "", f"{unit.name}（", self.score_fig(result, unit), "）"]
            blocks.append(Paragraph("body", [*runs, "等测评成绩较好的单位予以通报表扬。"]))
        late = [t for t in ranked if t[2].overdue]
        if late:
            runs = []
            for i, (unit, _r, counts) in enumerate(late):
                runs += ["、" if i else "", f"{unit.name}（逾期", self.counts(counts, unit, "overdue"), "）"]
            blocks.append(Paragraph("body", [
                *runs, "存在逾期未整改问题，请于通报下发后3个工作日内整改到位并报送整改情况。"]))
        if not good and not late:
            blocks.append(Paragraph("body", ["本期无需表扬或督促的单位。"]))
        blocks.append(Paragraph("heading1", [f"{CN[n + 1]}、下一步工作要求"]))
        blocks.append(Paragraph("body", [
            "各单位要对照测评体系逐项查漏补缺，对通报问题建立清单、明确责任、限期整改，做到整改一个、销号一个；"
            "对反复出现的问题要分析原因、建立长效机制，确保常态长效。"]))
        kind_word = "周" if self.kind == "weekly" else "月"
        return Document(
            title=f"关于{label}{area}文明创建实地测评情况的通报", blocks=blocks, issuer=self.owner.name,
            date=issued_on, subtitle=None,
            meta={"kind": "civility_bulletin", "bulletin_kind": kind_word, "period": self.period.spec,
                  "framework": framework.key, "framework_edition": framework.edition, "unit": self.owner.code},
        )

    def _weak_standards(self, result: ScoreResult, framework: Framework) -> list[tuple[Standard, Decimal]]:
        rated = [(sid, rate) for sid, (rate, _e) in result.standards.items() if rate is not None and rate < 1]
        rated.sort(key=lambda t: t[1])
        standards = {s.pk: s for s in Standard.objects.filter(pk__in=[sid for sid, _r in rated[:5]])}
        return [(standards[sid], q2(rate * 100)) for sid, rate in rated[:5] if sid in standards]


def build_document(owner: Unit, period: Period, kind: str, *, issued_on: datetime.date,
                   framework: Framework | None = None) -> Document | None:
    framework = framework or framework_for(period)
    if framework is None:
        return None
    return _Builder(owner, period, kind).build(framework, issued_on)


def describe(doc: Document) -> list[dict[str, Any]]:
    return [{"id": f.id, "text": f.text, **f.source} for f in doc.figures()]
