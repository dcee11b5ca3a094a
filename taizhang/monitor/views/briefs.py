"""每日舆情 and 舆情专报: list, generate, preview (HTML, each figure linked to its source page) and download
(.docx)."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from taizhang.core import audit
from taizhang.monitor import actions, charts
from taizhang.monitor.models import Brief, Incident
from taizhang.monitor.views.common import manager_required
from taizhang.reports.document import Document
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
# the explanation and the list page of the rows it counts (label, URL name, query string).
_HOURLY = "全区监测信息的小时汇总（HourlyStat）中{}，按当日各小时相加（原始信息清理后汇总仍保留）"
_QUERIES: list[tuple[str, str, tuple[str, str, str] | None]] = [
    ("HourlyStat.positive", _HOURLY.format("正面信息的条数"), ("正面监测信息", "monitor:item_list", "label=pos")),
    ("HourlyStat.negative", _HOURLY.format("负面信息的条数"), ("负面监测信息", "monitor:item_list", "label=neg")),
    ("HourlyStat.neutral", _HOURLY.format("中性信息的条数"), ("中性监测信息", "monitor:item_list", "label=neu")),
    ("HourlyStat", _HOURLY.format("的条数（含转载重复、命中关注词、来源级别）"), ("监测信息", "monitor:item_list", "")),
    ("IncidentHourly", "舆情事件的小时汇总：事件当日各小时的信息条数之和", None),
    ("Incident.first_seen", "当日首次出现的舆情事件个数", ("舆情事件（全部）", "monitor:incident_list", "all=1")),
    ("Incident.", "舆情事件的累计统计（截至生成简报时）", None),
    ("Alert.", "当日新产生的预警条数", ("预警", "monitor:alert_list", "")),
    ("Response.", "当日各责任单位公开发布的回应件数", ("舆情事件（全部）", "monitor:incident_list", "all=1")),
    ("Case.kind=incident, deadline", "舆情事件工单中截至次日已逾期、仍在办理的件数（回应期限按工作日计算）",
     ("逾期的舆情工单", "cases:case_list", "kind=incident&overdue=on")),
    ("Case.", "舆情事件工单中截至次日到期、仍在办理的件数（回应期限按工作日计算）",
     ("在办的舆情工单", "cases:case_list", "kind=incident")),
    ("PlacementProposal", "当日发现的对外宣传用稿线索篇数", ("用稿线索", "monitor:proposal_list", "")),
]


def _figure_extra(source: dict[str, Any]) -> dict[str, Any]:
    """The explanation of a monitoring figure and links to the rows it counts: its incident, or the list page of
    its kind (today's list, not filtered by the brief's day: the note says so)."""
    query = str(source.get("query") or "")
    how, links = "", []
    incident_id = str(source.get("incident") or "")
    incident = Incident.objects.filter(pk=int(incident_id)).first() if incident_id.isdigit() else None
    if incident is not None:
        links.append({"label": f"事件“{incident.label}”",
                      "url": reverse("monitor:incident_detail", args=[incident.pk])})
    for prefix, explained, page in _QUERIES:
        if query.startswith(prefix):
            how = explained
            if page is not None and incident is None:
                label, name, params = page
                links.append({"label": label, "url": reverse(name) + (f"?{params}" if params else "")})
            break
    return {"how": how, "rows_links": links,
            "rows_note": "简报只保存汇总数，不保存逐条信息；列表为当前数据，不按简报日期筛选。" if links else ""}


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
                       extra=_figure_extra(dict(figure.source)) if figure is not None else None)


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
