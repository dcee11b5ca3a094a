"""每日舆情 (daily brief) and 舆情专报 (special report on one incident) as official documents (GB/T 9704).

Built only from aggregates — :class:`HourlyStat` (district counts per hour), :class:`IncidentHourly`, incidents,
alerts, responses and placement proposals — never from item text, so a day of a million items costs the same as a
day of a thousand. Every number is a :class:`~taizhang.reports.document.Figure` whose source says which aggregate
and period produced it (``{"kind": "monitor", "label", "scope", "period", "query", …}``).
"""

from __future__ import annotations

import datetime
import io
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from taizhang.monitor.models import (
    LEVEL_NAMES,
    Alert,
    HourlyStat,
    Incident,
    IncidentHourly,
    PlacementProposal,
    Response,
)
from taizhang.org.models import Unit
from taizhang.reports.document import Document, Figure, Paragraph, Table, format_date_cn
from taizhang.reports.docwriter import write_docx, write_html

LEVEL_ORDER = ["national", "provincial", "municipal", "district", "other"]
COUNTS = ("items", "duplicates", "matched", "positive", "negative", "neutral")


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return start, start + datetime.timedelta(days=1)


def issuer() -> str:
    name = getattr(settings, "TAIZHANG_DEPARTMENT_NAME", "") or ""
    if name:
        return name
    root = Unit.objects.filter(parent__isnull=True).first()
    return root.name if root else ""


def district_name() -> str:
    root = Unit.objects.filter(parent__isnull=True).first()
    if root is None:
        return "本地"
    return root.name.replace("委宣传部", "").replace("宣传部", "") or root.name


class _Figures:
    """Numbers of one document, each with its provenance."""

    def __init__(self, day_start: datetime.date, day_end: datetime.date, scope: str,
                 document: str = "daily", until: str = "") -> None:
        self.period = {"start": day_start.isoformat(), "end": day_end.isoformat()}
        self.until = until  # a day still running when the document was written: its figures count up to then
        self.scope = scope
        self.document = document
        self.used: set[str] = set()

    def __call__(self, fid: str, value: Any, unit: str, label: str, query: str, **extra: Any) -> Figure:
        n = 1
        base = fid
        while fid in self.used:
            n += 1
            fid = f"{base}_{n}"
        self.used.add(fid)
        text = f"{value:.0%}" if isinstance(value, float) else f"{value}{unit}"
        # "figure" and "document" let check-report rebuild the brief and find this number (recompute_figure);
        # "display" says how the text is written from the value.
        display = {"format": "share"} if isinstance(value, float) else {"format": "plain", "measure_word": unit}
        source = {"kind": "monitor", "label": label, "scope": self.scope, "period": self.period, "query": query,
                  "value": str(value), "figure": fid, "document": self.document, "display": display,
                  **({"until": self.until} if self.until else {}), **extra}
        return Figure(fid, text, Decimal(str(round(value, 4) if isinstance(value, float) else value)), source)


def _share(part: int, total: int) -> float:
    return part / total if total else 0.0


@dataclass
class DayTotals:
    counts: dict[str, int]
    by_level: Counter[str]
    by_source: Counter[str]
    hourly: list[tuple[datetime.datetime, int]]


def day_totals(day: datetime.date) -> DayTotals:
    start, end = day_bounds(day)
    rows = list(HourlyStat.objects.filter(hour__gte=start, hour__lt=end).order_by("hour"))
    counts = {c: sum(getattr(r, c) for r in rows) for c in COUNTS}
    by_level: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    for r in rows:
        by_level.update(r.by_level or {})
        by_source.update(r.by_source or {})
    return DayTotals(counts, by_level, by_source, [(r.hour, r.items) for r in rows])


