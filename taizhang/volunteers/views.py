"""Organiser pages (staff site): activities with shifts, sign-ups and the waiting list, the rotating QR screen,
confirming hours, manual hours with a second approver, disputes."""

from __future__ import annotations

import base64
import io
from typing import Any

import segno
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError, TaizhangError
from taizhang.core.forms import place_action_errors
from taizhang.core.numbers import refused_ids_notice, split_ids
from taizhang.core.pagination import CappedPaginator
from taizhang.core.querysets import get_scoped
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, unit_ids_for
from taizhang.org.views import cap_required
from taizhang.volunteers import actions, tokens
from taizhang.volunteers.forms import ActivityForm, DisputeResolveForm, ManualHoursForm
from taizhang.volunteers.models import Activity, Dispute, HourRecord, SignUp, Team, Volunteer


def editable_teams(user: Any) -> Any:
    return Team.objects.filter(unit_id__in=unit_ids_for(user, Cap.EDIT_RECORDS), is_active=True).order_by(
        "unit__path", "name")


def traced_ids(request: HttpRequest) -> list[int] | None:
    """The rows a figure's source link names (`?ids=1,2,3`), or None without one. Ids that are not 1..2**31-1 are
    dropped with a notice; when none is left the list is empty, not the whole table."""
    if "ids" not in request.GET:
        return None
    ids, refused = split_ids(request.GET.get("ids"), limit=20000)
    if refused:
        messages.warning(request, refused_ids_notice(refused))
    return ids


@require_GET
@cap_required(Cap.VIEW)
def activity_list(request: HttpRequest) -> HttpResponse:
    qs = Activity.objects.visible_to(request.user).select_related("team", "team__unit")
    ids = traced_ids(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    status = request.GET.get("status") or ""
    if status in Activity.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs.order_by("-starts_at", "-id"), 30).get_page(request.GET.get("page"))
    return render(request, "volunteers/activity_list.html", {
        "page": page, "status": status, "statuses": Activity.Status.choices, "traced": ids is not None,
        "can_publish": editable_teams(request.user).exists()})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.EDIT_RECORDS)
def activity_create(request: HttpRequest) -> HttpResponse:
    teams = editable_teams(request.user)
    form = ActivityForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            activity = actions.publish_activity(
                acting_user=request.user, team=d["team"], title=d["title"], place=d["place"], shifts=d["shifts"],
                description=d["description"], skills=d["skills"], latitude=d["latitude"], longitude=d["longitude"],
                geofence_m=d["geofence_m"], auto_approve=d["auto_approve"])
        except InvalidInput as exc:
            place_action_errors(form, exc)
        else:
            messages.success(request, "活动已发布，志愿者可在公众端报名。")
            return redirect("volunteers:activity_detail", pk=activity.pk)
    return render(request, "volunteers/activity_form.html", {"form": form})


@require_GET
@cap_required(Cap.VIEW)
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_scoped(Activity.objects.select_related("team__unit"), request.user, Cap.VIEW, pk=pk)
    return _render_activity(request, activity)


def _render_activity(request: HttpRequest, activity: Activity, *, manual_form: ManualHoursForm | None = None,
                     status: int = 200) -> HttpResponse:
    """The activity page; refused manual hours come back in their form (#manual-hours) with what was typed and
    each error beside its field (status 400), instead of a redirect that lost them."""
    shifts = list(activity.shifts.all())
    signups = (SignUp.objects.filter(shift__activity=activity).select_related("volunteer", "shift")
               .order_by("shift__starts_at", "created_at", "id"))
    return render(request, "volunteers/activity_detail.html", {
        "activity": activity, "shifts": shifts, "signups": signups,
        "records": HourRecord.objects.filter(activity=activity).select_related("volunteer"),
        "can_edit": can_in_unit(request.user, Cap.EDIT_RECORDS, activity.team.unit),
        "manual_form": manual_form or ManualHoursForm(),
    }, status=status)


