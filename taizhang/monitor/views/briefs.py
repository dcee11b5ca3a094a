"""每日舆情 and 舆情专报: list, generate, preview (HTML) and download (.docx)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from taizhang.core import audit
from taizhang.monitor import actions, charts
from taizhang.monitor.models import Brief
from taizhang.monitor.views.common import manager_required


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
    # the HTML was produced by the shared writer (reports.docwriter.write_html), which escapes all text
    return render(request, "monitor/brief_detail.html", {"brief": brief, "html": mark_safe(brief.html),  # noqa: S308
                                                         "chart": chart})


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