def top_incidents(day: datetime.date, limit: int = 10) -> list[tuple[Incident, int, int]]:
    """(incident, items that day, negative that day), the day's largest first."""
    start, end = day_bounds(day)
    agg = (
        IncidentHourly.objects.filter(hour__gte=start, hour__lt=end)
        .values("incident_id")
        .annotate(n=Sum("items"), neg=Sum("negative"))
        .order_by("-n", "incident_id")[:limit]
    )
    rows = list(agg)
    incidents = Incident.objects.select_related("assigned_unit").in_bulk([r["incident_id"] for r in rows])
    return [(incidents[r["incident_id"]], r["n"], r["neg"]) for r in rows if r["incident_id"] in incidents]


def running_until(day: datetime.date, now: datetime.datetime | None = None) -> str:
    """"HH:MM" when `day` is still running at `now` (default: now): a brief of it counts only part of the day;
    "" for a day that has ended."""
    at = timezone.localtime(now or timezone.now())
    return f"{at:%H:%M}" if day >= at.date() else ""


def build_daily(day: datetime.date, *, now: datetime.datetime | None = None) -> Document:
    """The 每日舆情 of `day`, written at `now` (default: now). Written while `day` is still running (at 00:38 of
    that day), it says "截至00:38" and leaves out the change on the day before: part of a day against a whole day
    would read as a fall ("较前一日减少283条"). (HourlyStat is hourly, so "the day before up to the same time"
    could only be up to the same whole hour: not the same time either.)"""
    start, end = day_bounds(day)
    until = running_until(day, now)
    fig = _Figures(day, day, "全区", until=until)
    totals = day_totals(day)
    c = totals.counts
    total = c["items"]
    blocks: list[Paragraph | Table] = []
    blocks.append(Paragraph("heading1", ["一、总体情况"]))
    q = "HourlyStat"
    when = f"{format_date_cn(day)}（截至{until}）" if until else format_date_cn(day)
    runs: list[Any] = [
        f"{when}，共监测到涉及{district_name()}的公开信息",
        fig("total", total, "条", "监测信息条数", f"{q}.items"),
        "，其中转载、重复",
        fig("dup", c["duplicates"], "条", "转载重复条数", f"{q}.duplicates"),
        "，命中关注词",
        fig("matched", c["matched"], "条", "命中关注词条数", f"{q}.matched"),
    ]
    if not until:
        diff = total - day_totals(day - datetime.timedelta(days=1)).counts["items"]
        runs += ["；较前一日" + ("增加" if diff >= 0 else "减少"),
                 fig("diff", abs(diff), "条", "较前一日变化", f"{q}.items（前一日对比）")]
    runs += [
        "。从倾向看，正面",
        fig("pos", c["positive"], "条", "正面信息条数", f"{q}.positive"),
        "（", fig("pos_share", _share(c["positive"], total), "", "正面占比", f"{q}.positive/items"), "），中性",
        fig("neu", c["neutral"], "条", "中性信息条数", f"{q}.neutral"),
        "，负面",
        fig("neg", c["negative"], "条", "负面信息条数", f"{q}.negative"),
        "（", fig("neg_share", _share(c["negative"], total), "", "负面占比", f"{q}.negative/items"), "）。",
    ]
    levels = [lv for lv in LEVEL_ORDER if totals.by_level.get(lv)]
    if levels:
        runs.append("从来源看，")
        for i, lv in enumerate(levels):
            name = "其他网站和平台" if lv == "other" else f"{LEVEL_NAMES.get(lv, lv)}媒体"
            runs += [("、" if i else "") + name,
                     fig(f"lv_{lv}", totals.by_level[lv], "条", f"{name}来源条数", f"{q}.by_level.{lv}")]
        runs.append("。")
    blocks.append(Paragraph("body", runs))

    top = top_incidents(day)
    blocks.append(Paragraph("heading1", ["二、重点舆情"]))
    if top:
        new_count = Incident.objects.filter(first_seen__gte=start, first_seen__lt=end).count()
        blocks.append(Paragraph("body", [
            "当日新发现舆情事件",
            fig("new_inc", new_count, "个", "新发现事件数", "Incident.first_seen"),
            "，按当日信息量排列前", fig("top_n", len(top), "个", "列出事件数", "IncidentHourly.items（前十）"),
            "如下表。",
        ]))
        rows: list[list[Any]] = []
        for n, (inc, day_n, day_neg) in enumerate(top, 1):
            rows.append([
                fig(f"n{inc.pk}", n, "", f"事件“{inc.label}”当日排序", "IncidentHourly.items（排序）",
                    incident=inc.pk),
                inc.label, inc.grade_name,
                fig(f"inc{inc.pk}", day_n, "条", f"事件“{inc.label}”当日条数", "IncidentHourly.items",
                    incident=inc.pk),
                fig(f"inc{inc.pk}_all", inc.items_count, "条", f"事件“{inc.label}”累计条数",
                    "Incident.items_count", incident=inc.pk),
                fig(f"inc{inc.pk}_neg", _share(day_neg, day_n), "", f"事件“{inc.label}”当日负面占比",
                    "IncidentHourly.negative/items", incident=inc.pk),
                inc.get_status_display(),
                inc.assigned_unit.name if inc.assigned_unit else "—",
            ])
        blocks.append(Table(caption="重点舆情事件", header=["序号", "事件", "等级", "当日", "累计", "当日负面",
                                                            "状态", "责任单位"],
                            rows=rows, col_widths=[2, 9, 2.5, 3, 3, 3, 3, 5]))
        if len(top) > 3:
            blocks.append(Paragraph("body", ["信息量居前的事件简况如下："]))
        for inc, day_n, _neg in top[:3]:
            terms = "、".join(inc.key_terms[:5])
            blocks.append(Paragraph("body", [
                f"{inc.label}：{timezone.localtime(inc.first_seen):%m月%d日%H时}首次出现，当日",
                fig(f"t{inc.pk}", day_n, "条", f"事件“{inc.label}”当日条数", "IncidentHourly.items",
                    incident=inc.pk),
                "，负面占比",
                fig(f"t{inc.pk}_neg", inc.negative_share, "", f"事件“{inc.label}”负面占比", "Incident.negative_share",
                    incident=inc.pk),
                f"，等级{inc.grade_name}；关键词：{terms or '—'}。",
            ]))
    else:
        blocks.append(Paragraph("body", ["当日未发现需要关注的舆情事件。"]))

    blocks.append(Paragraph("heading1", ["三、预警情况"]))
    alerts = Alert.objects.filter(created_at__gte=start, created_at__lt=end)
    by_kind = dict(alerts.values_list("kind").annotate(n=Count("id")))
    a_runs: list[Any] = ["当日新增预警", fig("alerts", sum(by_kind.values()), "条", "新增预警条数", "Alert.created_at")]
    parts = [(k, lbl) for k, lbl in Alert.Kind.choices if by_kind.get(k)]
    if parts:
        a_runs.append("，其中")
        for i, (k, lbl) in enumerate(parts):
            a_runs += [("、" if i else "") + lbl, fig(f"al_{k}", by_kind[k], "条", f"{lbl}预警条数",
                                                     f"Alert.kind={k}")]
    a_runs.append("。")
    blocks.append(Paragraph("body", a_runs))
    for alert in alerts.order_by("-grade", "created_at")[:5]:
        blocks.append(Paragraph("body", [f"{timezone.localtime(alert.created_at):%H:%M}　{alert.get_kind_display()}"
                                         f"（{alert.grade_name}）：{alert.title}"]))

    blocks.append(Paragraph("heading1", ["四、回应处置"]))
    given = Response.objects.filter(published_at__gte=start, published_at__lt=end).select_related("incident", "unit")
    # Deadlines are the incidents' cases' (工单, kind "incident"), in working days: due by the next day.
    from taizhang.cases.models import Case

    next_day = day + datetime.timedelta(days=1)
    due = Case.objects.filter(kind="incident", state__in=Case.RUNNING_STATES, deadline__lte=next_day)
    overdue = due.filter(deadline__lt=min(next_day, timezone.localdate()))
    blocks.append(Paragraph("body", [
        "当日各责任单位公开回应",
        fig("resp", given.count(), "件", "当日回应件数", "Response.published_at"),
        "；截至次日到期待回应",
        fig("due", due.count(), "件", "待回应件数", "Case.kind=incident, state=running, deadline"),
        "，其中已逾期",
        fig("overdue", overdue.count(), "件", "逾期件数", "Case.kind=incident, deadline<day"),
        "。",
    ]))
    for r in given[:10]:
        blocks.append(Paragraph("body", [
            f"{r.unit.name}就“{r.incident.label}”于{timezone.localtime(r.published_at):%H时%M分}在{r.where}发布回应。"
        ]))
    due_rows: list[list[Any]] = [[c.title.removeprefix("舆情事件："), c.unit.name,
                 c.deadline.strftime("%m-%d") if c.deadline else "—", "是" if c.is_overdue() else ""]
                for c in due.select_related("unit").order_by("deadline", "id")[:20]]
    if due_rows:
        blocks.append(Table(caption="待回应事项", header=["事件", "责任单位", "回应期限", "逾期"], rows=due_rows,
                            col_widths=[10, 6, 4, 2]))

    proposals = PlacementProposal.objects.filter(published_on=day)
    if proposals.exists():
        blocks.append(Paragraph("heading1", ["五、对外宣传用稿线索"]))
        blocks.append(Paragraph("body", [
            "当日在中央、省、市媒体发现涉及本地的正面、中性稿件",
            fig("placements", proposals.count(), "篇", "用稿线索篇数", "PlacementProposal.published_on"),
            "，已推送至台账用稿记录待确认。",
        ]))
    return Document(
        title="每日舆情", subtitle=f"（{format_date_cn(day)}{f'，截至{until}' if until else ''}）", blocks=blocks,
        issuer=issuer(), date=day,
        meta={"kind": "monitor_daily", "date": day.isoformat(), "until": until,
              "hourly": [[h.isoformat(), n] for h, n in totals.hourly]},
    )


