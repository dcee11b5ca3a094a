"""Reading the figures of an old summary and importing them as draft records (to bootstrap the ledger)."""

from __future__ import annotations

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
from taizhang.reports import actions
from taizhang.reports.forms import ExtractForm
from taizhang.reports.views.common import error_text
from taizhang.reports.views.templates import read_upload


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
            rows = actions.import_rows(text, min_confidence=float(form.cleaned_data["min_confidence"]))
    can_import = has_cap(request.user, Cap.EDIT_RECORDS)
    return render(request, "reports/extract.html", {
        "form": form, "rows": rows, "text": text, "can_import": can_import,
        "importable": sum(1 for r in rows or [] if r.importable),
    })


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def extract_import(request: HttpRequest) -> HttpResponse:
    text = request.POST.get("text", "")
    selected = {int(i) for i in request.POST.getlist("rows") if i.isdigit()}
    unit = Unit.objects.filter(pk=request.POST.get("unit") or 0).first()
    try:
        if unit is None:
            raise InvalidInput("请选择记录所属单位。")
        if not selected:
            raise InvalidInput("请至少勾选一个数据。")
        records = actions.import_summary(
            acting_user=request.user, unit=unit, period=parse_period(request.POST.get("period", "")), text=text,
            min_confidence=float(request.POST.get("min_confidence") or 0.6), selected=selected,
            source_name=request.POST.get("source_name", "")[:100],
        )
    except (InvalidInput, NotPermitted) as exc:
        messages.error(request, error_text(exc))
        return redirect("reports:extract")
    messages.success(request, f"已生成台账记录草稿 {len(records)} 条。请补全必填数据和佐证材料后报送审核。")
    ids = ",".join(str(r.pk) for r in records)
    return redirect(f"{reverse('ledger:record_list')}?ids={ids}")
