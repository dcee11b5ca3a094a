"""Summary pages: the list, composing a draft, the preview with clickable figures, a figure's source, export to
Word (audited), checking the draft against the ledger, finalising and deleting."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError
from taizhang.core.forms import place_action_errors
from taizhang.core.text import quoted
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap
from taizhang.org.views import cap_required, is_htmx
from taizhang.reports import actions
from taizhang.reports.checker import check_document
from taizhang.reports.composer import ComposeOptions
from taizhang.reports.docwriter import provenance_dict
from taizhang.reports.forms import CheckUploadForm, ComposeForm
from taizhang.reports.models import Summary
from taizhang.reports.output import docx_bytes, standalone_html
from taizhang.reports.views.common import (
    attachment,
    can_manage,
    figure_context,
    get_summary,
    preview_html,
)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@require_GET
@cap_required(Cap.VIEW)
def summary_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    # final summaries in view; drafts too where the user manages the work
    qs = Summary.objects.visible_to(user, Cap.VIEW).filter(
        Q(status=Summary.Status.FINAL) | Q(unit__in=Unit.objects.visible_to(user, Cap.MANAGE_WORK))
    ).select_related("unit", "created_by")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "reports/summary_list.html", {"page": page, "can_compose": has_cap(user, Cap.MANAGE_WORK)})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def summary_create(request: HttpRequest) -> HttpResponse:
    form = ComposeForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options = ComposeOptions(comparisons=data["comparisons"], ranks=data["ranks"], highlights=data["highlights"])
        try:
            summary = actions.compose_summary(acting_user=request.user, unit=data["unit"], period=data["period"],
                                              options=options, title=data.get("title") or "")
        except InvalidInput as exc:
            place_action_errors(form, exc)
        else:
            messages.success(request, f"已根据台账生成{quoted(summary.title)}初稿。点击文中任一数据可查看来源。")
            return redirect("reports:summary_detail", pk=summary.pk)
    # a refusal (the form's checks or the action's) comes back with what was chosen and 400
    return render(request, "reports/summary_create.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
@cap_required(Cap.VIEW)
def summary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    summary = get_summary(request, pk)
    doc = actions.load_document(summary)
    return render(request, "reports/summary_detail.html", {
        "summary": summary, "doc": doc, "preview": preview_html(summary, doc),
        "figure_count": len(doc.figure_map()), "can_manage": can_manage(request, summary),
        "pending": doc.plain_text().count("【待核实"),
    })


@require_GET
@cap_required(Cap.VIEW)
def figure_source(request: HttpRequest, pk: int, fig_id: str) -> HttpResponse:
    summary = get_summary(request, pk)
    doc = actions.load_document(summary)
    figure = doc.figure_map().get(fig_id)
    if figure is None:
        raise Http404("文中没有该数据（可能已被删除）。")
    context = figure_context(request, summary, figure)
    context.update(back_url=reverse("reports:summary_detail", args=[summary.pk]), back_title=summary.title)
    template = "reports/_figure_source.html" if is_htmx(request) else "reports/figure_source.html"
    return render(request, template, context)


@require_GET
@cap_required(Cap.VIEW)
def summary_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    summary = get_summary(request, pk)
    doc = actions.load_document(summary)
    name = summary.title or "工作总结"
    if fmt == "docx":
        appendix = request.GET.get("appendix") == "1"
        label = "Word（附数据来源）" if appendix else "Word"
        actions.log_export(acting_user=request.user, summary=summary, fmt=label)
        return attachment(docx_bytes(doc, appendix=appendix), f"{name}.docx", DOCX_TYPE)
    if fmt == "html":
        actions.log_export(acting_user=request.user, summary=summary, fmt="HTML")
        return attachment(standalone_html(doc).encode("utf-8"), f"{name}.html", "text/html; charset=utf-8")
    if fmt == "json":
        actions.log_export(acting_user=request.user, summary=summary, fmt="数据来源JSON")
        data = json.dumps(provenance_dict(doc), ensure_ascii=False, indent=2).encode("utf-8")
        return attachment(data, f"{name}.数据来源.json", "application/json")
    raise Http404("不支持的导出格式")


@require_GET
@cap_required(Cap.VIEW)
def summary_check(request: HttpRequest, pk: int) -> HttpResponse:
    summary = get_summary(request, pk)
    report = check_document(actions.load_document(summary))
    return render(request, "reports/check_result.html", {"summary": summary, "report": report,
                                                         "can_manage": can_manage(request, summary)})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def check_upload(request: HttpRequest) -> HttpResponse:
    """The web check-report: upload a .docx exported earlier (maybe edited in Word) and check it."""
    form = CheckUploadForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        import io

        from taizhang.core.uploads import check_upload as check_file
        from taizhang.reports.checker import check_docx_stream

        upload = form.cleaned_data["file"]
        try:
            check_file(upload, {"docx"})
            upload.seek(0)
            report = check_docx_stream(io.BytesIO(upload.read()), name=upload.name)
        except InvalidInput as exc:
            form.add_error("file", exc.message)
    return render(request, "reports/check_upload.html", {"form": form, "report": report},
                  status=400 if form.errors else 200)


def _version(request: HttpRequest) -> int:
    raw = request.POST.get("current_version") or request.POST.get("version") or "0"
    return int(raw) if raw.isdigit() else 0


@require_POST
@cap_required(Cap.MANAGE_WORK)
def summary_state(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """finalize | reopen | recompose | delete."""
    summary = get_summary(request, pk, edit=True)
    try:
        if action == "finalize":
            actions.finalize_summary(acting_user=request.user, summary=summary, expected_version=_version(request))
            messages.success(request, "已定稿。定稿后查看人员可以阅读和导出。")
        elif action == "reopen":
            actions.reopen_summary(acting_user=request.user, summary=summary, expected_version=_version(request))
            messages.success(request, "已退回草稿，可以继续修改。")
        elif action == "recompose":
            actions.recompose_summary(acting_user=request.user, summary=summary, expected_version=_version(request))
            messages.success(request, "已按台账最新数据重新生成初稿。")
        elif action == "delete":
            actions.delete_summary(acting_user=request.user, summary=summary)
            messages.success(request, f"已删除{quoted(summary.title)}。")
            return redirect("reports:summary_list")
        else:
            raise Http404("未知操作")
    except (InvalidInput, InvalidTransition, StaleObjectError) as exc:
        messages.error(request, exc.message)
    return redirect("reports:summary_detail", pk=pk)

