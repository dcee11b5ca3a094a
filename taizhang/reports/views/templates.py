"""Template fill pages: paste or upload a template, see its slots highlighted with the proposed metric and
confidence, confirm or change each mapping (or leave it blank), then download it filled from the ledger."""

from __future__ import annotations

import html
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, StaleObjectError
from taizhang.core.querysets import get_scoped
from taizhang.org.roles import Cap
from taizhang.org.scoping import home_unit
from taizhang.org.views import cap_required
from taizhang.reports import actions
from taizhang.reports.fill import SlotPlan, fill_template, plan_slots
from taizhang.reports.forms import FillForm, TemplateForm
from taizhang.reports.metrics import metric_aliases, metric_choices
from taizhang.reports.models import SummaryTemplate
from taizhang.reports.output import docx_bytes
from taizhang.reports.views.common import attachment, error_text
from taizhang.reports.views.summaries import DOCX_TYPE

KIND_LABELS = {"equals": "等号", "x": "X", "star": "星号", "blank": "空白", "literal": "原数", "year": "年份/日期"}


def read_upload(upload: Any) -> str:
    """Text of an uploaded .txt or .docx, checked by content (core.uploads) first."""
    import io

    import docx

    from taizhang.core.errors import InvalidInput
    from taizhang.core.uploads import check_upload
    from taizhang.reports.extract import MAX_DOCUMENT_CHARS, TOO_LONG_MESSAGE

    checked = check_upload(upload, {"txt", "docx"})
    upload.seek(0)
    data = upload.read()
    if checked.kind == "docx":
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    else:
        try:
            text = str(data.decode("utf-8-sig"))
        except UnicodeDecodeError:
            text = str(data.decode("gb18030", errors="replace"))
    if len(text) > MAX_DOCUMENT_CHARS:
        raise InvalidInput(TOO_LONG_MESSAGE, {"file": [TOO_LONG_MESSAGE]})
    return text


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def template_list(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data.get("text") or ""
        upload = form.cleaned_data.get("file")
        try:
            if upload is not None:
                text = read_upload(upload)
            owner = home_unit(request.user)
            if owner is None:
                raise InvalidInput("您没有所属单位，不能保存模板。")
            template = actions.create_template(acting_user=request.user, owner=owner, name=form.cleaned_data["name"],
                                               text=text, original_name=getattr(upload, "name", "") or "")
        except InvalidInput as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, "模板已保存。请核对每处占位对应的指标。")
            return redirect("reports:template_detail", pk=template.pk)
    qs = SummaryTemplate.objects.visible_to(request.user, Cap.MANAGE_WORK).select_related("owner", "created_by")
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "reports/template_list.html", {"form": form, "page": page})


def highlighted(text: str, plans: list[SlotPlan]) -> SafeString:
    """The template text with each slot as <mark id="slot-N">, everything escaped."""
    parts: list[str] = []
    cursor = 0
    for plan in sorted(plans, key=lambda p: p.slot.span):
        start, end = plan.slot.span
        if start < cursor:
            continue
        parts.append(html.escape(text[cursor:start]))
        state = "year" if plan.is_year else ("mapped" if plan.metric else "unmapped")
        shown = html.escape(text[start:end]) or "␣"
        parts.append(f'<a class="tz-slot tz-slot--{state}" id="slot-{plan.index}" href="#row-{plan.index}" '
                     f'title="第{plan.index}处">{shown}<sup>{plan.index}</sup></a>')
        cursor = end
    parts.append(html.escape(text[cursor:]))
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308 - every piece is escaped above


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def template_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_scoped(SummaryTemplate.objects.select_related("owner"), request.user, Cap.MANAGE_WORK, pk=pk)
    aliases = metric_aliases()
    if request.method == "POST" and request.POST.get("save_mappings"):
        mappings: dict[str, str] = {}
        for key in request.POST:
            value = str(request.POST.get(key, ""))
            if key.startswith("slot_") and key[5:].isdigit() and value != "__auto__":
                mappings[key[5:]] = "" if value == "__blank__" else value
        try:
            actions.save_template_mappings(acting_user=request.user, template=template,
                                           expected_version=int(request.POST.get("version") or 0), mappings=mappings)
        except (InvalidInput, StaleObjectError) as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, "已保存数据对应关系。")
        return redirect("reports:template_detail", pk=pk)
    plans = plan_slots(template.text, aliases, template.mappings)
    names = {k: v["name"] for k, v in aliases.items()}
    rows = [{
        "plan": p, "kind_label": KIND_LABELS.get(p.slot.kind, p.slot.kind),
        "proposed_name": names.get(p.proposed or "", ""), "choice": (template.mappings or {}).get(str(p.index)),
        "section": " › ".join(p.slot.section),
    } for p in plans]
    form = FillForm(request.GET or None, user=request.user)
    preview = None
    if request.GET.get("preview") and form.is_valid():
        result = fill_template(template.text, unit=form.cleaned_data["unit"], period=form.cleaned_data["period"],
                               aliases=aliases, mappings=template.mappings)
        preview = {"result": result, "html": preview_html_fill(result.document)}
    return render(request, "reports/template_detail.html", {
        "template": template, "rows": rows, "text": highlighted(template.text, plans),
        "metric_groups": metric_choices(), "form": form, "preview": preview,
        "mapped": sum(1 for p in plans if p.metric), "years": sum(1 for p in plans if p.is_year),
    })


def preview_html_fill(doc: Any) -> str:
    from taizhang.reports.docwriter import write_html

    return write_html(doc)


@require_GET
@cap_required(Cap.MANAGE_WORK)
def template_fill(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_scoped(SummaryTemplate.objects.select_related("owner"), request.user, Cap.MANAGE_WORK, pk=pk)
    form = FillForm(request.GET or None, user=request.user)
    if not form.is_valid():
        messages.error(request, "请选择单位和时间段。")
        return redirect("reports:template_detail", pk=pk)
    unit, period = form.cleaned_data["unit"], form.cleaned_data["period"]
    result = fill_template(template.text, unit=unit, period=period, aliases=metric_aliases(),
                           mappings=template.mappings)
    from taizhang.core import audit

    audit.record("export", template, user=request.user, message=f"用模板生成 Word（{unit.code} {period.spec}）",
                 after={"unit": unit.code, "period": period.spec, "filled": result.filled, "missing": result.missing})
    return attachment(docx_bytes(result.document), f"{template.name}（{period.label}）.docx", DOCX_TYPE)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_scoped(SummaryTemplate.objects.select_related("owner"), request.user, Cap.MANAGE_WORK, pk=pk)
    actions.delete_template(acting_user=request.user, template=template)
    messages.success(request, f"已删除模板“{template.name}”。")
    return redirect("reports:template_list")

