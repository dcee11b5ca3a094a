"""Bonus and deduction entries: liaisons propose them for their unit with evidence; staff review them. Evidence
files are never served by URL: only the download view here, scoped like the entry and audited."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.core.forms import place_action_errors
from taizhang.core.querysets import get_scoped, parse_ids
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap
from taizhang.org.views import cap_required
from taizhang.targets import actions
from taizhang.targets.forms import AdjustmentForm, ReviewForm
from taizhang.targets.models import Adjustment, Scheme
from taizhang.targets.views.common import error_text, visible_unit_ids

A = Adjustment.Status


def content_disposition(name: str) -> str:
    from urllib.parse import quote

    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in name) or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _entry_units(user: object) -> list[int]:
    return sorted(visible_unit_ids(user, Cap.EDIT_RECORDS) | visible_unit_ids(user, Cap.MANAGE_WORK))


@require_GET
@cap_required(Cap.VIEW)
def adjustment_list(request: HttpRequest) -> HttpResponse:
    qs = Adjustment.objects.visible_to(request.user, Cap.VIEW).select_related("unit", "scheme", "proposed_by",
                                                                            "reviewed_by")
    try:
        ids = parse_ids(request.GET.get("ids") or "")
    except InvalidInput as exc:
        return HttpResponseBadRequest(exc.message, content_type="text/plain; charset=utf-8")
    if ids:
        qs = qs.filter(pk__in=ids)
    status = request.GET.get("status") or ""
    if status in A.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-date", "-id"), 30).get_page(request.GET.get("page"))
    return render(request, "targets/adjustment_list.html", {
        "page": page, "status": status, "statuses": A.choices, "traced": bool(ids),
        "can_propose": bool(_entry_units(request.user)), "can_review": has_cap(request.user, Cap.MANAGE_WORK),
        "edit_ids": visible_unit_ids(request.user, Cap.EDIT_RECORDS),
    })


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def adjustment_create(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.filter(pk__in=_entry_units(request.user), is_active=True, parent__isnull=False).order_by(
        "path")
    if not units.exists():
        return redirect("targets:adjustment_list")
    schemes = Scheme.objects.filter(is_active=True).order_by("key")
    can_approve = has_cap(request.user, Cap.MANAGE_WORK)
    form = AdjustmentForm(request.POST or None, request.FILES or None, schemes=schemes, units=units,
                          can_approve=can_approve)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            adj = actions.propose_adjustment(
                acting_user=request.user, scheme=d["scheme"], item_key=d["item_key"], unit=d["unit"], date=d["date"],
                points=d["points"], reason=d["reason"], evidence_file=d.get("evidence"),
                evidence_url=d.get("evidence_url") or "", approve=bool(d.get("approve")),
            )
        except InvalidInput as exc:
            place_action_errors(form, exc)
        else:
            messages.success(request, f"已申报{adj.unit.name}“{adj.item_name}”{adj.points}分"
                                      + ("，已审核通过。" if adj.status == A.APPROVED else "，等待部门审核。"))
            return redirect("targets:adjustment_list")
    return render(request, "targets/adjustment_form.html", {"form": form})


@require_GET
@cap_required(Cap.MANAGE_WORK)
def adjustment_review(request: HttpRequest) -> HttpResponse:
    qs = (Adjustment.objects.visible_to(request.user, Cap.MANAGE_WORK).filter(status=A.PROPOSED)
          .select_related("unit", "scheme", "proposed_by", "record").order_by("date", "id"))
    return render(request, "targets/adjustment_review.html", {"items": qs[:200], "form": ReviewForm()})


@require_POST
@cap_required(Cap.MANAGE_WORK)
def adjustment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    adj = get_scoped(Adjustment.objects.select_related("unit"), request.user, Cap.MANAGE_WORK, pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结果。")
        return redirect("targets:adjustment_review")
    try:
        actions.review_adjustment(acting_user=request.user, adjustment=adj,
                                  approve=form.cleaned_data["decision"] == "approve",
                                  comment=form.cleaned_data.get("comment") or "")
    except InvalidInput as exc:
        messages.error(request, error_text(exc))
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已审核{adj.unit.name}的“{adj.item_name}”。")
    return redirect("targets:adjustment_review")


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def adjustment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    adj = get_scoped(Adjustment.objects.select_related("unit"), request.user, Cap.EDIT_RECORDS, pk=pk)
    try:
        actions.withdraw_adjustment(acting_user=request.user, adjustment=adj)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已撤回该申报。")
    return redirect("targets:adjustment_list")


@require_GET
@cap_required(Cap.VIEW)
def adjustment_evidence(request: HttpRequest, pk: int) -> HttpResponseBase:
    adj = get_scoped(Adjustment.objects.select_related("unit"), request.user, Cap.VIEW, pk=pk)
    if not adj.evidence:
        raise Http404("该加减分没有上传文件。")
    try:
        handle = adj.evidence.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件不存在（可能已被清理）。") from exc
    audit.record("download", adj, user=request.user, message="下载加减分佐证材料")
    response = FileResponse(handle, content_type=adj.evidence_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition(adj.evidence_name or "evidence")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
