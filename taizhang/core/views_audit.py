"""The audit viewer (view_audit: the audit administrator only): filter, read, export to xlsx or csv.

Nothing here changes a row: the log is append-only (core.db triggers). Every export is itself audited, with the
filters used and the number of rows.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from taizhang.core import audit
from taizhang.core.audit_labels import channel_label, field_label, object_type_label, roles_label
from taizhang.core.models import AuditEntry
from taizhang.core.pagination import CappedPaginator
from taizhang.core.permissions import VIEW_AUDIT, cap_required

EXPORT_MAX_ROWS = 200_000
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = [
    ("时间", 20), ("用户", 14), ("角色", 16), ("地址", 16), ("渠道", 8), ("操作", 12), ("对象类型", 18),
    ("对象ID", 10), ("对象", 30), ("结果", 6), ("说明", 40), ("修改前", 40), ("修改后", 40), ("请求ID", 18),
]


def action_choices() -> list[tuple[str, str]]:
    return [("", "全部操作"), *sorted(audit.ACTIONS.items(), key=lambda kv: kv[0])]


class AuditFilterForm(forms.Form):
    start = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    user = forms.CharField(label="用户", required=False, max_length=150)
    action = forms.ChoiceField(label="操作", required=False, choices=action_choices)
    object_type = forms.CharField(label="对象类型", required=False, max_length=64)
    success = forms.ChoiceField(label="结果", required=False, choices=[("", "全部"), ("1", "成功"), ("0", "失败")])
    address = forms.CharField(label="地址", required=False, max_length=64)
    q = forms.CharField(label="关键词", required=False, max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "结束日期不能早于开始日期")
        return data


@dataclass
class Filtered:
    form: AuditFilterForm
    queryset: QuerySet[AuditEntry]
    description: dict[str, str]


def filtered(request: HttpRequest) -> Filtered:
    form = AuditFilterForm(request.GET or None)
    qs = AuditEntry.objects.all()
    described: dict[str, str] = {}
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        tz = timezone.get_current_timezone()
        if d.get("start"):
            qs = qs.filter(timestamp__gte=datetime.datetime.combine(d["start"], datetime.time.min, tzinfo=tz))
        if d.get("end"):
            qs = qs.filter(timestamp__lt=datetime.datetime.combine(d["end"] + datetime.timedelta(days=1),
                                                                   datetime.time.min, tzinfo=tz))
        if d.get("user"):
            qs = qs.filter(username__icontains=d["user"].strip())
        if d.get("action"):
            qs = qs.filter(action=d["action"])
        if d.get("object_type"):
            qs = qs.filter(object_type__icontains=d["object_type"].strip())
        if d.get("success") in ("0", "1"):
            qs = qs.filter(success=d["success"] == "1")
        if d.get("address"):
            qs = qs.filter(address__startswith=d["address"].strip())
        if d.get("q"):
            text = d["q"].strip()
            qs = qs.filter(Q(object_repr__icontains=text) | Q(message__icontains=text) | Q(object_id=text)
                           | Q(request_id=text))
        described = {k: str(v) for k, v in d.items() if v not in (None, "")}
    return Filtered(form, qs.order_by("-timestamp", "-id"), described)


_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _shown(value: Any) -> Any:
    """A stored moment ("2026-12-06T10:08:00+00:00") as local time, like every other time on the page."""
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return value


def _label(entry: AuditEntry) -> AuditEntry:
    """Readable names beside the stored codes (roles, channel, object type)."""
    entry.action_label = audit.ACTIONS.get(entry.action, entry.action)  # type: ignore[attr-defined]
    entry.roles_label = roles_label(entry.roles)  # type: ignore[attr-defined]
    entry.channel_label = channel_label(entry.channel)  # type: ignore[attr-defined]
    entry.object_type_label = object_type_label(entry.object_type)  # type: ignore[attr-defined]
    return entry


@require_GET
@cap_required(VIEW_AUDIT)
@never_cache
def audit_list(request: HttpRequest) -> HttpResponse:
    result = filtered(request)
    page = CappedPaginator(result.queryset, 50).get_page(request.GET.get("page"))  # the log grows without end
    page.object_list = list(page.object_list)
    for entry in page.object_list:
        _label(entry)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/audit_list.html", {
        "form": result.form, "page": page, "labels": audit.ACTIONS, "query": query.urlencode(),
        "total": page.paginator.count,
    })


@require_GET
@cap_required(VIEW_AUDIT)
@never_cache
def audit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = AuditEntry.objects.filter(pk=pk).first()
    if entry is None:
        raise Http404("未找到该审计记录。")
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    changes = [{"field": field_label(entry.object_type, k), "code": k, "before": _shown(before.get(k)),
                "after": _shown(after.get(k)), "changed": before.get(k) != after.get(k)} for k in keys]
    _label(entry)
    return render(request, "core/audit_detail.html", {
        "entry": entry, "changes": changes, "label": audit.ACTIONS.get(entry.action, entry.action),
        "raw_before": entry.before if entry.before is not None and not isinstance(entry.before, dict) else None,
        "raw_after": entry.after if entry.after is not None and not isinstance(entry.after, dict) else None,
    })


def _inert(value: Any) -> Any:
    """Text a spreadsheet could read as a formula gets a leading apostrophe."""
    if isinstance(value, str):
        value = "".join(ch for ch in value if ch in "\t\n\r" or ord(ch) >= 32)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def _row(e: AuditEntry) -> list[Any]:
    import json

    def js(v: Any) -> str:
        return "" if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True)[:32000]

    return [timezone.localtime(e.timestamp).strftime("%Y-%m-%d %H:%M:%S"), e.username, roles_label(e.roles),
            e.address, channel_label(e.channel), audit.ACTIONS.get(e.action, e.action),
            object_type_label(e.object_type), e.object_id, e.object_repr,
            "成功" if e.success else "失败", e.message, js(e.before), js(e.after), e.request_id]


def _rows(qs: QuerySet[AuditEntry]) -> Iterator[list[Any]]:
    for e in qs[:EXPORT_MAX_ROWS].iterator(chunk_size=2000):
        yield [_inert(v) for v in _row(e)]


def content_disposition(name: str) -> str:
    """attachment; an ASCII fallback and the real name per RFC 6266 / 5987."""
    from urllib.parse import quote

    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in name) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@cap_required(VIEW_AUDIT)
def audit_export(request: HttpRequest) -> HttpResponse:
    result = filtered(request)
    if result.form.is_bound and not result.form.is_valid():
        return render(request, "core/audit_list.html", {
            "form": result.form, "page": None, "labels": audit.ACTIONS, "query": "", "total": 0,
        }, status=400)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        fmt = "xlsx"
    count = min(result.queryset.count(), EXPORT_MAX_ROWS)
    stamp = timezone.localtime().strftime("%Y%m%d_%H%M")
    filename = f"审计日志_{stamp}.{fmt}"
    audit.record("export", None, user=request.user, object_type="core.auditentry", object_repr="审计日志",
                 message=f"导出审计日志 {count} 条（{fmt}）", after={"filters": result.description, "format": fmt,
                                                                "rows": count})
    qs = result.queryset
    if fmt == "csv":
        writer = csv.writer(_Echo())

        def stream() -> Iterator[str]:
            yield "\ufeff" + writer.writerow([c for c, _ in COLUMNS])
            for row in _rows(qs):
                yield writer.writerow(row)

        response: HttpResponse = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")  # type: ignore[assignment]
    else:
        response = HttpResponse(_xlsx(qs), content_type="application/vnd.openxmlformats-officedocument"
                                                        ".spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store"
    return response


def _xlsx(qs: QuerySet[AuditEntry]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    for idx, (_, width) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = width
    header = []
    for title, _ in COLUMNS:
        cell = WriteOnlyCell(ws, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    for row in _rows(qs):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
