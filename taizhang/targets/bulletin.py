"""The assessment bulletin (考核情况通报) of a published run, as a `reports.document.Document`.

Every number in it is a Figure with full provenance:
- ledger totals: `FigureResult.source()` of `ledger.figures.compute` (metric, unit, period, filters, value, records);
- scores, ranks and item points: {"kind": "assessment", "scheme", "version", "unit", "period", "field", "value",
  "records", "run", "run_version"} — the frozen value of the published run, recomputable from the ledger with
  `targets.provenance.recompute_figure`;
- target progress: {"kind": "target", "target", "year", "unit", "field": "actual" | "completion", "period",
  "value", "records"}.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import count
from typing import Any

from taizhang.core.periods import Period
from taizhang.ledger.figures import FigureResult, compute
from taizhang.ledger.models import Outlet
from taizhang.org.models import Unit
from taizhang.reports.document import Document, Figure, Paragraph, Table
from taizhang.targets import progress
from taizhang.targets.models import AssessmentResult, AssessmentRun, SchemeItem, Target
from taizhang.targets.rules import LEVELS

CN_NUMBERS = "一二三四五六七八九十"
MAX_ITEM_COLUMNS = 3


def fmt(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"


def area_word(owner: Unit) -> str:
    if owner.short_name in ("全区", "全市", "全县", "全州", "全旗"):
        return owner.short_name
    return "全市" if owner.kind == Unit.Kind.CITY else "全区"


def bulletin_title(run: AssessmentRun) -> str:
    return f"关于{run.period_label}{area_word(run.scheme.owner)}{run.scheme.subject}考核情况的通报"


class _Builder:
    def __init__(self, run: AssessmentRun) -> None:
        self.run = run
        self.scheme = run.scheme
        self.version = run.scheme_version
        self.period = Period(run.period_start, run.period_end, run.period_spec, run.period_kind)
        self.ids = count(1)
        self.results = list(run.results.select_related("unit").prefetch_related("items").order_by(
            "group_index", "position"))
        self.items = list(self.version.items.select_related("line").order_by("sort_order", "id"))
        self.parent = self.version.peer_parent or self.scheme.owner
        self.score_figs: dict[tuple[int, bool], Figure] = {}
        self.rank_figs: dict[int, Figure] = {}

    def fid(self, prefix: str) -> str:
        return f"{prefix}{next(self.ids)}"

    # -- provenance ------------------------------------------------------------------------------------------
    def _assessment_source(self, r: AssessmentResult, field: str, value: Decimal, records: list[int],
                           label: str, **extra: Any) -> dict[str, Any]:
        return {
            "kind": "assessment", "scheme": self.scheme.key, "version": self.version.number, "unit": r.unit.code,
            "unit_name": r.unit.name, "period": {"start": self.period.start.isoformat(),
                                                 "end": self.period.end.isoformat(), "spec": self.period.spec},
            "field": field, "value": str(value), "records": records, "run": self.run.pk,
            "run_version": self.run.number, "label": label, **extra,
        }

    def score(self, r: AssessmentResult, *, table: bool = False) -> Figure:
        """The unit's score: "87.5" in the ranking table, "87.5分" in the text (two figures, one source)."""
        key = (r.pk, table)
        if key not in self.score_figs:
            records = sorted({x for i in r.items.all() for x in i.records})
            text = fmt(r.score) if table else f"{fmt(r.score)}分"
            self.score_figs[key] = Figure(self.fid("s"), text, r.score, self._assessment_source(
                r, "score", r.score, records, f"{self.scheme.name}得分"))
        return self.score_figs[key]

    def rank(self, r: AssessmentResult) -> Figure:
        if r.pk not in self.rank_figs:
            value = Decimal(r.rank)
            self.rank_figs[r.pk] = Figure(self.fid("r"), str(r.rank), value, self._assessment_source(
                r, "rank", value, [], f"{self.scheme.name}名次（{r.group_name}）", tie_rule=self.run.tie_rule))
        return self.rank_figs[r.pk]

    def item_points(self, r: AssessmentResult, keys: list[str], label: str) -> Figure:
        rows = [i for i in r.items.all() if i.item_key in keys]
        value = sum((i.points for i in rows), Decimal(0))
        records = sorted({x for i in rows for x in i.records})
        extra: dict[str, Any] = {"item": keys[0]} if len(keys) == 1 else {"items": keys}
        return Figure(self.fid("i"), fmt(value), value, self._assessment_source(
            r, "item" if len(keys) == 1 else "items", value, records, label, **extra))

    def ledger(self, result: FigureResult, prefix: str = "g") -> Figure:
        source = result.source()
        source["unit_name"] = result.unit.name if result.unit else "全部单位"
        return Figure(self.fid(prefix), result.text, result.value, source)

    def target_fig(self, target: Target, unit: Unit, field: str, value: Decimal, records: list[int],
                   period: Period, *, bare: bool = False) -> Figure:
        """A target figure: actual ("45篇"), completion ("75.0%"), expected (序时进度 "83.3%") or allocation."""
        if field in ("completion", "expected"):
            text = f"{value}%"
        else:
            text = fmt(value) if bare else f"{fmt(value)}{target.measure_word}"
        label = target.name + {"completion": "完成率", "expected": "序时进度", "allocation": "年度目标"}.get(
            field, "完成数")
        return Figure(self.fid("t"), text, value, {
            "kind": "target", "target": target.key, "year": target.year, "unit": unit.code, "unit_name": unit.name,
            "field": field, "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
            "value": str(value), "records": records, "label": label, "metric": target.metric.key,
        })

    # -- sections ----------------------------------------------------------------------------------------------
    def overview(self) -> list[Paragraph]:
        out: list[Paragraph] = []
        area = area_word(self.scheme.owner)
        scope = None if self.parent.parent_id is None else self.parent
        for item in self.items:
            rule = item.rule or {}
            if item.kind == SchemeItem.Kind.PLACEMENT:
                metric = rule.get("metric") or "placements"
                total = compute(metric, period=self.period, unit=scope)
                runs: list[str | Figure] = [f"{self.period.short_label if self.period.kind != 'month' else '本月'}，"
                                            f"{area}在各级媒体共刊发稿件", self.ledger(total)]
                parts: list[str | Figure] = []
                for level in LEVELS:
                    by_level = compute(metric, period=self.period, unit=scope, outlet_level=level)
                    if by_level.value:
                        label = dict(Outlet.Level.choices)[level]
                        parts += ["、" if parts else "", f"{label}媒体", self.ledger(by_level)]
                if parts:
                    runs += ["，其中", *parts]
                out.append(Paragraph("body", [*runs, "。"]))
            elif item.kind == SchemeItem.Kind.METRIC and rule.get("metric"):
                total = compute(rule["metric"], period=self.period, unit=scope,
                                activity_type=rule.get("activity_type") or None)
                if not rule.get("outlet_levels"):
                    out.append(Paragraph("body", [f"{item.name}：{area}共计", self.ledger(total), "。"]))
        return out

    def ranking_tables(self) -> list[Paragraph | Table]:
        blocks: list[Paragraph | Table] = []
        main = [i for i in self.items if not i.is_manual][:MAX_ITEM_COLUMNS]
        manual = [i.key for i in self.items if i.is_manual]
        header = ["名次", "单位", *[i.name for i in main], *(["加减分"] if manual else []), "总分"]
        groups: list[tuple[str, list[AssessmentResult]]] = []
        for r in self.results:
            if not groups or groups[-1][0] != r.group_name:
                groups.append((r.group_name, []))
            groups[-1][1].append(r)
        for gi, (name, rows) in enumerate(groups):
            if len(groups) > 1:
                blocks.append(Paragraph("heading2", [f"（{CN_NUMBERS[gi % 10]}）{name}"]))
            table_rows: list[list[str | Figure]] = []
            for r in rows:
                unit_text = r.unit.name + ("（并列）" if r.tied else "")
                cells: list[str | Figure] = [self.rank(r), unit_text]
                cells += [self.item_points(r, [i.key], f"{i.name}得分") for i in main]
                if manual:
                    cells.append(self.item_points(r, manual, "加减分合计"))
                cells.append(self.score(r, table=True))
                table_rows.append(cells)
            widths = [1.6, 5.0, *[3.2] * len(main), *([2.6] if manual else []), 2.8]
            blocks.append(Table(caption=f"{self.run.period_label}{name}考核得分排名（单位：分）", header=header,
                                rows=table_rows, col_widths=widths))
            tie_notes = sorted({r.tie_broken_by for r in rows if r.tie_broken_by})
            if tie_notes:
                blocks.append(Paragraph("note", [f"注：得分相同的单位按{'、'.join(tie_notes)}区分名次。"]))
            elif any(r.tied for r in rows):
                blocks.append(Paragraph("note", ["注：得分相同的单位名次并列。"]))
        return blocks

    def _relevant(self, target: Target) -> bool:
        """Targets the scheme scores (target_completion items) or whose metric its items count."""
        for item in self.items:
            rule = item.rule or {}
            if item.kind == SchemeItem.Kind.TARGET and rule.get("target") == target.key:
                return True
            if item.kind == SchemeItem.Kind.PLACEMENT and (rule.get("metric") or "placements") == target.metric.key:
                return True
            if item.kind == SchemeItem.Kind.METRIC and rule.get("metric") == target.metric.key:
                return True
        return False

    def targets_section(self) -> tuple[list[Paragraph | Table], list[tuple[Unit, Target, Figure, Figure]]]:
        blocks: list[Paragraph | Table] = []
        lagging: list[tuple[Unit, Target, Figure, Figure]] = []
        peer_ids = {r.unit_id for r in self.results}
        as_of = self.period.end
        targets = [t for t in Target.objects.filter(year=as_of.year, allocations__unit_id__in=peer_ids).distinct()
                   .select_related("metric", "owner", "activity_type").order_by("sort_order", "key")
                   if self._relevant(t)]
        for target in targets:
            prog = progress.target_progress(target, as_of=as_of, visible=frozenset(peer_ids | {target.owner_id}))
            expected = self.target_fig(target, target.owner, "expected", prog.expected, [], prog.period)
            heading: list[str | Figure] = [f"截至{as_of.month}月{as_of.day}日，"]
            if prog.total is not None and prog.total.completion is not None:
                total, completion = prog.total, prog.total.completion
                heading += [f"{area_word(target.owner)}{target.name}年度目标",
                            self.target_fig(target, target.owner, "allocation", target.value, [], prog.period),
                            "，已完成",
                            self.target_fig(target, target.owner, "actual", total.actual.value, total.actual.records,
                                            prog.period),
                            "，完成年度任务的",
                            self.target_fig(target, target.owner, "completion", completion,
                                            total.actual.records, prog.period),
                            "（序时进度", expected, "）。"]
            else:
                heading += [f"各单位{target.name}完成情况如下（序时进度", expected, "）。"]
            blocks.append(Paragraph("body", heading))
            rows: list[list[str | Figure]] = []
            for row in prog.rows:
                actual = self.target_fig(target, row.unit, "actual", row.actual.value, row.actual.records,
                                         prog.period)
                allocated = self.target_fig(target, row.unit, "allocation", row.target_value, [], prog.period,
                                            bare=True)
                if row.completion is None:
                    rows.append([row.unit.name, allocated, actual, "—", "—"])
                    continue
                comp = self.target_fig(target, row.unit, "completion", row.completion, row.actual.records,
                                       prog.period)
                rows.append([row.unit.name, allocated, actual, comp, "滞后" if row.lagging else "正常"])
                if row.lagging:
                    lagging.append((row.unit, target, comp, expected))
            blocks.append(Table(caption=f"{target.name}完成情况",
                                header=["单位", f"年度目标（{target.measure_word}）", "累计完成", "完成率", "进度"],
                                rows=rows, col_widths=[5.0, 3.4, 3.2, 2.8, 2.2]))
        return blocks, lagging

    def praise_and_urge(self, lagging: list[tuple[Unit, Target, Figure, Figure]]) -> list[Paragraph]:
        out: list[Paragraph] = []
        groups: dict[str, list[AssessmentResult]] = {}
        for r in self.results:
            groups.setdefault(r.group_name, []).append(r)
        praise: list[str | Figure] = []
        bottom: list[AssessmentResult] = []
        top_n, bottom_n = self.version.praise_top, self.version.lagging_bottom
        for rows in groups.values():
            ranked = [r for r in rows if r.score > 0]
            top = [r for r in ranked if r.rank <= top_n]
            for r in top:
                praise += ["、" if praise else "", f"{r.unit.name}（", self.score(r), "）"]
            if bottom_n and len(rows) > top_n + bottom_n:
                worst_rank = sorted({r.rank for r in rows}, reverse=True)[:bottom_n]
                bottom += [r for r in rows if r.rank in worst_rank]
        if praise:
            out.append(Paragraph("body", ["对", *praise, "等考核成绩优秀的单位予以通报表扬。"]))
        urge: list[str | Figure] = []
        for r in sorted(bottom, key=lambda r: (r.group_index, r.position)):
            urge += ["、" if urge else "", f"{r.unit.name}（第", self.rank(r), "名）"]
        if urge:
            out.append(Paragraph("body", [*urge, "考核得分靠后，请认真分析原因，补齐工作短板。"]))
        by_target: dict[int, list[tuple[Unit, Target, Figure, Figure]]] = {}
        for entry in lagging:
            by_target.setdefault(entry[1].pk, []).append(entry)
        for entries in by_target.values():
            target, expected = entries[0][1], entries[0][3]
            late: list[str | Figure] = [f"{target.name}："]
            for i, (unit, _t, comp, _e) in enumerate(entries):
                late += ["、" if i else "", f"{unit.name}（", comp, "）"]
            late += ["完成率低于序时进度（", expected, "），请以上单位加快工作进度，确保完成年度目标任务。"]
            out.append(Paragraph("body", late))
        if not out:
            out.append(Paragraph("body", ["本期各单位均完成序时进度。"]))
        return out

    def build(self, issued_on: datetime.date) -> Document:
        owner = self.scheme.owner
        blocks: list[Paragraph | Table] = [Paragraph("body", [
            f"为深入推进{self.scheme.subject}，压实工作责任，根据《{self.scheme.name}》（第{self.version.number}版），"
            f"{owner.name}对各单位{self.run.period_label}{self.scheme.subject}情况进行了考核。现将有关情况通报如下。"
        ])]
        section = iter(CN_NUMBERS)
        overview = self.overview()
        if overview:
            blocks.append(Paragraph("heading1", [f"{next(section)}、总体情况"]))
            blocks += overview
        blocks.append(Paragraph("heading1", [f"{next(section)}、考核排名"]))
        blocks.append(Paragraph("body", [
            "按照考核方案，对各参评单位逐项计分，得分情况如下（名次按总分由高到低排列）。"]))
        blocks += self.ranking_tables()
        target_blocks, lagging = self.targets_section()
        if target_blocks:
            blocks.append(Paragraph("heading1", [f"{next(section)}、目标任务完成情况"]))
            blocks += target_blocks
        blocks.append(Paragraph("heading1", [f"{next(section)}、表扬和督促"]))
        blocks += self.praise_and_urge(lagging)
        blocks.append(Paragraph("heading1", [f"{next(section)}、下一步工作要求"]))
        blocks.append(Paragraph("body", [
            f"各单位要对照考核方案和年度目标任务，认真总结经验，查找差距不足，进一步加强{self.scheme.subject}力量，"
            "及时、准确填报台账记录并上传佐证材料，确保各项工作任务按序时进度完成。"]))
        return Document(
            title=bulletin_title(self.run), blocks=blocks, issuer=owner.name, date=issued_on,
            meta={"kind": "bulletin", "run": self.run.pk, "run_version": self.run.number,
                  "scheme": self.scheme.key, "scheme_version": self.version.number, "period": self.period.spec},
        )


def build_document(run: AssessmentRun, *, issued_on: datetime.date) -> Document:
    return _Builder(run).build(issued_on)
