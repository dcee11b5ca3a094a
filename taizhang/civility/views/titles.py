"""Titles: applications reviewed level by level, titles with yearly checks and revocation, pairings (共建对子)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from taizhang.civility import actions
from taizhang.civility.forms import DecisionForm, PairingForm, RevokeForm, TitleApplicationForm, TitleCheckForm
from taizhang.civility.models import Pairing, Title, TitleApplication, TitleKind, TitleLevel
from taizhang.civility.views.common import fail, ids_param, visible_units
from taizhang.core.errors import TaizhangError
from taizhang.core.querysets import get_scoped
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for
from taizhang.org.views import cap_required


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def title_list(request: HttpRequest) -> HttpResponseBase:
    can_apply = bool(unit_ids_for(request.user, Cap.EDIT_RECORDS))
    can_manage = bool(unit_ids_for(request.user, Cap.MANAGE_WORK))
    action = request.POST.get("action") if request.method == "POST" else None
    app_form = TitleApplicationForm(request.POST if action == "apply" else None,
                                    units=visible_units(request.user, Cap.EDIT_RECORDS))
    pair_form = PairingForm(request.POST if action == "pair" else None,
                            units=visible_units(request.user, Cap.MANAGE_WORK),
                            partners=Unit.objects.filter(is_active=True).order_by("path"))
    try:
        if action == "apply" and can_apply and app_form.is_valid():
            actions.apply_title(acting_user=request.user, **app_form.cleaned_data)
            messages.success(request, "申报已提交")
            return redirect("civility:title_list")
        if action == "pair" and can_manage and pair_form.is_valid():
            actions.create_pairing(acting_user=request.user, **pair_form.cleaned_data)
            messages.success(request, "共建对子已登记")
            return redirect("civility:title_list")
    except TaizhangError as exc:
        fail(request, exc)
    titles = Title.objects.visible_to(request.user).select_related("unit")
    kind = request.GET.get("kind") or ""
    level = request.GET.get("level") or ""
    if kind in TitleKind.values:
        titles = titles.filter(kind=kind)
    if level in TitleLevel.values:
        titles = titles.filter(level=level)
    ids = ids_param(request)
    if ids is not None:
        titles = titles.filter(pk__in=ids)
    return render(request, "civility/title_list.html", {
        "applications": TitleApplication.objects.visible_to(request.user).select_related("unit").filter(
            status=TitleApplication.Status.SUBMITTED),
        "titles": titles[:300], "pairings": Pairing.objects.visible_to(request.user).select_related("unit", "partner"),
        "app_form": app_form, "pair_form": pair_form, "can_apply": can_apply, "can_manage": can_manage,
        "kinds": TitleKind.choices, "levels": TitleLevel.choices, "kind": kind, "level": level,
        "decision_form": DecisionForm(), "check_form": TitleCheckForm(), "revoke_form": RevokeForm(),
        "managed": set(unit_ids_for(request.user, Cap.MANAGE_WORK)),
    })


@require_POST
@cap_required(Cap.MANAGE_WORK)
def application_review(request: HttpRequest, pk: int) -> HttpResponseBase:
    app = get_scoped(TitleApplication.objects.all(), request.user, Cap.MANAGE_WORK, pk=pk)
    form = DecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise TaizhangError("请选择审核结果")
        actions.review_application(acting_user=request.user, application=app, approve=form.cleaned_data["approve"],
                                   reason=form.cleaned_data["reason"])
        messages.success(request, "审核意见已保存")
    except TaizhangError as exc:
        fail(request, exc)
    return redirect("civility:title_list")


@require_POST
@cap_required(Cap.MANAGE_WORK)
def title_action(request: HttpRequest, pk: int) -> HttpResponseBase:
    title = get_scoped(Title.objects.all(), request.user, Cap.MANAGE_WORK, pk=pk)
    try:
        if request.POST.get("action") == "check":
            form = TitleCheckForm(request.POST)
            if not form.is_valid():
                raise TaizhangError("请填写复查年度和结果")
            actions.check_title(acting_user=request.user, title=title, **form.cleaned_data)
            messages.success(request, "年度复查已记录")
        elif request.POST.get("action") == "revoke":
            revoke = RevokeForm(request.POST)
            if not revoke.is_valid():
                raise TaizhangError("请填写撤销原因")
            actions.revoke_title(acting_user=request.user, title=title, reason=revoke.cleaned_data["reason"])
            messages.success(request, "称号已撤销")
    except TaizhangError as exc:
        fail(request, exc)
    return redirect("civility:title_list")
