"""Bulletins (通报): every unit with `view` reads them in the app (HTML preview) and downloads the .docx (audited)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from taizhang.core import audit
from taizhang.org.roles import Cap
from taizhang.org.views import cap_required
from taizhang.reports.document import Document
from taizhang.reports.docwriter import write_html
from taizhang.reports.views.common import document_figure_page, link_figures
from taizhang.targets.models import Bulletin
from taizhang.targets.views.adjustments import content_disposition

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _get(pk: int) -> Bulletin:
    bulletin = Bulletin.objects.select_related("run", "run__scheme", "created_by").filter(pk=pk).first()
    if bulletin is None:
        raise Http404("未找到该通报。")
    return bulletin


@require_GET
@cap_required(Cap.VIEW)
def bulletin_list(request: HttpRequest) -> HttpResponse:
    bulletins = Bulletin.objects.select_related("run", "run__scheme").order_by("-issued_on", "-id")[:200]
    return render(request, "targets/bulletin_list.html", {"bulletins": bulletins})


@require_GET
@cap_required(Cap.VIEW)
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = _get(pk)
    doc = Document.from_dict(bulletin.document)
    # write_html escapes every text and emits classes only (no style attributes, no scripts).
    preview = mark_safe(link_figures(write_html(doc), "targets:bulletin_figure", bulletin.pk))  # noqa: S308
    return render(request, "targets/bulletin_detail.html", {
        "bulletin": bulletin, "preview": preview, "figures": sum(1 for _ in doc.figures()),
    })


@require_GET
@cap_required(Cap.VIEW)
def bulletin_figure(request: HttpRequest, pk: int, fig_id: str) -> HttpResponse:
    """One figure of a bulletin: what it counts, for whom, when, whether the ledger still gives it, and the records
    behind it that the user may see (the page a tap on a figure opens, on a phone as on a desktop)."""
    bulletin = _get(pk)
    return document_figure_page(request, bulletin.document, fig_id, app="targets", pk=pk, title=bulletin.title)


@require_GET
@cap_required(Cap.VIEW)
def bulletin_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    bulletin = _get(pk)
    if not bulletin.file:
        raise Http404("该通报没有文件。")
    try:
        handle = bulletin.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件不存在（可能已被清理）。") from exc
    audit.record("download", bulletin, user=request.user, message="下载考核通报")
    response = FileResponse(handle, content_type=DOCX)
    response["Content-Disposition"] = content_disposition(bulletin.filename or "通报.docx")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
