"""Event-filing pages: the list and calendar, filing and editing, the approval chain, held, events found unfiled."""

from __future__ import annotations

import calendar
import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, StaleObjectError, TaizhangError
from taizhang.core.forms import form_page_status, refusal_status
from taizhang.core.querysets import get_scoped
from taizhang.filings import actions
from taizhang.filings.forms import DecideForm, FilingForm, HeldForm, UnfiledForm, month_start, speakers_text
from taizhang.filings.models import EventFiling, UnfiledEvent
from taizhang.ledger.forms import parse_ids
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, has_cap
from taizhang.org.views import cap_required

MAX_ID = 2**63


def _ids(request: HttpRequest) -> list[int] | None:
    raw = request.GET.get("ids", "")
    return [i for i in parse_ids(raw) if 0 < i < MAX_ID] if raw else None


@cap_required(Cap.VIEW)
def filing_list(request: HttpRequest) -> HttpResponse:
    qs = EventFiling.objects.visible_to(request.user).select_related("unit")
    ids = _ids(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    state = request.GET.get("state", "")
    if state in EventFiling.State.values:
        qs = qs.filter(state=state)
    waiting = [f for f in EventFiling.objects.visible_to(request.user).filter(
        state__in=list(actions.NEXT)).select_related("unit", "supervisor") if actions._may_decide(request.user, f)]
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "filings/filing_list.html", {
        "page": page, "by_ids": ids is not None, "state": state, "states": EventFiling.State.choices,
        "waiting": waiting, "can_file": has_cap(request.user, Cap.EDIT_RECORDS) or has_cap(request.user,
                                                                                          Cap.MANAGE_WORK)})


STALE = "该备案已被他人修改，请核对下面的内容（您填写的仍在）后重新保存；如需看到他人的修改，请刷新页面。"
ERRORS = (InvalidInput, InvalidTransition, StaleObjectError, NotPermitted)


def _refused(form: Any, exc: TaizhangError) -> int:
    return refusal_status(form, exc, stale=STALE)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def filing_new(request: HttpRequest) -> HttpResponseBase:
    form = FilingForm(request.POST or None, user=request.user)
    status = form_page_status(request)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # a refused submit keeps no half-made draft
                filing = actions.create_filing(acting_user=request.user, unit=form.cleaned_data["unit"],
                                               **form.values())
                if request.POST.get("submit_now"):
                    actions.submit_filing(acting_user=request.user, filing=filing)
        except ERRORS as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, "备案已提交，待主办单位审核。" if request.POST.get("submit_now")
                             else "备案草稿已保存。")
            return redirect("filings:filing_detail", filing.pk)
    return render(request, "filings/filing_form.html", {"form": form, "title": "活动备案"}, status=status)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def filing_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    filing = get_scoped(EventFiling.objects.select_related("unit"), request.user, pk=pk)
    initial = {f: getattr(filing, f) for f in actions.EDITABLE if f not in ("speakers", "supervisor")}
    initial["speakers"] = speakers_text(filing.speakers)
    initial["starts_at"] = timezone.localtime(filing.starts_at)
    initial["ends_at"] = timezone.localtime(filing.ends_at)
    form = FilingForm(request.POST or None, initial=initial, with_unit=False)
    status = form_page_status(request)
    version = filing.version
    if request.method == "POST":
        raw = str(request.POST.get("version") or "").strip()
        version = int(raw) if raw.isdigit() and len(raw) <= 9 else 0
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_filing(acting_user=request.user, filing=filing, expected_version=version,
                                  **form.values())
        except ERRORS as exc:
            status = _refused(form, exc)
        else:
            messages.success(request, "备案已修改。" + ("批准后的变更已转宣传部重新审核。"
                                                     if filing.state == EventFiling.State.DEPARTMENT else ""))
            return redirect("filings:filing_detail", filing.pk)
    # the version the form was read at stays, so a stale save is refused again until the user has looked
    return render(request, "filings/filing_form.html", {"form": form, "title": f"修改备案：{filing.topic}",
                                                        "version": version or filing.version}, status=status)