def build_special(incident: Incident) -> Document:
    today = timezone.localdate()
    first = timezone.localtime(incident.first_seen)
    fig = _Figures(first.date(), timezone.localtime(incident.last_seen).date(), incident.label, "special")
    blocks: list[Paragraph | Table] = [Paragraph("heading1", ["一、基本情况"])]
    levels = "、".join(f"{LEVEL_NAMES.get(k, k)}{v}条" for k, v in sorted(
        (incident.levels or {}).items(), key=lambda kv: LEVEL_ORDER.index(kv[0]) if kv[0] in LEVEL_ORDER else 9))
    blocks.append(Paragraph("body", [
        f"{first:%Y年%m月%d日%H时}起，网上出现关于“{incident.label}”的信息，截至"
        f"{timezone.localtime(incident.last_seen):%m月%d日%H时}共",
        fig("items", incident.items_count, "条", "事件信息条数", "Incident.items_count", incident=incident.pk),
        "，其中转载",
        fig("dups", incident.duplicates_count, "条", "事件转载条数", "Incident.duplicates_count",
            incident=incident.pk),
        "，负面占比",
        fig("neg_share", incident.negative_share, "", "事件负面占比", "Incident.negative_share", incident=incident.pk),
        "，一小时内最多",
        fig("peak", incident.peak_per_hour, "条", "事件小时峰值", "Incident.peak_per_hour", incident=incident.pk),
        f"。来源：{levels or '—'}。研判等级：{incident.grade_name}。关键词：{'、'.join(incident.key_terms[:8])}。",
    ]))
    blocks.append(Paragraph("heading1", ["二、传播情况"]))
    hourly = list(incident.hourly.order_by("hour"))
    if hourly:
        peak = max(hourly, key=lambda h: h.items)
        top_sources = "、".join(f"{k}（{v}条）" for k, v in list((incident.sources or {}).items())[:5])
        blocks.append(Paragraph("body", [
            f"信息量在{timezone.localtime(peak.hour):%m月%d日%H时}达到高峰（",
            fig("peak_h", peak.items, "条", "峰值小时条数", "IncidentHourly.items", incident=incident.pk),
            "）。主要来源：" + (top_sources or "—") + "。",
        ]))
    reps = incident.representatives or []
    if reps:
        blocks.append(Paragraph("heading1", ["三、代表性信息"]))
        blocks.append(Table(header=["时间", "来源", "标题"], col_widths=[4, 5, 13], rows=[
            [str(r.get("at", ""))[:16].replace("T", " "), str(r.get("source") or "—"), str(r.get("title") or "")]
            for r in reps]))
    blocks.append(Paragraph("heading1", ["四、处置情况"]))
    case = incident.case
    if case is not None and case.dispatched_at is not None and case.state != "cancelled":
        text = f"已于{timezone.localtime(case.dispatched_at):%m月%d日%H时}交办{case.unit.name}"
        if case.deadline:
            text += f"，要求于{case.deadline.month}月{case.deadline.day}日前公开回应"
        blocks.append(Paragraph("body", [text + "。"]))
    else:
        blocks.append(Paragraph("body", ["尚未交办。"]))
    for r in incident.responses.select_related("unit").order_by("published_at"):
        blocks.append(Paragraph("body", [
            f"{r.unit.name}于{timezone.localtime(r.published_at):%m月%d日%H时%M分}在{r.where}发布回应：{r.published_text}"
        ]))
    blocks.append(Paragraph("heading1", ["五、工作建议"]))
    unit = incident.assigned_unit.name if incident.assigned_unit else "相关责任单位"
    blocks.append(Paragraph("body", [
        f"建议{unit}核实情况，通过政务新媒体、新闻发布等渠道及时公开发布权威信息，回应群众关切；"
        "持续关注后续信息走势，情况有变化时及时报告。"
    ]))
    return Document(
        title="舆情专报", subtitle=f"（{incident.label}）", blocks=blocks, issuer=issuer(), date=today,
        meta={"kind": "monitor_special", "incident": incident.pk},
    )


