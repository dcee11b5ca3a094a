"""Press conferences: the year's plan, filing, approval, the event, materials, coverage; spokespersons."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError
from taizhang.core.querysets import get_scoped
from taizhang.ledger.models import Placement
from taizhang.org.roles import Cap
from taizhang.org.views import cap_required
from taizhang.press import actions
from taizhang.press.forms import (
    ConferenceForm,
    CoverageForm,
    DecideForm,
    HeldForm,
    MaterialForm,
    PlanForm,
    SpokespersonForm,
)
from taizhang.press.models import Conference, ConferenceMaterial, ConferencePlan, Spokesperson
from taizhang.press.views.common import can_act, error, ids_filter, is_staff, paginate, query_without_page


@cap_required(Cap.VIEW)
def conference_list(request: HttpRequest) -> HttpResponse:
    qs = Conference.objects.visible_to(request.user).select_related("unit")
    qs, by_ids = ids_filter(request, qs)
    state = request.GET.get("state", "")
    if state in Conference.State.values:
        qs = qs.filter(state=state)
    year = timezone.localdate().year
    skipped = actions.skipped_plans(year, on=timezone.localdate(),
                                    unit_ids=ConferencePlan.objects.visible_to(request.user).values_list("unit_id",
                                                                                                        flat=True))
    return render(request, "press/conference_list.html", {
        "page": paginate(request, qs), "by_ids": by_ids, "state": state, "states": Conference.State.choices,
        "skipped": skipped, "year": year, "is_staff": is_staff(request.user), "query": query_without_page(request)})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def plan_list(request: HttpRequest) -> HttpResponseBase:
    form = PlanForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.plan_conference(acting_user=request.user, year=data["planned_date"].year, unit=data["unit"],
                                    topic=data["topic"], planned_date=data["planned_date"],
                                    spokesperson=data["spokesperson"])
            messages.success(request, "已加入年度发布计划。")
            return redirect("press:plan_list")
        except InvalidInput as exc:
            error(request, exc)
    qs = ConferencePlan.objects.visible_to(request.user).select_related("unit")
    qs, by_ids = ids_filter(request, qs)
    plans = list(paginate(request, qs.order_by("-year", "planned_date")))
    held = {c.plan_id: c for c in Conference.objects.filter(plan__in=plans)}
    rows = [{"plan": p, "conference": held.get(p.pk)} for p in plans]
    return render(request, "press/plan_list.html", {"rows": rows, "form": form, "by_ids": by_ids,
                                                    "is_staff": is_staff(request.user),
                                                    "today": timezone.localdate()})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def conference_new(request: HttpRequest) -> HttpResponseBase:
    form = ConferenceForm(request.POST or None, user=request.user)
    plan_id = request.GET.get("plan") or request.POST.get("plan")
    plan = None
    if plan_id and plan_id.isdigit():
        plan = ConferencePlan.objects.visible_to(request.user).filter(pk=int(plan_id)).first()
        if plan is not None and request.method == "GET":
            form.initial.update({"unit": plan.unit_id, "topic": plan.topic, "date": plan.planned_date,
                                 "speakers": plan.spokesperson})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            conference = actions.file_conference(
                acting_user=request.user, unit=data["unit"], topic=data["topic"], date=data["date"],
                place=data["place"], speakers=data["speakers"], by_leader=data["by_leader"], plan=plan)
            last_day, _p = actions.filing_deadline(conference.date)
            if conference.filed_late:
                messages.warning(request, f"已报备，但晚于规定时限（应于{last_day:%Y年%m月%d日}前报备）。")
            else:
                messages.success(request, "发布会已报备，待宣传部审批。")
            return redirect("press:conference_detail", conference.pk)
        except InvalidInput as exc:
            error(request, exc)
    return render(request, "press/form.html", {"form": form, "title": "报备新闻发布会", "back": "press:conference_list",
                                               "hidden": {"plan": plan.pk} if plan else {}})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def conference_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    conference = get_scoped(Conference.objects.select_related("unit", "plan"), request.user, pk=pk)
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "decide":
                form = DecideForm(request.POST)
                if form.is_valid():
                    actions.decide_conference(acting_user=request.user, conference=conference,
                                              approve=form.cleaned_data["approve"], note=form.cleaned_data["note"])
                    messages.success(request, "已审批。")
            elif op == "held":
                held = HeldForm(request.POST)
                if held.is_valid():
                    d = held.cleaned_data
                    actions.record_held(acting_user=request.user, conference=conference,
                                        expected_version=d["version"], journalists=d["journalists"],
                                        outlets_present=d["outlets_present"], speakers=d["speakers"])
                    messages.success(request, "已登记召开情况。")
                else:
                    messages.error(request, "召开情况填写有误。")
            elif op == "material":
                material = MaterialForm(request.POST, request.FILES)
                if material.is_valid():
                    actions.add_material(acting_user=request.user, conference=conference,
                                         kind=material.cleaned_data["kind"], upload=material.cleaned_data["file"])
                    messages.success(request, "材料已上传。")
                else:
                    messages.error(request, "请选择材料类型和文件。")
            elif op == "coverage":
                cover = CoverageForm(request.POST)
                if cover.is_valid():
                    ids = cover.cleaned_data["placements"]
                    found = list(Placement.objects.visible_to(request.user).filter(record_id__in=ids))
                    missing = sorted(set(ids) - {p.record_id for p in found})
                    if missing:
                        shown = "、".join(str(i) for i in missing[:10]) + ("等" if len(missing) > 10 else "")
                        cover.add_error("placements", f"用稿记录编号 {shown} 不存在或无权查看")
                    else:
                        actions.link_coverage(acting_user=request.user, conference=conference, placements=found)
                        messages.success(request, f"已关联 {len(found)} 篇报道。")
                if cover.errors:  # shown at the field, with what was typed
                    return _detail(request, conference, coverage_form=cover)
            elif op == "archive":
                actions.archive_conference(acting_user=request.user, conference=conference)
                messages.success(request, "已归档。")
        except (InvalidInput, InvalidTransition, StaleObjectError) as exc:
            error(request, exc)
        return redirect("press:conference_detail", conference.pk)
    return _detail(request, conference)


def _detail(request: HttpRequest, conference: Conference, *, coverage_form: CoverageForm | None = None) -> HttpResponse:
    last_day, provisional = actions.filing_deadline(conference.date)
    return render(request, "press/conference_detail.html", {
        "c": conference, "materials": conference.materials.all(),
        "coverage": conference.coverage.select_related("record", "outlet"),
        "decide_form": DecideForm(), "held_form": HeldForm(initial={"version": conference.version,
                                                                     "speakers": conference.speakers}),
        "material_form": MaterialForm(), "coverage_form": coverage_form or CoverageForm(),
        "is_staff": is_staff(request.user, conference.unit), "can_act": can_act(request.user, conference.unit),
        "last_day": last_day, "provisional": provisional, "today": timezone.localdate(),
    })


@cap_required(Cap.VIEW)
def material_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    material = get_scoped(ConferenceMaterial.objects.select_related("conference__unit"), request.user, pk=pk)
    audit.record("download", material, user=request.user)
    return FileResponse(material.file.open("rb"), as_attachment=True, filename=material.name)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def spokesperson_list(request: HttpRequest) -> HttpResponseBase:
    form = SpokespersonForm(request.POST or None, user=request.user,
                            initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.add_spokesperson(acting_user=request.user, year=d["year"], unit=d["unit"], name=d["name"],
                                     position=d["position"], trained=d["trained"])
            messages.success(request, "已登记。")
            return redirect("press:spokesperson_list")
        except InvalidInput as exc:
            error(request, exc)
    year = request.GET.get("year", "")
    qs = Spokesperson.objects.visible_to(request.user).select_related("unit")
    if year.isdigit():
        qs = qs.filter(year=int(year))
    return render(request, "press/spokesperson_list.html", {"page": paginate(request, qs), "form": form,
                                                            "year": year, "query": query_without_page(request)})
