"""The inspector's phone pages: pick a site, fill the checklist (works offline: service worker + IndexedDB, see
static/civility/checklist.js and sw.js), and the list and detail of inspections."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.http import require_GET

from taizhang.civility.actions import active_framework, checklist
from taizhang.civility.models import Inspection, InspectionRound, Site, SiteType
from taizhang.civility.todo import current_round, round_marks, round_sites, todo_sites
from taizhang.civility.views.common import ids_param
from taizhang.core.querysets import get_scoped
from taizhang.org.roles import Cap
from taizhang.org.views import cap_required

# The checklist page asks for the position (kept with the inspection) and the camera (photos).
PHONE_PERMISSIONS = "camera=(self), microphone=(), geolocation=(self), payment=(), usb=(), interest-cohort=()"
OFFLINE_ASSETS = ["taizhang/app.css", "taizhang/app.js", "vendor/htmx/htmx.min.js", "vendor/echarts/echarts.min.js",
                  "civility/checklist.js", "civility/civility.css"]


@require_GET
@cap_required(Cap.REVIEW_RECORDS)
def inspect_start(request: HttpRequest) -> HttpResponse:
    sites = Site.objects.visible_to(request.user, Cap.REVIEW_RECORDS).filter(is_active=True).select_related("unit")
    q = (request.GET.get("q") or "").strip()[:50]
    site_type = request.GET.get("type") or ""
    if q:
        sites = sites.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(address__icontains=q))
    if site_type in SiteType.values:
        sites = sites.filter(type=site_type)
    today = timezone.localdate()
    rounds = InspectionRound.objects.visible_to(request.user).filter(week_start__lte=today).order_by("-week_start")[:3]
    rnd = current_round(request.user)
    todo = bool(request.GET.get("todo")) and rnd is not None
    if todo and rnd is not None:
        sites = sites.filter(pk__in=todo_sites(request.user, rnd).values("pk"))
    marks = round_marks(request.user, rnd)
    rows = [(site, marks.status(site)) for site in sites.order_by("type", "code")[:100]]
    progress = None
    if rnd is not None:
        total = round_sites(request.user, rnd).count()
        progress = {"total": total, "todo": todo_sites(request.user, rnd).count()}
    return render(request, "civility/inspect_start.html", {
        "rows": rows, "q": q, "site_type": site_type, "types": SiteType.choices,
        "rounds": rounds, "round": rnd, "todo": todo, "progress": progress,
    })


@require_GET
@cap_required(Cap.REVIEW_RECORDS)
def inspect_site(request: HttpRequest, pk: int) -> HttpResponse:
    site = get_scoped(Site.objects.select_related("unit"), request.user, Cap.REVIEW_RECORDS, pk=pk)
    framework = active_framework()
    if framework is None:
        raise Http404("还没有启用的测评体系。")
    standards = checklist(site, framework)
    round_id = request.GET.get("round") or ""
    rnd = InspectionRound.objects.filter(pk=round_id).first() if round_id.isdigit() else None
    response = render(request, "civility/inspect_site.html", {
        "site": site, "framework": framework, "standards": standards, "round": rnd,
        "assets": [static(a) for a in OFFLINE_ASSETS],
    })
    response["Permissions-Policy"] = PHONE_PERMISSIONS
    return response


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served under /civility/ so that it may control the inspection pages."""
    assets = json.dumps([static(a) for a in OFFLINE_ASSETS])
    response = render(request, "civility/sw.js", {"assets_json": assets},
                      content_type="application/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/civility/"
    return response


@require_GET
@cap_required(Cap.VIEW)
def inspection_list(request: HttpRequest) -> HttpResponse:
    qs = Inspection.objects.visible_to(request.user).select_related("site", "site__unit", "inspector")
    ids = ids_param(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    page = Paginator(qs.order_by("-submitted_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(request, "civility/inspection_list.html", {"page": page, "filtered": ids is not None})


@require_GET
@cap_required(Cap.VIEW)
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_scoped(Inspection.objects.select_related("site", "site__unit", "framework", "inspector",
                                                              "round"),
                            request.user, Cap.VIEW, pk=pk)
    answers = inspection.answers.select_related("standard", "standard__project").order_by("standard__sort_order")
    submitted = bool(request.GET.get("submitted")) and inspection.inspector_id == request.user.pk
    next_site = None
    if submitted and inspection.round is not None:
        next_site = todo_sites(request.user, inspection.round).order_by("type", "code").first()
    return render(request, "civility/inspection_detail.html", {
        "inspection": inspection, "answers": answers, "photos": inspection.photos.all(),
        "problems": inspection.problems.all(), "submitted": submitted, "next_site": next_site,
        "unrated": len(checklist(inspection.site, inspection.framework)) - len(answers) if submitted else 0,
    })