def recompute_figure(source: dict[str, Any], cache: dict[Any, Any]) -> Decimal | None:
    """A brief's figure computed again from today's aggregates (registered with reports.sources for "monitor"):
    the brief (daily: its day; special: its incident) is rebuilt once per check and the same figure read back.
    None when the figure can no longer be found (an incident that left the day's top list, a deleted incident)."""
    from taizhang.core.errors import InvalidInput

    incident_id = source.get("incident")
    special = source.get("document") == "special" or (source.get("document") is None and incident_id and
                                                      str(source.get("query", "")).startswith("Incident."))
    if special:
        key: tuple[str, Any] = ("monitor_special", int(incident_id or 0))
        if key not in cache:
            incident = Incident.objects.filter(pk=key[1]).first()
            cache[key] = build_special(incident).figure_map() if incident is not None else {}
    else:
        try:
            day = datetime.date.fromisoformat(str((source.get("period") or {}).get("start")))
        except ValueError as exc:
            raise InvalidInput("舆情简报的数据缺少日期") from exc
        key = ("monitor_daily", day)
        if key not in cache:
            cache[key] = build_daily(day).figure_map()
    figures = cache[key]
    found = figures.get(str(source.get("figure") or ""))
    if found is None:  # briefs written before figures carried their id: match by label and query
        found = next((f for f in figures.values() if f.source.get("label") == source.get("label")
                      and f.source.get("query") == source.get("query")), None)
    return None if found is None else found.value


def render(doc: Document) -> tuple[bytes, str]:
    stream = io.BytesIO()
    write_docx(doc, stream, provenance=True, appendix=True)
    return stream.getvalue(), write_html(doc, appendix=True)