def _signup_action(request: HttpRequest, pk: int, fn: Any, done: str) -> HttpResponse:
    signup = get_scoped(SignUp.objects.select_related("shift"), request.user, Cap.EDIT_RECORDS, pk=pk)
    try:
        fn(acting_user=request.user, signup=signup)
        messages.success(request, done)
    except TaizhangError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers:activity_detail", pk=signup.shift.activity_id)


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def signup_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _signup_action(request, pk, actions.approve_signup, "已录用。")


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def signup_reject(request: HttpRequest, pk: int) -> HttpResponse:
    return _signup_action(request, pk, actions.reject_signup, "已设为未录用，候补人员已按顺序递补。")


def _qr_context(request: HttpRequest, activity: Activity) -> dict[str, Any]:
    shifts = list(activity.shifts.all())
    wanted = request.GET.get("shift") or ""
    shift = next((s for s in shifts if str(s.pk) == wanted), None) or (shifts[0] if shifts else None)
    token = tokens.make_checkin_token(activity.pk, shift.pk) if shift else ""
    url = request.build_absolute_uri(public_path("volunteers_public:scan", activity.pk)) + f"?t={token}"
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=8, border=2, xmldecl=False)
    return {"activity": activity, "shifts": shifts, "shift": shift, "token": token, "scan_url": url,
            "qr": "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode(),
            "window": tokens.WINDOW_SECONDS}


def public_path(name: str, *args: Any) -> str:
    """The path of a public page as seen from the staff host (under /public/ when there is no public host)."""
    from taizhang.core.sites import PREFIXED_URLCONF, PUBLIC_URLCONF, public_hosts

    if public_hosts():
        return reverse(name, args=args, urlconf=PUBLIC_URLCONF)
    return reverse(name, args=args, urlconf=PREFIXED_URLCONF)


