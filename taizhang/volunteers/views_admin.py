"""Department pages (staff site): the dashboard (every number from the figures function), volunteers (masked; the
full record only on an explicit, audited "show"), teams and stations, certificates, service orders, and the rows
pages the figures link to (`?ids=`, scoped to the viewer)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.crypto import mask
from taizhang.core.errors import InvalidInput, TaizhangError
from taizhang.core.forms import place_action_errors
from taizhang.core.periods import parse_period
from taizhang.core.querysets import get_scoped
from taizhang.core.widgets import period_value
from taizhang.ledger import figures, providers
from taizhang.ledger.dashboard_prefetch import asking
from taizhang.ledger.models import MetricDefinition
from taizhang.ledger.providers import FigureQuery
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, home_unit, unit_ids_for
from taizhang.org.views import cap_required
from taizhang.volunteers import actions, certificates, orders
from taizhang.volunteers.forms import CertificateForm, OrderForm, TeamForm
from taizhang.volunteers.models import (
    Activity,
    Certificate,
    HourRecord,
    ServiceOrder,
    StarThreshold,
    Team,
    Volunteer,
    star_for,
)
from taizhang.volunteers.providers import hour_ids_by_unit, hours_grouped
from taizhang.volunteers.views import editable_teams, public_path, traced_ids


def _num(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


# --- dashboard ------------------------------------------------------------------------------------------------------
KPIS = ["volunteers_registered", "volunteers_active", "volunteer_teams", "volunteer_activities", "volunteer_hours",
        "certificates_issued", "service_orders", "service_order_satisfaction"]


def _bar(title: str, labels: list[str], series: list[tuple[str, list[Any]]], kind: str = "bar") -> dict[str, Any]:
    return {"title": {"text": title}, "tooltip": {"trigger": "axis"}, "legend": {"top": 24},
            "grid": {"top": 60, "left": 50, "right": 20, "bottom": 60},
            "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0, "rotate": 30}},
            "yAxis": {"type": "value"},
            "series": [{"name": n, "type": kind, "data": d} for n, d in series]}


@require_GET
@cap_required(Cap.VIEW)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every number from the figures function, in a number of queries that does not depend on the number of units
    (docs/scale.md): the figures share one `providers.memo()` and name the periods they ask (`asking`: the period
    and its months), so the providers answer the KPIs and the monthly charts in one statement of counts and one of
    hours; the metric definitions and the viewer's scope are read once; the ids behind each child's hours (its
    link) come from one query instead of one per child."""
    from django.utils import timezone

    try:
        period = parse_period(period_value(request.GET) or str(timezone.localdate().year))
    except InvalidInput as exc:
        messages.error(request, exc.message)
        period = parse_period(str(timezone.localdate().year))
    unit = home_unit(request.user)
    code = request.GET.get("unit") or ""
    if code:
        chosen = Unit.objects.filter(code=code, pk__in=unit_ids_for(request.user, Cap.VIEW)).first()
        unit = chosen or unit
    defs = {m.key: m for m in MetricDefinition.objects.filter(key__in=KPIS).select_related("line")}
    known = figures.scope_unit_ids(unit, request.user)

    def fig(key: str, by: Any = None) -> figures.FigureResult:
        return figures.compute(defs.get(key) or key, period=period, unit=unit, by=by, user=request.user,
                               known_unit_ids=known)

    with providers.memo(), asking(period, *figures.month_parts(period)):
        kpis = {k: fig(k) for k in KPIS}
        by_unit = fig("volunteer_hours", "unit")
        monthly_hours = fig("volunteer_hours", "month")
        monthly_acts = fig("volunteer_activities", "month")
        monthly_active = fig("volunteers_active", "month")
        monthly_orders = fig("service_orders", "month")
        monthly_sat = fig("service_order_satisfaction", "month")
    tree = figures.SubTrees.of(unit)
    population = (unit.population if unit and unit.population else None) or sum(
        u.population or 0 for u in (tree.children if tree else [])) if unit else 0
    reg = kpis["volunteers_registered"].value
    per10k = (reg * 10000 / Decimal(population)).quantize(Decimal("0.1")) if population else None
    # The ids behind the hours (the KPI's link and each child's), one query for all children.
    hour_ids = hour_ids_by_unit(FigureQuery(period=period, unit_ids=known))
    kpis["volunteer_hours"].records = sorted(pk for ids in hour_ids.values() for pk in ids)
    if tree is not None:
        per_child: dict[str, list[int]] = {}
        for unit_id, ids in hour_ids.items():
            owner = tree.child_of.get(unit_id)
            if owner is not None:
                per_child.setdefault(owner.code, []).extend(ids)
        for row in by_unit.breakdown:
            row.records = sorted(per_child.get(row.key, []))
    # Tables by kind of organiser and by team: the provider's own rows summed in one GROUP BY each.
    scope_ids = unit_ids_for(request.user, Cap.VIEW)
    scope = sorted(scope_ids & set(tree.child_of)) if unit and tree else None
    query = FigureQuery(period=period, unit_ids=scope)
    kinds = dict(Team.Kind.choices)
    by_kind = [(kinds.get(r["team__kind"], "其他（导入）"), r["total"]) for r in hours_grouped(query, "team__kind")]
    top_teams = [(r["team__name"] or "（未注明队伍）", r["total"]) for r in hours_grouped(query, "team__name")[:15]]
    # Star levels of the registered volunteers counted by the provider (its ids), thresholds from the data: one
    # count per level in one statement.
    reg_ids = kpis["volunteers_registered"].records
    stars = list(StarThreshold.objects.order_by("level"))
    levels: dict[str, Any] = {}
    for i, s in enumerate(stars):
        cond = Q(total_hours__gte=s.hours)
        if i + 1 < len(stars):
            cond &= Q(total_hours__lt=stars[i + 1].hours)
        levels[f"s{i}"] = Count("id", filter=cond)
    base = Volunteer.objects.filter(pk__in=reg_ids) if len(reg_ids) < 50000 else \
        Volunteer.objects.filter(status=Volunteer.Status.ACTIVE)
    counted = base.aggregate(**levels) if levels and reg_ids else {}  # no ids: nothing to count, no query
    star_counts = [(s.name, int(counted.get(f"s{i}") or 0)) for i, s in enumerate(stars)]
    months = [r.label for r in monthly_hours.breakdown]
    charts = {
        "units": _bar("各街道（单位）志愿服务时长", [r.label for r in by_unit.breakdown],
                      [("小时", [_num(r.value) for r in by_unit.breakdown])]),
        "monthly": _bar("逐月服务时长和活动场次", months,
                        [("服务时长（小时）", [_num(r.value) for r in monthly_hours.breakdown]),
                         ("活动（场）", [_num(r.value) for r in monthly_acts.breakdown]),
                         ("活跃志愿者（人）", [_num(r.value) for r in monthly_active.breakdown])], "line"),
        "orders": _bar("逐月点单和满意率", months,
                       [("点单（单）", [_num(r.value) for r in monthly_orders.breakdown]),
                        ("满意率（%）", [_num(r.value) for r in monthly_sat.breakdown])]),
        "stars": _bar("星级志愿者", [n for n, _ in star_counts], [("人", [c for _, c in star_counts])]),
    }
    return render(request, "volunteers/dashboard.html", {
        "period": period, "unit": unit, "kpis": kpis, "per10k": per10k, "population": population,
        "by_unit": by_unit, "by_kind": by_kind, "top_teams": top_teams, "charts": charts,
        "kpi_rows": [(k, f, figures.rows_link(f.rows_url, f.records[:2000]) if f.records else "")
                     for k, f in kpis.items()],
        "unit_links": [(r, figures.rows_link("volunteers:rows_hours", r.records[:2000])) for r in by_unit.breakdown],
        "star_counts": star_counts, "monthly_hours": monthly_hours,
        "units": Unit.objects.filter(pk__in=scope_ids, kind__in=("district", "street", "town")).order_by("path"),
    })


