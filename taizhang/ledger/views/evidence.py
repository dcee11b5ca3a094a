"""Evidence: upload (files and links), delete, download. Files live under MEDIA_ROOT, which is never served by URL:
the only way to a file is the download view here, scoped like its record and audited."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.core.querysets import get_scoped
from taizhang.ledger import evidence as evidence_actions
from taizhang.ledger.forms import EvidenceUploadForm
from taizhang.ledger.models import Evidence, Record
from taizhang.org.roles import Cap
from taizhang.org.views import cap_required


def _back(pk: int) -> HttpResponse:
    return redirect(reverse("ledger:record_detail", kwargs={"pk": pk}) + "#evidence")


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def evidence_upload(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_scoped(Record.objects.select_related("unit"), request.user, Cap.EDIT_RECORDS, pk=pk)
    form = EvidenceUploadForm(request.POST)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    files = request.FILES.getlist("file")
    try:
        created = evidence_actions.add_evidence(
            acting_user=request.user, record=record, files=files, url=data.get("url") or "",
            link_title=data.get("link_title") or "",
        )
    except (InvalidInput, InvalidTransition) as exc:
        messages.error(request, f"上传未成功：{exc.message}")
    else:
        messages.success(request, f"已添加 {len(created)} 份佐证材料。")
    return _back(record.pk)


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def evidence_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_scoped(Evidence.objects.select_related("record", "record__unit"), request.user, Cap.EDIT_RECORDS,
                      pk=pk)
    try:
        evidence_actions.remove_evidence(acting_user=request.user, evidence=item)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除佐证材料“{item.original_name or item.url}”。")
    return _back(item.record_id)


def content_disposition(name: str) -> str:
    """attachment with an ASCII fallback and the real name per RFC 5987/6266 (filename*=UTF-8'')."""
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in name) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@require_GET
@cap_required(Cap.VIEW)
def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    item = get_scoped(Evidence.objects.select_related("record"), request.user, Cap.VIEW, pk=pk)
    if not item.file:
        raise Http404("该佐证材料是链接，没有文件。")
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件不存在（可能已被清理）。") from exc
    audit.record("download", item, user=request.user, message=f"下载记录 #{item.record_id} 的佐证材料")
    response = FileResponse(handle, content_type=item.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition(item.original_name or "download")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
