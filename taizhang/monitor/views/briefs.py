"""每日舆情 and 舆情专报: list, generate, preview (HTML, each figure linked to its source page) and download
(.docx)."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from taizhang.core import audit
from taizhang.monitor import actions, charts
from taizhang.monitor.models import Alert, Brief, Incident
from taizhang.monitor.views.common import manager_required
from taizhang.reports.document import Document, Figure, describe_source, format_date_cn
from taizhang.reports.views.common import figure_page, link_figures


@require_GET
@manager_required
def brief_list(request: HttpRequest) -> HttpResponse:
    briefs = Brief.objects.select_related("incident").order_by("-date", "-id")[:100]
    return render(request, "monitor/brief_list.html", {"briefs": briefs, "today": timezone.localdate(),
                                                       "yesterday": timezone.localdate() - datetime.timedelta(days=1)})


@require_POST
@manager_required
def brief_create(request: HttpRequest) -> HttpResponse:
    try:
        day = datetime.date.fromisoformat(request.POST.get("date") or "")
    except ValueError:
        messages.error(request, "请选择日期")
        return redirect("monitor:brief_list")
    if day > timezone.localdate():
        messages.error(request, "不能生成未来日期的简报")
        return redirect("monitor:brief_list")
    brief = actions.generate_daily_brief(acting_user=request.user, day=day)
    messages.success(request, f"已生成{brief.title}。")
    return redirect("monitor:brief_detail", pk=brief.pk)


@require_GET
@manager_required
def brief_detail(request: HttpRequest, pk: int) -> HttpResponse:
    brief = get_object_or_404(Brief.objects.select_related("incident"), pk=pk)
    chart = charts.brief_hourly(brief.document) if brief.kind == Brief.Kind.DAILY else None
    # the HTML was produced by the shared writer (reports.docwriter.write_html), which escapes all text; each
    # figure opens its source page (brief_figure), on a phone as on a desktop
    html = link_figures(brief.html, "monitor:brief_figure", brief.pk)
    return render(request, "monitor/brief_detail.html", {"brief": brief, "html": mark_safe(html),  # noqa: S308
                                                         "chart": chart})


# What a brief's figure counts, by its source's `query` (monitor.brief._Figures): the first matching prefix gives
# the explanation and the list page of the rows it counts (label, URL name, query string, and the name of that list's
# parameter that takes the brief's day, `…=YYYY-MM-DD`, or "" when the list has none).
_HOURLY = ("按小时汇总的全区监测信息{}（每批信息入库时按信息发布时间所在的小时累加，当日各小时相加；"
           "原始信息按保存期限清理后，汇总数仍保留）")
_QUERIES: list[tuple[str, str, tuple[str, str, str, str] | None]] = [
    ("HourlyStat.positive", _HOURLY.format("中正面信息的条数"),
     ("正面监测信息", "monitor:item_list", "label=pos", "day")),
    ("HourlyStat.negative", _HOURLY.format("中负面信息的条数"),
     ("负面监测信息", "monitor:item_list", "label=neg", "day")),
    ("HourlyStat.neutral", _HOURLY.format("中中性信息的条数"),
     ("中性监测信息", "monitor:item_list", "label=neu", "day")),
    ("HourlyStat", _HOURLY.format("条数（含转载重复、命中关注词、来源级别）"),
     ("监测信息", "monitor:item_list", "", "day")),
    ("IncidentHourly", "舆情事件的小时汇总：事件当日各小时的信息条数之和", None),
    ("Incident.first_seen", "当日首次出现的舆情事件个数",
     ("首次出现的舆情事件", "monitor:incident_list", "all=1", "day")),
    ("Incident.", "舆情事件的累计统计（截至生成简报时）", None),
    ("Alert.kind=", "当日新产生的该类型预警条数", ("预警", "monitor:alert_list", "", "day")),
    ("Alert.", "当日新产生的预警条数", ("预警", "monitor:alert_list", "", "day")),
    ("Response.", "当日各责任单位公开发布的回应件数",
     ("当日有回应的舆情事件", "monitor:incident_list", "all=1", "responded")),
    ("Case.kind=incident, deadline", "舆情事件工单中截至次日已逾期、仍在办理的件数（回应期限按工作日计算）",
     ("逾期的舆情工单", "cases:case_list", "kind=incident&overdue=on", "")),
    ("Case.", "舆情事件工单中截至次日到期、仍在办理的件数（回应期限按工作日计算）",
     ("在办的舆情工单", "cases:case_list", "kind=incident", "")),
    ("PlacementProposal", "当日发现的对外宣传用稿线索篇数", ("用稿线索", "monitor:proposal_list", "", "day")),
]


def _brief_day(source: dict[str, Any]) -> datetime.date | None:
    """The one day a figure counts over (a daily brief's), or None (a special report's span, a bad period)."""
    period = source.get("period") or {}
    try:
        start = datetime.date.fromisoformat(str(period.get("start")))
        end = datetime.date.fromisoformat(str(period.get("end")))
    except ValueError:
        return None
    return start if start == end else None


def _period_text(source: dict[str, Any], figure: Figure) -> str:
    """The 期间 line: one date for a one-day period ("2026年12月8日", not "2026年12月8日至12月8日"), with the
    time the brief was written when its day was still running; otherwise the shared description."""
    day = _brief_day(source)
    if day is None:
        return describe_source(figure)["period"]
    until = str(source.get("until") or "")
    return f"{format_date_cn(day)}（截至{until}，简报生成时当日尚未结束）" if until else format_date_cn(day)


def _figure_extra(figure: Figure) -> dict[str, Any]:
    """The explanation of a monitoring figure, its period, and links to the rows it counts: its incident, or the
    list page of its kind — of the brief's day where that list filters by day (items, alerts), else the current
    list (the note says so)."""
    source = dict(figure.source)
    query = str(source.get("query") or "")
    how, links, undated = "", [], False
    day = _brief_day(source)
    incident_id = str(source.get("incident") or "")
    incident = Incident.objects.filter(pk=int(incident_id)).first() if incident_id.isdigit() else None
    if incident is not None:
        links.append({"label": f"事件“{incident.label}”",
                      "url": reverse("monitor:incident_detail", args=[incident.pk])})
    for prefix, explained, page in _QUERIES:
        if query.startswith(prefix):
            how = explained
            if page is not None and incident is None:
                label, name, params, day_param = page
                query_args = dict(parse_qsl(params))
                if prefix == "Alert.kind=":
                    query_args["kind"] = query.removeprefix(prefix)
                    label = f"{dict(Alert.Kind.choices).get(query_args['kind'], '')}{label}"
                if day_param and day is not None:
                    query_args[day_param] = day.isoformat()
                    label = f"{label}（{day.month}月{day.day}日）"
                else:
                    undated = True
                links.append({"label": label,
                              "url": reverse(name) + (f"?{urlencode(query_args)}" if query_args else "")})
            break
    later = f"简报生成于当日{source['until']}，此后的{{}}也在列表中。" if source.get("until") else ""
    if undated or incident is not None:
        note = "简报只保存汇总数，不保存逐条信息；列表为当前数据，不按简报日期筛选。" if links else ""
    elif query.startswith("Alert."):
        note = "列表为简报当日新产生的预警。" + later.format("预警")
    elif query.startswith("Incident.first_seen"):
        note = ("列表为首次出现在简报当日的事件（按现有信息计算；简报生成后补采到更早的信息时，"
                "事件的首次出现时间会提前，不再列在当日）。") + later.format("事件")
    elif query.startswith("Response."):
        note = "列表为简报当日发布过回应的事件；一个事件当日可有多件回应，详见事件页的回应记录。" + later.format("回应")
    elif query.startswith("PlacementProposal"):
        note = "列表为刊发于简报当日的全部线索（含已确认和已忽略的）。" + later.format("线索")
    elif links:
        note = ("简报只保存汇总数，不保存逐条信息；列表为简报当日现存的信息（按发布时间），"
                "已按保存期限清理的信息不在其中，简报生成后补采的信息会在其中。") + later.format("信息")
    else:
        note = ""
    described = {**describe_source(figure), "period": _period_text(source, figure)}
    return {"how": how, "rows_links": links, "rows_note": note, "described": described}


@require_GET
@manager_required
def brief_figure(request: HttpRequest, pk: int, fig_id: str) -> HttpResponse:
    """One figure of a brief (the page a tap on a figure opens): what it counts, over what, whether today's
    aggregates still give it (`reports.sources.recompute`, kind "monitor": the brief rebuilt), and the incident or
    list behind it."""
    brief = get_object_or_404(Brief, pk=pk)
    doc = Document.from_dict(brief.document) if brief.document else Document(title=brief.title, blocks=[])
    figure = doc.figure_map().get(fig_id)
    return figure_page(request, doc, fig_id,
                       page_url=reverse("monitor:brief_figure", kwargs={"pk": pk, "fig_id": fig_id}),
                       back_url=reverse("monitor:brief_detail", args=[pk]), back_title=brief.title,
                       missing="简报中没有该数据。",
                       extra=_figure_extra(figure) if figure is not None else None)


@require_GET
@manager_required
def brief_download(request: HttpRequest, pk: int) -> FileResponse:
    brief = get_object_or_404(Brief, pk=pk)
    if not brief.docx:
        raise Http404("文件不存在")
    audit.record("download", brief, user=request.user)
    name = f"{brief.title}.docx".replace("/", "-")
    return FileResponse(brief.docx.open("rb"), as_attachment=True, filename=name,
                        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