@require_GET
@cap_required(Cap.EDIT_RECORDS)
def activity_qr(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_scoped(Activity.objects.select_related("team__unit"), request.user, Cap.EDIT_RECORDS, pk=pk)
    return render(request, "volunteers/activity_qr.html", _qr_context(request, activity))


@require_GET
@cap_required(Cap.EDIT_RECORDS)
def activity_qr_frame(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_scoped(Activity.objects.select_related("team__unit"), request.user, Cap.EDIT_RECORDS, pk=pk)
    response = render(request, "volunteers/_qr_frame.html", _qr_context(request, activity))
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def activity_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_scoped(Activity.objects.select_related("team__unit"), request.user, Cap.EDIT_RECORDS, pk=pk)
    try:
        done = actions.confirm_activity_hours(acting_user=request.user, activity=activity)
        messages.success(request, f"已确认{len(done)}条服务时长；未到岗的报名已标记。")
    except TaizhangError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers:activity_detail", pk=pk)


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def activity_manual(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_scoped(Activity.objects.select_related("team__unit"), request.user, Cap.EDIT_RECORDS, pk=pk)
    form = ManualHoursForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        volunteer = Volunteer.objects.filter(number=d["number"]).first()
        if volunteer is None:
            form.add_error("number", "未找到该志愿者编号，请核对")
        else:
            try:
                actions.add_manual_hours(acting_user=request.user, volunteer=volunteer, team=activity.team,
                                         day=d["day"], hours=d["hours"], content=d["content"], activity=activity)
            except InvalidInput as exc:
                place_action_errors(form, exc)
            except (InvalidTransition, StaleObjectError) as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "已补录，须由另一名工作人员复核后生效。")
                return redirect("volunteers:activity_detail", pk=pk)
    return _render_activity(request, activity, manual_form=form, status=400)


@require_GET
@cap_required(Cap.VIEW)
def hours_list(request: HttpRequest) -> HttpResponse:
    qs = HourRecord.objects.visible_to(request.user).select_related("volunteer", "team", "activity", "approver",
                                                                     "second_approver")
    ids = traced_ids(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    show = request.GET.get("show") or ""
    if show == "pending_manual":
        qs = qs.filter(source=HourRecord.Source.MANUAL, status=HourRecord.Status.PENDING)
    elif show == "flagged":
        qs = qs.exclude(flags=[])
    # a figure's sources (ids) are counted exactly; the whole district's hours at most up to the cap
    paginator = Paginator if ids is not None else CappedPaginator
    page = paginator(qs.order_by("-day", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "volunteers/hours_list.html", {
        "page": page, "show": show, "traced": ids is not None,
        "edit_ids": unit_ids_for(request.user, Cap.EDIT_RECORDS)})


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def hours_second_approve(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_scoped(HourRecord.objects.all(), request.user, Cap.EDIT_RECORDS, pk=pk)
    try:
        actions.second_approve(acting_user=request.user, record=record)
        messages.success(request, "已复核，时长生效。")
    except TaizhangError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('volunteers:hours')}?show=pending_manual")


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def hours_reject(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_scoped(HourRecord.objects.all(), request.user, Cap.EDIT_RECORDS, pk=pk)
    try:
        actions.reject_hours(acting_user=request.user, record=record, reason=request.POST.get("reason") or "")
        messages.success(request, "已作废该时长记录。")
    except TaizhangError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers:hours")


@require_GET
@cap_required(Cap.VIEW)
def dispute_list(request: HttpRequest) -> HttpResponse:
    return _render_disputes(request, request.GET.get("state") or "open", request.GET.get("page"))


def _render_disputes(request: HttpRequest, state: str, page_number: str | None, *,
                     refused: tuple[Dispute, DisputeResolveForm] | None = None, status: int = 200) -> HttpResponse:
    """The disputes page. Each open dispute has its own 处理 form (ids id_dispute<pk>_<field>: many on a page); a
    refused one (`refused`) comes back in its form with the opinion and hours typed and the errors beside the
    fields, first on the page when it is not on the page shown (status 400, 409 when it changed meanwhile)."""
    qs = Dispute.objects.visible_to(request.user).select_related("hour_record__volunteer", "hour_record__team")
    if state in Dispute.State.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 30).get_page(page_number)
    rows = [(d, DisputeResolveForm(auto_id=f"id_dispute{d.pk}_%s")) for d in page.object_list]
    if refused is not None:
        failed, form = refused
        rows = [(d, form if d.pk == failed.pk else f) for d, f in rows]
        if all(d.pk != failed.pk for d, _f in rows):
            rows.insert(0, (failed, form))
    return render(request, "volunteers/dispute_list.html", {
        "page": page, "rows": rows, "state": state, "states": Dispute.State.choices,
        "edit_ids": unit_ids_for(request.user, Cap.EDIT_RECORDS)}, status=status)


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def dispute_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    dispute = get_scoped(Dispute.objects.select_related("hour_record__volunteer", "hour_record__team"),
                         request.user, Cap.EDIT_RECORDS, pk=pk)
    # the same ids as on the page, so the errors land beside the fields the organiser typed in
    form = DisputeResolveForm(request.POST, auto_id=f"id_dispute{dispute.pk}_%s")
    status = 400
    if form.is_valid():
        try:
            actions.resolve_dispute(acting_user=request.user, dispute=dispute,
                                    uphold=request.POST.get("uphold") == "1",
                                    resolution=form.cleaned_data["resolution"], hours=form.cleaned_data["hours"])
        except InvalidInput as exc:
            place_action_errors(form, exc)
        except (InvalidTransition, StaleObjectError) as exc:
            form.add_error(None, exc.message)
            status = 409 if isinstance(exc, StaleObjectError) else 400
        else:
            messages.success(request, "申诉已处理。")
            return redirect("volunteers:disputes")
    return _render_disputes(request, "open", None, refused=(dispute, form), status=status)