def _post_filing(request: HttpRequest, filing: EventFiling, sent: dict[str, Any]) -> int | None:
    """One button of the detail page. None when done (the caller redirects); else the status of the page sent back
    with what was typed (`sent` holds the bound form of the refused part)."""
    op = request.POST.get("op", "")
    if op == "submit":
        actions.submit_filing(acting_user=request.user, filing=filing)
        messages.success(request, "已提交。")
    elif op == "decide":
        decide = DecideForm(request.POST)
        sent["decide_form"] = decide
        if not decide.is_valid():
            return 400
        try:
            actions.decide_filing(acting_user=request.user, filing=filing,
                                  approve=decide.cleaned_data["approve"], reason=decide.cleaned_data["reason"])
        except ERRORS as exc:
            return _refused(decide, exc)
        messages.success(request, "已审核。")
    elif op == "held":
        held = HeldForm(request.POST)
        sent["held_form"] = held
        if not held.is_valid():
            return 400
        try:
            actions.record_held(acting_user=request.user, filing=filing, summary=held.cleaned_data["summary"],
                                attendance=held.cleaned_data["attendance"], photos=request.FILES.getlist("photos"))
        except ERRORS as exc:
            return _refused(held, exc)
        messages.success(request, "已登记举办情况。")
    elif op == "cancel":
        reason = request.POST.get("reason", "")
        try:
            actions.cancel_filing(acting_user=request.user, filing=filing, reason=reason)
        except ERRORS as exc:
            problems = getattr(exc, "errors", {}).get("reason") or [exc.message]
            sent["cancel"] = {"reason": reason[:200], "error": problems[0]}
            return 400
        messages.success(request, "已取消。")
    else:
        raise InvalidInput("未知操作，请刷新页面后重试。")
    return None


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def filing_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The filing and its buttons. A refused 审核/登记/取消 comes back on this page (400) with what was typed and the
    problem beside it; a refused bare button (提交) goes back with the reason in a message."""
    filing = get_scoped(EventFiling.objects.select_related("unit", "supervisor"), request.user, pk=pk)
    sent: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        try:
            refused = _post_filing(request, filing, sent)
        except ERRORS as exc:
            messages.error(request, exc.message)
            refused = None
        if refused is None:
            return redirect("filings:filing_detail", filing.pk)
        status = refused
        messages.error(request, "未保存：请按下面的提示修改后再提交，您填写的内容仍在。")
        filing = get_scoped(EventFiling.objects.select_related("unit", "supervisor"), request.user, pk=pk)
    due, provisional = actions.due_date(filing.kind, timezone.localtime(filing.starts_at).date())
    editable = can_in_unit(request.user, Cap.EDIT_RECORDS, filing.unit) or \
        can_in_unit(request.user, Cap.MANAGE_WORK, filing.unit)
    return render(request, "filings/filing_detail.html", {
        "f": filing, "steps": filing.steps.select_related("user"), "photos": filing.photos.all(),
        "due": due, "provisional": provisional, "lead": actions.lead_days(filing.kind),
        "can_decide": filing.state in actions.NEXT and actions._may_decide(request.user, filing),
        "stage": actions.STAGE_NAMES.get(filing.state, ""), "editable": editable,
        "decide_form": sent.get("decide_form") or DecideForm(), "held_form": sent.get("held_form") or HeldForm(),
        "cancel": sent.get("cancel"), "now": timezone.now()}, status=status)


@cap_required(Cap.VIEW)
def calendar_view(request: HttpRequest) -> HttpResponse:
    first = month_start(request.GET.get("month", ""))
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    tz = timezone.get_current_timezone()
    events = list(EventFiling.objects.visible_to(request.user).exclude(state=EventFiling.State.CANCELLED).filter(
        starts_at__range=(datetime.datetime.combine(first, datetime.time.min, tzinfo=tz),
                          datetime.datetime.combine(last, datetime.time.max, tzinfo=tz))).select_related("unit"))
    by_day: dict[int, list[EventFiling]] = {}
    for event in events:
        by_day.setdefault(timezone.localtime(event.starts_at).day, []).append(event)
    weeks = [[{"day": d, "events": by_day.get(d, [])} if d else None for d in week]
             for week in calendar.Calendar().monthdayscalendar(first.year, first.month)]
    prev_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = last + datetime.timedelta(days=1)
    return render(request, "filings/calendar.html", {"first": first, "weeks": weeks, "events": events,
                                                     "prev": prev_month, "next": next_month})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def unfiled_list(request: HttpRequest) -> HttpResponseBase:
    form = UnfiledForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.report_unfiled(acting_user=request.user, unit=d["unit"], kind=d["kind"], topic=d["topic"],
                                   held_on=d["held_on"], source=d["source"], reference=d["reference"])
        except ERRORS as exc:
            _refused(form, exc)
        else:
            messages.success(request, "已登记，并向举办单位派发整改工单。")
            return redirect("filings:unfiled_list")
    qs = UnfiledEvent.objects.visible_to(request.user).select_related("unit")
    ids = _ids(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    from taizhang.cases.models import Case

    events = list(Paginator(qs, 50).get_page(request.GET.get("page")))
    cases = {c.object_id: c for c in Case.objects.filter(kind="filing_followup",
                                                         object_id__in=[e.pk for e in events])}
    rows = [{"event": e, "case": cases.get(e.pk)} for e in events]
    return render(request, "filings/unfiled_list.html", {"rows": rows, "form": form, "by_ids": ids is not None},
                  status=form_page_status(request))
