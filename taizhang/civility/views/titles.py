"""Titles: applications reviewed level by level, titles with yearly checks and revocation, pairings (共建对子).
A refused form comes back on the titles page with what was typed and each error beside its field (status 400);
the forms of a row (an application's 审核, a title's 复查 and 撤销) have ids of their own (id_app<pk>_…,
id_check<pk>_…, id_revoke<pk>_…) and an anchor the page scrolls to."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from taizhang.civility import actions
from taizhang.civility.forms import (
    DecisionForm,
    PairingForm,
    RevokeForm,
    TitleApplicationForm,
    TitleCheckForm,
)
from taizhang.civility.models import Pairing, Title, TitleApplication, TitleKind, TitleLevel
from taizhang.civility.views.common import ids_param, visible_units
from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError
from taizhang.core.forms import place_action_errors
from taizhang.core.querysets import get_scoped
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for
from taizhang.org.views import cap_required

_Row = TypeVar("_Row", bound=tuple[Any, ...])


def _decision_form(app: TitleApplication, data: Any = None) -> DecisionForm:
    return DecisionForm(data, auto_id=f"id_app{app.pk}_%s")


def _check_form(title: Title, data: Any = None) -> TitleCheckForm:
    return TitleCheckForm(data, auto_id=f"id_check{title.pk}_%s")


def _revoke_form(title: Title, data: Any = None) -> RevokeForm:
    return RevokeForm(data, auto_id=f"id_revoke{title.pk}_%s")


def _refuse(form: Any, exc: Exception) -> None:
    """An action's refusal into the form: InvalidInput by its fields, a state change above the form."""
    if isinstance(exc, InvalidInput):
        place_action_errors(form, exc)
    else:
        form.add_error(None, getattr(exc, "message", str(exc)))


def _forms(request: HttpRequest, action: str | None) -> tuple[TitleApplicationForm, PairingForm]:
    app_form = TitleApplicationForm(request.POST if action == "apply" else None,
                                    units=visible_units(request.user, Cap.EDIT_RECORDS))
    pair_form = PairingForm(request.POST if action == "pair" else None,
                            units=visible_units(request.user, Cap.MANAGE_WORK),
                            partners=Unit.objects.filter(is_active=True).order_by("path"), auto_id="id_pair_%s")
    return app_form, pair_form


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def title_list(request: HttpRequest) -> HttpResponseBase:
    can_apply = bool(unit_ids_for(request.user, Cap.EDIT_RECORDS))
    can_manage = bool(unit_ids_for(request.user, Cap.MANAGE_WORK))
    action = request.POST.get("action") if request.method == "POST" else None
    app_form, pair_form = _forms(request, action)
    try:
        if action == "apply" and can_apply and app_form.is_valid():
            actions.apply_title(acting_user=request.user, **app_form.cleaned_data)
            messages.success(request, "申报已提交")
            return redirect("civility:title_list")
        if action == "pair" and can_manage and pair_form.is_valid():
            actions.create_pairing(acting_user=request.user, **pair_form.cleaned_data)
            messages.success(request, "共建对子已登记")
            return redirect("civility:title_list")
    except (InvalidInput, InvalidTransition, StaleObjectError) as exc:
        _refuse(app_form if action == "apply" else pair_form, exc)
    refused = request.method == "POST" and ((action == "apply" and can_apply) or (action == "pair" and can_manage))
    return _render_titles(request, app_form=app_form, pair_form=pair_form, status=400 if refused else 200)


def _render_titles(request: HttpRequest, *, app_form: TitleApplicationForm | None = None,
                   pair_form: PairingForm | None = None,
                   application: tuple[TitleApplication, DecisionForm] | None = None,
                   title: tuple[Title, TitleCheckForm | RevokeForm] | None = None, status: int = 200) -> HttpResponse:
    """The titles page. `application`: a refused review (the application and its bound form); `title`: a refused
    复查 or 撤销 (the title and the bound form). Either is shown first when it is not in its list."""
    if app_form is None or pair_form is None:
        app_form, pair_form = _forms(request, None)
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
    app_rows = [(a, _decision_form(a)) for a in TitleApplication.objects.visible_to(request.user)
                .select_related("unit").filter(status=TitleApplication.Status.SUBMITTED)]
    if application is not None:
        app_rows = _with_refused(app_rows, application)
    # (title, its 复查 form, its 撤销 form); a refused one's row has its bound form and is shown open
    title_rows = [(t, _check_form(t), _revoke_form(t)) for t in titles[:300]]
    opened = None
    if title is not None:
        failed, form = title
        opened = failed.pk
        bound = (failed, form if isinstance(form, TitleCheckForm) else _check_form(failed),
                 form if isinstance(form, RevokeForm) else _revoke_form(failed))
        title_rows = _with_refused(title_rows, bound)
    return render(request, "civility/title_list.html", {
        "app_rows": app_rows, "title_rows": title_rows, "opened": opened,
        "pairings": Pairing.objects.visible_to(request.user).select_related("unit", "partner"),
        "app_form": app_form, "pair_form": pair_form,
        "can_apply": bool(unit_ids_for(request.user, Cap.EDIT_RECORDS)),
        "can_manage": bool(unit_ids_for(request.user, Cap.MANAGE_WORK)),
        "kinds": TitleKind.choices, "levels": TitleLevel.choices, "kind": kind, "level": level,
        "managed": set(unit_ids_for(request.user, Cap.MANAGE_WORK)),
    }, status=status)


def _with_refused(rows: list[_Row], refused: _Row) -> list[_Row]:
    """`rows` (object first) with the refused object's row put in place of its own, or first when not there."""
    pk = refused[0].pk
    out = [refused if row[0].pk == pk else row for row in rows]
    if all(row[0].pk != pk for row in rows):
        out.insert(0, refused)
    return out


@require_POST
@cap_required(Cap.MANAGE_WORK)
def application_review(request: HttpRequest, pk: int) -> HttpResponseBase:
    app = get_scoped(TitleApplication.objects.select_related("unit"), request.user, Cap.MANAGE_WORK, pk=pk)
    form = _decision_form(app, request.POST)
    if form.is_valid():
        try:
            actions.review_application(acting_user=request.user, application=app,
                                       approve=form.cleaned_data["approve"], reason=form.cleaned_data["reason"])
        except (InvalidInput, InvalidTransition) as exc:
            _refuse(form, exc)
        else:
            messages.success(request, "审核意见已保存")
            return redirect("civility:title_list")
    return _render_titles(request, application=(app, form), status=400)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def title_action(request: HttpRequest, pk: int) -> HttpResponseBase:
    title = get_scoped(Title.objects.select_related("unit"), request.user, Cap.MANAGE_WORK, pk=pk)
    which = request.POST.get("action")
    form: TitleCheckForm | RevokeForm
    if which == "check":
        form = _check_form(title, request.POST)
    elif which == "revoke":
        form = _revoke_form(title, request.POST)
    else:
        messages.error(request, "请选择要做的操作（复查或撤销）")
        return redirect("civility:title_list")
    if form.is_valid():
        try:
            if isinstance(form, TitleCheckForm):
                actions.check_title(acting_user=request.user, title=title, **form.cleaned_data)
                done = "年度复查已记录"
            else:
                actions.revoke_title(acting_user=request.user, title=title, reason=form.cleaned_data["reason"])
                done = "称号已撤销"
        except (InvalidInput, InvalidTransition) as exc:
            _refuse(form, exc)
        else:
            messages.success(request, done)
            return redirect("civility:title_list")
    return _render_titles(request, title=(title, form), status=400)
