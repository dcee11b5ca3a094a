"""The incident board (事件看板): list, detail with curves, assignment, response, closure, special report."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from taizhang.cases.models import Case
from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError
from taizhang.core.forms import place_action_errors
from taizhang.core.pagination import CappedPaginator
from taizhang.monitor import actions, charts
from taizhang.monitor.actions import manages_monitoring
from taizhang.monitor.brief import day_bounds
from taizhang.monitor.forms import AssignForm, IncidentFilterForm, ResponseForm
from taizhang.monitor.models import Alert, HourlyStat, Incident, MonitorItem, Response
from taizhang.monitor.views.common import (
    day_filter,
    get_incident,
    manager_required,
    visible_incidents,
)
from taizhang.org.roles import Cap
from taizhang.org.views import cap_required

PAGE_SIZE = 25


@require_GET
@cap_required(Cap.VIEW)
def incident_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = IncidentFilterForm(request.GET or None)
    qs = visible_incidents(user).select_related("assigned_unit")
    if form.is_valid():
        status = form.cleaned_data.get("status")
        if status == "open":
            qs = qs.exclude(status=Incident.Status.CLOSED)
        elif status:
            qs = qs.filter(status=status)
        if form.cleaned_data.get("grade"):
            qs = qs.filter(grade=form.cleaned_data["grade"])
        if form.cleaned_data.get("q"):
            qs = qs.filter(label__icontains=form.cleaned_data["q"])
    manage = manages_monitoring(user)
    all_incidents = bool(manage and request.GET.get("all"))
    if not all_incidents:
        qs = qs.filter(items_count__gte=2)
    # a daily brief's figure page opens the incidents first seen on its day, or those answered on it
    day, day_error = day_filter(request)
    if day is not None:
        start, end = day_bounds(day)
        qs = qs.filter(first_seen__gte=start, first_seen__lt=end)
    responded, responded_error = day_filter(request, "responded")
    if responded is not None:
        start, end = day_bounds(responded)
        qs = qs.filter(pk__in=Response.objects.filter(published_at__gte=start, published_at__lt=end)
                       .values("incident_id"))
    page = Paginator(qs.order_by("-last_seen", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    visible = visible_incidents(user)
    kpi = {
        "open": visible.exclude(status=Incident.Status.CLOSED).count(),
        "serious": visible.exclude(status=Incident.Status.CLOSED).filter(grade__in=["major", "severe"]).count(),
        "overdue": Case.objects.filter(kind="incident", state__in=Case.RUNNING_STATES, deadline__lt=today,
                                       object_id__in=visible.values("pk")).count(),
        "items_today": sum(HourlyStat.objects.filter(hour__gte=start).values_list("items", flat=True))
        if manage else None,
        "alerts_today": Alert.objects.filter(created_at__gte=start).count() if manage else None,
    }
    return render(request, "monitor/incident_list.html", {
        "form": form, "page": page, "kpi": kpi, "manage": manage, "all_incidents": all_incidents, "day": day,
        "responded": responded,
        "day_error": day_error or responded_error,
        "volume_chart": charts.district_volume() if manage else None,
    })


@require_GET
@cap_required(Cap.VIEW)
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_incident(request, get_incident(request.user, pk))


def _render_incident(request: HttpRequest, incident: Incident, *, assign_form: AssignForm | None = None,
                     response_form: ResponseForm | None = None, status: int = 200) -> HttpResponse:
    """The incident page; a refused assignment or response comes back in its form, with what was typed and the
    errors beside the fields (status 400), instead of a redirect that lost them."""
    user = request.user
    manage = manages_monitoring(user)
    items = MonitorItem.objects.filter(incident=incident).select_related("outlet").order_by("-at")[:20]
    return render(request, "monitor/incident_detail.html", {
        "incident": incident, "manage": manage, "can_respond": actions.can_respond(user, incident)
        and incident.assigned_unit_id is not None and incident.status != Incident.Status.CLOSED,
        "case": incident.case,  # the assignment: a case (工单) with its deadline and timeline
        "events": incident.events.select_related("user").order_by("at", "id"),
        "responses": incident.responses.select_related("unit", "recorded_by"),
        "alerts": incident.alerts.order_by("-created_at")[:10],
        "briefs": incident.briefs.order_by("-created_at")[:5] if manage else [],
        "items": items,
        "assign_form": (assign_form or AssignForm(incident=incident)) if manage else None,
        "response_form": response_form or ResponseForm(),
        "curves": charts.incident_curves(incident), "sources_chart": charts.incident_sources(incident),
        "terms_chart": charts.incident_terms(incident),
    }, status=status)


@require_POST
@manager_required
def incident_assign(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident(request.user, pk)
    form = AssignForm(request.POST, incident=incident)
    if form.is_valid():
        try:
            actions.assign_incident(
                acting_user=request.user, incident=incident, expected_version=form.cleaned_data["version"],
                unit=form.cleaned_data["unit"], deadline=form.cleaned_data["deadline"], note=form.cleaned_data["note"],
            )
        except InvalidInput as exc:
            place_action_errors(form, exc, with_message=True)
        except (InvalidTransition, StaleObjectError) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已交办{form.cleaned_data['unit'].name}。")
            return redirect("monitor:incident_detail", pk=pk)
    return _render_incident(request, incident, assign_form=form, status=400)


@require_POST
@cap_required(Cap.VIEW)
def incident_respond(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident(request.user, pk)
    form = ResponseForm(request.POST)
    if form.is_valid():
        try:
            actions.record_response(acting_user=request.user, incident=incident, **form.cleaned_data)
        except InvalidInput as exc:
            place_action_errors(form, exc, with_message=True)
        except InvalidTransition as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "回应已登记。")
            return redirect("monitor:incident_detail", pk=pk)
    return _render_incident(request, incident, response_form=form, status=400)


@require_POST
@manager_required
def incident_close(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident(request.user, pk)
    try:
        version = int(request.POST.get("version") or incident.version)
        if request.POST.get("reopen"):
            actions.reopen_incident(acting_user=request.user, incident=incident, expected_version=version)
            messages.success(request, "事件已重新打开。")
        else:
            actions.close_incident(acting_user=request.user, incident=incident, expected_version=version,
                                   note=request.POST.get("note", ""))
            messages.success(request, "事件已办结，历史记录保留。")
    except (InvalidTransition, StaleObjectError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "提交有误"))
    return redirect("monitor:incident_detail", pk=pk)


@require_POST
@manager_required
def incident_report(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_incident(request.user, pk)
    brief = actions.generate_special_report(acting_user=request.user, incident=incident)
    messages.success(request, "舆情专报已生成。")
    return redirect("monitor:brief_detail", pk=brief.pk)


@require_GET
@manager_required
def item_list(request: HttpRequest) -> HttpResponse:
    qs = MonitorItem.objects.select_related("source", "outlet", "incident").order_by("-at", "-id")
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(text__icontains=q))
    label = request.GET.get("label")
    if label in ("pos", "neg"):
        qs = qs.filter(label=label)
    elif label == "neu":  # as the hourly counts (store._bump): an item without a label counts as neutral
        qs = qs.filter(label__in=["neu", ""])
    if request.GET.get("originals"):
        qs = qs.filter(duplicate_of__isnull=True)
    day, day_error = day_filter(request)
    if day is not None:  # the items of one day by their time (`at`), as a daily brief counts them
        start, end = day_bounds(day)
        qs = qs.filter(at__gte=start, at__lt=end)
    page = CappedPaginator(qs, 30).get_page(request.GET.get("page"))  # millions of items: count at most the cap
    return render(request, "monitor/item_list.html", {"page": page, "q": q, "label": label or "", "day": day,
                                                      "day_error": day_error})
