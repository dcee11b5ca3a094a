"""Excel pages: template download, upload with background validation and progress, import history, export."""

from __future__ import annotations

import os
import re
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from taizhang.core import audit
from taizhang.core.errors import InvalidInput
from taizhang.core.jobs import enqueue
from taizhang.core.models import Job
from taizhang.ledger.excel.exporter import export_filename, export_records
from taizhang.ledger.excel.filters import clean_params, filter_records
from taizhang.ledger.excel.forms import ImportForm
from taizhang.ledger.excel.importer import file_sha256
from taizhang.ledger.excel.templates import build_template, template_filename
from taizhang.ledger.jobs import IMPORT_DIR
from taizhang.ledger.models import ActivityType, ImportBatch, Record
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap

SLUG = re.compile(r"[-a-zA-Z0-9_]+")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_EXPORT_ROWS = 100_000
HISTORY_SIZE = 30
MAX_LINK_IDS = 400


def _user(request: HttpRequest) -> Any:
    """The logged-in user (the views are behind login_required)."""
    return request.user


def _require(request: HttpRequest, cap: str) -> None:
    if not has_cap(request.user, cap):
        raise PermissionDenied("您没有执行此操作的权限。")


def _xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _types_by_line() -> list[dict[str, Any]]:
    groups: dict[int, dict[str, Any]] = {}
    for t in ActivityType.objects.filter(is_active=True, line__is_active=True).select_related("line"):
        groups.setdefault(t.line_id, {"name": t.line.name, "types": []})["types"].append(t)
    return list(groups.values())


@login_required
@require_GET
def template_index(request: HttpRequest) -> HttpResponse:
    _require(request, Cap.EDIT_RECORDS)
    key = request.GET.get("type", "").strip()
    if key:
        if not SLUG.fullmatch(key):
            raise Http404("活动类型不存在")
        return redirect("ledger:excel_template", type_key=key)
    return render(request, "ledger/excel/templates.html", {"lines": _types_by_line()})


@login_required
@require_GET
def template_download(request: HttpRequest, type_key: str) -> HttpResponse:
    _require(request, Cap.EDIT_RECORDS)
    atype = get_object_or_404(ActivityType.objects.select_related("line"), key=type_key, is_active=True)
    data = build_template(atype, user=request.user)
    audit.record("download", atype, user=request.user, message="下载导入模板")
    return _xlsx_response(data, template_filename(atype))


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    _require(request, Cap.EDIT_RECORDS)
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES, user=request.user)
    else:
        form = ImportForm(user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        # Generated name only: the user's file name is kept in the batch, never used on disk.
        stored = default_storage.save(f"{IMPORT_DIR}{uuid.uuid4().hex}.xlsx", ContentFile(data))
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                sha256=file_sha256(data), filename=os.path.basename(upload.name or "import.xlsx")[:200],
                unit=form.cleaned_data["unit"], activity_type=form.cleaned_data["activity_type"],
                created_by=_user(request),
            )
            enqueue("ledger.import", {"batch_id": batch.pk, "file": stored, "submit": form.cleaned_data["submit"]},
                    user=request.user)
        return redirect("ledger:excel_import_detail", pk=batch.pk)
    batches = ImportBatch.objects.filter(created_by=_user(request)).select_related("unit", "activity_type")
    return render(request, "ledger/excel/import.html", {
        "form": form, "lines": _types_by_line(), "batches": batches[:HISTORY_SIZE],
    })


def _own_batch(request: HttpRequest, pk: int) -> ImportBatch:
    return get_object_or_404(
        ImportBatch.objects.select_related("unit", "activity_type"), pk=pk, created_by=_user(request)
    )


def records_url(batch: ImportBatch) -> str:
    """The record list showing the batch's records (`?batch=`, understood by the list and by
    `excel.filters.filter_records`)."""
    try:
        base = reverse("ledger:record_list")
    except NoReverseMatch:
        base = "/ledger/records/"
    if batch.status != ImportBatch.Status.COMMITTED or not batch.created:
        return base
    # by batch (not by ids): the list then says these are the import's records, not a figure's sources
    return f"{base}?batch={batch.pk}"


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _own_batch(request, pk)
    job = (
        Job.objects.filter(kind="ledger.import", params__batch_id=batch.pk, created_by=_user(request))
        .order_by("-created_at").first()
    )
    validating = batch.status == ImportBatch.Status.VALIDATING
    return render(request, "ledger/excel/batch.html", {
        "batch": batch, "job": job, "records_url": records_url(batch),
        "export_url": f"{reverse('ledger:export')}?batch={batch.pk}",
        "running": validating and job is not None and not job.finished,
        # the job ended without finishing the batch (a crashed worker): say so instead of polling forever
        "broken": validating and (job is None or job.finished),
    })


@login_required
@require_GET
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the batch page: 204 while validating, then HX-Refresh so the page shows the result."""
    batch = _own_batch(request, pk)
    job = Job.objects.filter(kind="ledger.import", params__batch_id=batch.pk).order_by("-created_at").first()
    if batch.status == ImportBatch.Status.VALIDATING and job is not None and not job.finished:
        return HttpResponse(status=204)
    response = HttpResponse(batch.get_status_display())
    response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    _require(request, Cap.VIEW)
    qs: QuerySet[Record] = Record.objects.visible_to(request.user, Cap.VIEW)
    try:
        qs = filter_records(qs, request.GET)
    except InvalidInput as exc:
        return render(request, "ledger/excel/export_error.html", {"message": exc.message}, status=400)
    count = qs.count()
    if count > MAX_EXPORT_ROWS:
        message = f"符合条件的记录有 {count} 条，超过单次导出上限 {MAX_EXPORT_ROWS} 条，请缩小筛选范围。"
        return render(request, "ledger/excel/export_error.html", {"message": message}, status=400)
    data = export_records(qs)
    params = clean_params(request.GET)
    audit.record("export", None, user=request.user, object_type="ledger.record",
                 object_repr=f"导出台账记录 {count} 条", after={"count": count, "filters": params},
                 message=f"导出 {count} 条记录")
    return _xlsx_response(data, export_filename())