# --- volunteers -----------------------------------------------------------------------------------------------------
@require_GET
@cap_required(Cap.VIEW)
def volunteer_list(request: HttpRequest) -> HttpResponse:
    qs = Volunteer.objects.visible_to(request.user).select_related("unit")
    ids = traced_ids(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    q = (request.GET.get("q") or "").strip()
    if q:  # exact search on the blind indexes; the number by prefix
        qs = qs.filter(Q(number__istartswith=q) | Q(id_hash=actions.id_hash(q)) | Q(phone_hash=actions.phone_hash(q)))
    page = Paginator(qs.order_by("-id"), 50).get_page(request.GET.get("page"))
    thresholds = list(StarThreshold.objects.values_list("level", "hours"))  # once, not once per row
    rows = [{"v": v, "m": v.masked(), "star": star_for(v.total_hours, thresholds)} for v in page.object_list]
    return render(request, "volunteers/volunteer_list.html", {"page": page, "rows": rows, "q": q,
                                                               "traced": bool(ids)})


@require_GET
@cap_required(Cap.VIEW)
def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_scoped(Volunteer.objects.select_related("unit"), request.user, Cap.VIEW, pk=pk)
    return render(request, "volunteers/volunteer_detail.html", {
        "v": volunteer, "m": volunteer.masked(), "revealed": None,
        "can_reveal": can_in_unit(request.user, Cap.MANAGE_WORK, volunteer.unit),
        "records": HourRecord.objects.filter(volunteer=volunteer).select_related("team")[:50],
        "certs": Certificate.objects.filter(volunteer=volunteer)})


@require_POST
@cap_required(Cap.MANAGE_WORK)
def volunteer_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    volunteer = get_scoped(Volunteer.objects.select_related("unit"), request.user, Cap.MANAGE_WORK, pk=pk)
    revealed = actions.reveal(acting_user=request.user, volunteer=volunteer)
    response = render(request, "volunteers/volunteer_detail.html", {
        "v": volunteer, "m": volunteer.masked(), "revealed": revealed, "can_reveal": True,
        "records": HourRecord.objects.filter(volunteer=volunteer).select_related("team")[:50],
        "certs": Certificate.objects.filter(volunteer=volunteer)})
    response["Cache-Control"] = "no-store"
    return response


# --- teams ----------------------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def team_list(request: HttpRequest) -> HttpResponse:
    units = Unit.objects.filter(pk__in=unit_ids_for(request.user, Cap.EDIT_RECORDS)).order_by("path")
    form = TeamForm(request.POST or None, units=units)
    if request.method == "POST":
        if not units.exists():
            raise Http404
        if form.is_valid():
            d = form.cleaned_data
            try:
                actions.create_team(acting_user=request.user, unit=d["unit"], name=d["name"], kind=d["kind"],
                                    head=d["head"], contact=d["contact"], description=d["description"])
                messages.success(request, "已新增。")
                return redirect("volunteers:teams")
            except InvalidInput as exc:
                place_action_errors(form, exc)
    qs = Team.objects.visible_to(request.user).select_related("unit")
    ids = traced_ids(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    kind = request.GET.get("kind") or ""
    if kind in Team.Kind.values:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "volunteers/team_list.html", {"page": page, "form": form, "kind": kind,
                                                          "kinds": Team.Kind.choices, "can_add": units.exists()})


# --- certificates ---------------------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def certificate_list(request: HttpRequest) -> HttpResponse:
    teams = editable_teams(request.user)
    form = CertificateForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        volunteer = Volunteer.objects.filter(number=d["number"].strip().upper()).first()
        if volunteer is None:
            form.add_error("number", "未找到该志愿者编号。")
        else:
            try:
                cert = certificates.issue_certificate(acting_user=request.user, volunteer=volunteer,
                                                      issuer=d["issuer"], handler=d["handler"], contact=d["contact"],
                                                      start=d["start"], end=d["end"])
                messages.success(request, f"已出具证明 {cert.number}。")
                return redirect("volunteers:certificates")
            except InvalidInput as exc:
                place_action_errors(form, exc)
            except TaizhangError as exc:
                form.add_error(None, exc.message)
    qs = Certificate.objects.visible_to(request.user).select_related("volunteer")
    ids = traced_ids(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    rows = [{"c": c, "name": c.volunteer.masked()["real_name"]} for c in page.object_list]
    return render(request, "volunteers/certificate_list.html", {
        "page": page, "rows": rows, "form": form, "can_issue": teams.exists(),
        "edit_ids": unit_ids_for(request.user, Cap.EDIT_RECORDS)})


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    cert = get_scoped(Certificate.objects.all(), request.user, Cap.EDIT_RECORDS, pk=pk)
    try:
        certificates.revoke_certificate(acting_user=request.user, cert=cert, reason=request.POST.get("reason") or "")
        messages.success(request, "证明已撤销，公众核验将显示“已撤销”。")
    except TaizhangError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers:certificates")


@require_GET
@cap_required(Cap.VIEW)
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    from taizhang.core import audit

    cert = get_scoped(Certificate.objects.select_related("volunteer"), request.user, Cap.EDIT_RECORDS, pk=pk)
    data = certificates.write_docx(cert, request.build_absolute_uri(public_path("volunteers_public:verify")))
    audit.record("download", cert, user=request.user, message="下载志愿服务证明")
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument."
                                               "wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.docx"'
    return response


# --- service orders -------------------------------------------------------------------------------------------------
def _stations(user: Any) -> QuerySet[Team]:
    return editable_teams(user).filter(kind__in=orders.STATIONS)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def order_list(request: HttpRequest) -> HttpResponse:
    stations = _stations(request.user)
    form = OrderForm(request.POST or None, stations=stations)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            orders.place_order(acting_user=request.user, station=d["station"], orderer_kind=d["orderer_kind"],
                               orderer_name=d["orderer_name"], orderer_phone=d["orderer_phone"],
                               category=d["category"], title=d["title"], description=d["description"],
                               wanted_on=d["wanted_on"])
            messages.success(request, "已点单。")
            return redirect("volunteers:orders")
        except InvalidInput as exc:
            place_action_errors(form, exc)
    qs = ServiceOrder.objects.visible_to(request.user).select_related("station", "team")
    ids = traced_ids(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    state = request.GET.get("state") or ""
    if state in ServiceOrder.State.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    edit_ids = unit_ids_for(request.user, Cap.EDIT_RECORDS)
    rows = [{"o": o, "name": mask(o.orderer_name, "name"),
             "rate_url": request.build_absolute_uri(public_path("volunteers_public:rate", orders.rating_token(o)))
             if o.state == ServiceOrder.State.DELIVERED else ""}
            for o in page.object_list]
    return render(request, "volunteers/order_list.html", {
        "page": page, "rows": rows, "form": form, "state": state, "states": ServiceOrder.State.choices,
        "can_order": stations.exists(), "edit_ids": edit_ids,
        "teams": Team.objects.filter(unit_id__in=unit_ids_for(request.user, Cap.EDIT_RECORDS), is_active=True,
                                     kind=Team.Kind.TEAM).order_by("name")[:300]})


@require_POST
@cap_required(Cap.EDIT_RECORDS)
def order_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    order = get_scoped(ServiceOrder.objects.all(), request.user, Cap.VIEW, pk=pk)
    try:
        if step == "dispatch":
            team = get_scoped(Team.objects.all(), request.user, Cap.VIEW, pk=int(request.POST.get("team") or 0))
            orders.dispatch_order(acting_user=request.user, order=order, team=team)
        elif step == "accept":
            orders.accept_order(acting_user=request.user, order=order)
        elif step == "deliver":
            activity = None
            if (request.POST.get("activity") or "").isdigit():
                activity = get_scoped(Activity.objects.all(), request.user, Cap.VIEW,
                                      pk=int(request.POST["activity"]))
            orders.deliver_order(acting_user=request.user, order=order, note=request.POST.get("note") or "",
                                 activity=activity)
        elif step == "rate":
            orders.rate_order(acting_user=request.user, order=order, rating=int(request.POST.get("rating") or 0),
                              comment=request.POST.get("comment") or "")
        elif step == "cancel":
            orders.cancel_order(acting_user=request.user, order=order, reason=request.POST.get("reason") or "")
        else:
            raise Http404
        messages.success(request, "已办理。")
    except (TaizhangError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "输入有误。"))
    return redirect("volunteers:orders")
