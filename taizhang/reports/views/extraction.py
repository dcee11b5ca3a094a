"""Reading the figures of an old summary and importing them as draft records (to bootstrap the ledger).

The page lists every figure with its status (reports.summary_import): sure and exact ones are ticked, unsure or
approximate ones are shown with the Chinese metric name and the sentence for a person to confirm, correct the metric
or leave unticked; nothing unsure is written without that tick."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.periods import parse_period
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap
from taizhang.org.views import cap_required
from taizhang.reports import summary_import
from taizhang.reports.forms import ExtractForm
from taizhang.reports.metrics import metric_choices
from taizhang.reports.views.common import error_text
from taizhang.reports.views.templates import read_upload


def _confidence(raw: Any) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return summary_import.SURE_CONFIDENCE
    return min(1.0, max(0.0, value))


def _context(request: HttpRequest, form: ExtractForm, rows: list[summary_import.ImportRow] | None, text: str,
             **extra: Any) -> dict[str, Any]:
    return {
        "form": form, "rows": rows, "text": text, "can_import": has_cap(request.user, Cap.EDIT_RECORDS),
        "importable": sum(1 for r in rows or [] if r.status == summary_import.READY),
        "to_confirm": sum(1 for r in rows or [] if r.status == summary_import.CONFIRM),
        "metric_groups": metric_choices() if rows else [], **extra,
    }


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def extract_page(request: HttpRequest) -> HttpResponse:
    form = ExtractForm(request.POST or None, request.FILES or None, user=request.user)
    rows = None
    text = ""
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data.get("text") or ""
        upload = form.cleaned_data.get("file")
        try:
            if upload is not None:
                text = read_upload(upload)
            if not text.strip():
                raise InvalidInput("请粘贴工作总结或上传文件。")
        except InvalidInput as exc:
            form.add_error(None, exc.message)
        else:
            rows = summary_import.import_rows(text, min_confidence=_confidence(form.cleaned_data["min_confidence"]))
    return render(request, "reports/extract.html", _context(request, form, rows, text))


def _chosen(request: HttpRequest) -> tuple[set[int], dict[int, str]]:
    selected = {int(i) for i in request.POST.getlist("rows") if i.isdigit()}
    metrics = {}
    for index in selected:
        key = request.POST.get(f"metric-{index}", "").strip()
        if key:
            metrics[index] = key[:64]
    return selected, metrics


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def extract_import(request: HttpRequest) -> HttpResponse:
    text = request.POST.get("text", "")
    selected, metrics = _chosen(request)
    unit = Unit.objects.filter(pk=request.POST.get("unit") or 0).first() if str(
        request.POST.get("unit", "")).isdigit() else None
    min_confidence = _confidence(request.POST.get("min_confidence"))
    try:
        if unit is None:
            raise InvalidInput("请选择记录所属单位。")
        if not selected:
            raise InvalidInput("请至少勾选一个数据。")
        records = summary_import.import_summary(
            acting_user=request.user, unit=unit, period=parse_period(request.POST.get("period", "")), text=text,
            min_confidence=min_confidence, selected=selected, metrics=metrics,
            source_name=request.POST.get("source_name", "")[:100],
        )
    except (InvalidInput, NotPermitted) as exc:
        # nothing lost: the same rows again, with the user's ticks and metric choices, and the reason
        messages.error(request, error_text(exc))
        if not text.strip():
            return redirect("reports:extract")
        form = ExtractForm(user=request.user, initial={"text": text})
        rows = summary_import.import_rows(text, min_confidence=min_confidence, metrics=metrics)
        problems = getattr(exc, "errors", {}) or {}
        return render(request, "reports/extract.html", _context(
            request, form, rows, text, reselect=True, selected=selected, chosen_metrics=metrics, problems=problems,
            unit_pk=unit.pk if unit else "", period_spec=request.POST.get("period", ""),
            min_confidence=min_confidence), status=400)
    messages.success(request, f"已生成台账记录草稿 {len(records)} 条。请补全必填数据和佐证材料后报送审核。")
    ids = ",".join(str(r.pk) for r in records)
    return redirect(f"{reverse('ledger:record_list')}?ids={ids}")
