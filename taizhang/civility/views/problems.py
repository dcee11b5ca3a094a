"""The problem list (清单) and a problem's page: rectification by the unit, re-inspection (销号) by the 文明办;
photos served only to those who may see their inspection or problem."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.civility.actions import rectify_problem, reinspect_problem
from taizhang.civility.actions.problems import can_reinspect, get_case, reinspectable
from taizhang.civility.forms import RectifyForm, ReinspectForm
from taizhang.civility.models import Inspection, Photo, Problem, SiteType
from taizhang.civility.views.common import fail, ids_param
from taizhang.core.errors import InvalidInput, TaizhangError
from taizhang.core.forms import place_action_errors
from taizhang.core.querysets import get_scoped
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, unit_ids_for
from taizhang.org.views import cap_required


def problem_queryset(request: HttpRequest) -> tuple[QuerySet[Problem], dict[str, str]]:
    qs = Problem.objects.visible_to(request.user).select_related("site", "unit", "standard")
    filters = {k: (request.GET.get(k) or "").strip() for k in ("status", "flag", "type", "q", "unit")}
    if filters["status"] in Problem.Status.values:
        qs = qs.filter(status=filters["status"])
    if filters["flag"] == "recurring":
        qs = qs.filter(recurring=True)
    elif filters["flag"] == "recheck":
        qs = qs.filter(pk__in=reinspectable(request.user).values("pk"))
    elif filters["flag"] == "overdue":
        today = timezone.localdate()
        qs = qs.filter(deadline__lt=today).exclude(status__in=[Problem.Status.CLOSED, Problem.Status.CANCELLED])
    if filters["type"] in SiteType.values:
        qs = qs.filter(site__type=filters["type"])
    if filters["q"]:
        qs = qs.filter(Q(description__icontains=filters["q"][:50]) | Q(site__name__icontains=filters["q"][:50]))
    if filters["unit"]:
        from taizhang.org.models import Unit

        unit = Unit.objects.filter(code=filters["unit"], pk__in=unit_ids_for(request.user, Cap.VIEW)).first()
        if unit is not None:
            qs = qs.filter(unit__path__startswith=unit.path)
    ids = ids_param(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.order_by("-found_on", "-id"), filters


@require_GET
@cap_required(Cap.VIEW)
def problem_list(request: HttpRequest) -> HttpResponse:
    qs, filters = problem_queryset(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "civility/problem_list.html", {
        "page": page, "filters": filters, "statuses": Problem.Status.choices, "types": SiteType.choices,
        "today": timezone.localdate(),
    })


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def problem_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    problem = get_scoped(Problem.objects.select_related("site", "unit", "standard", "inspection",
                                                        "recurrence_of"), request.user, Cap.VIEW, pk=pk)
    can_rectify = can_in_unit(request.user, Cap.EDIT_RECORDS, problem.unit) and problem.status == Problem.Status.OPEN
    reinspect_now = problem.status == Problem.Status.RECTIFIED and can_reinspect(request.user, problem)
    rectify_form = RectifyForm(prefix="r")
    reinspect_form = ReinspectForm(prefix="v")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "rectify" and can_rectify:
                rectify_form = RectifyForm(request.POST, request.FILES, prefix="r")
                status = 400
                if rectify_form.is_valid():
                    try:
                        rectify_problem(acting_user=request.user, problem=problem,
                                        reply=rectify_form.cleaned_data["reply"],
                                        before=request.FILES.getlist("r-before"),
                                        after=request.FILES.getlist("r-after"))
                    except InvalidInput as exc:
                        place_action_errors(rectify_form, exc,
                                            aliases=_photo_aliases(request, "r", ("before", "after")))
                    else:
                        messages.success(request, "整改情况已报送，等待复查")
                        return redirect("civility:problem_detail", pk=problem.pk)
            elif action == "reinspect" and reinspect_now:
                reinspect_form = ReinspectForm(request.POST, request.FILES, prefix="v")
                status = 400
                if reinspect_form.is_valid():
                    passed = reinspect_form.cleaned_data["passed"]
                    try:
                        reinspect_problem(acting_user=request.user, problem=problem, passed=passed,
                                          note=reinspect_form.cleaned_data["note"],
                                          photos=request.FILES.getlist("v-photo"))
                    except InvalidInput as exc:
                        place_action_errors(reinspect_form, exc, aliases=_photo_aliases(request, "v", ("photo",)))
                    else:
                        messages.success(request, "复查通过，问题已销号" if passed else "复查未通过，已退回责任单位")
                        return redirect("civility:problem_detail", pk=problem.pk)
            else:
                # a form opened before the problem moved on (or an action this user may not take): nothing saved
                status = 409
                messages.error(request, f"该问题现在是“{problem.get_status_display()}”状态，不能再进行此操作，"
                                        "您的提交未保存。请查看本页的最新情况。")
        except TaizhangError as exc:
            status = 409
            fail(request, exc)
    photos = {stage: [p for p in problem.photos.all() if p.stage == stage] for stage in Photo.Stage.values}
    photos["inspection"] = list(Photo.objects.filter(inspection=problem.inspection, standard=problem.standard))
    return render(request, "civility/problem_detail.html", {
        "problem": problem, "case": get_case(problem), "photos": photos, "can_rectify": can_rectify,
        "can_reinspect": reinspect_now, "rectify_form": rectify_form, "reinspect_form": reinspect_form,
        "history": Problem.objects.filter(site=problem.site, standard__code=problem.standard.code).exclude(
            pk=problem.pk).order_by("-found_on")[:10],
    }, status=status)


def _photo_aliases(request: HttpRequest, prefix: str, names: tuple[str, ...]) -> dict[str, str]:
    """A refused photo (the upload check names it "file" or "photos") is shown beside the photo field it came from:
    the one photo field with files in this submission; with photos in several fields, above the form."""
    sent = [n for n in names if request.FILES.getlist(f"{prefix}-{n}")]
    return {"file": sent[0], "photos": sent[0]} if len(sent) == 1 else {}


@require_GET
@cap_required(Cap.VIEW)
def photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    p = Photo.objects.filter(pk=pk).select_related("inspection", "problem").first()
    if p is None:
        raise Http404("未找到照片。")
    visible = unit_ids_for(request.user, Cap.VIEW)
    owner_ids: set[int] = set()
    if p.inspection_id:
        owner_ids.add(Inspection.objects.filter(pk=p.inspection_id).values_list("site__unit_id", flat=True)[0])
    if p.problem_id:
        owner_ids.add(Problem.objects.filter(pk=p.problem_id).values_list("unit_id", flat=True)[0])
    if not owner_ids & set(visible):
        raise Http404("未找到照片，或您无权查看。")
    f = p.thumbnail if request.GET.get("thumb") and p.thumbnail else p.image
    try:
        handle = f.open("rb")
    except FileNotFoundError as exc:
        raise Http404("照片文件不存在。") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["photo", "problem_detail", "problem_list", "require_POST"]
