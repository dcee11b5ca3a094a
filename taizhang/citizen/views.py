"""Staff pages of 随手拍: the intake queue, a report (intake actions or the unit's view), the dispatch catalogue,
places, figures and the monthly bulletin.

Who sees what: intake staff (manage_work over the report's area) see everything, the reporter's phone only masked
until they ask to see it (audited). The unit a report was dispatched to (view over its unit) sees the problem, the
place and the photos — never who reported it.
"""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from taizhang.core.crypto import mask
from taizhang.core.errors import InvalidInput, TaizhangError
from taizhang.core.periods import parse_period
from taizhang.core.permissions import cap_required, forbidden
from taizhang.core.widgets import period_value
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, has_cap, unit_ids_for

from . import actions, stats
from .masking import mask_text
from .models import Category, DispatchRule, Photo, Place, Report
from .photos import image_response

S = Report.Status


def _error_text(exc: TaizhangError) -> str:
    if isinstance(exc, InvalidInput):
        details = [m for ms in exc.errors.values() for m in ms if m != exc.message]
        return exc.message + ("：" + "；".join(details) if details else "")
    return exc.message


def viewer_role(user: Any, report: Report) -> str:
    """"intake" (all but the clear phone), "unit" (the handling unit: no reporter data) or "" (nothing)."""
    if actions.can_intake(user, report):
        return "intake"
    if report.unit_id and report.unit is not None and can_in_unit(user, Cap.VIEW, report.unit):
        return "unit"
    return ""


def _report_or_404(user: Any, pk: int) -> tuple[Report, str]:
    report = get_object_or_404(Report.objects.select_related("category", "place", "area", "unit", "merged_into"),
                               pk=pk)
    role = viewer_role(user, report)
    if not role:
        raise Http404("未找到该报告，或您无权查看。")
    return report, role


@cap_required(Cap.MANAGE_WORK)
def queue(request: HttpRequest) -> HttpResponse:
    qs = (Report.objects.visible_to(request.user, Cap.MANAGE_WORK).filter(status__in=[S.NEW, S.ACCEPTED])
          .select_related("category", "place", "area").defer("phone", "contact_name").order_by("submitted_at", "id"))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "citizen/queue.html", {"page": page, "title": "随手拍受理"})


@cap_required(Cap.MANAGE_WORK)
def report_list(request: HttpRequest) -> HttpResponse:
    qs = (Report.objects.visible_to(request.user, Cap.MANAGE_WORK)
          .select_related("category", "place", "area", "unit").defer("phone", "contact_name"))
    given = (x.strip() for x in (request.GET.get("ids") or "").split(","))
    ids = list(dict.fromkeys(int(x) for x in given if x.isdigit() and len(x) <= 18))[:5000]  # no id is longer
    if ids:  # drill-down from a figure (ledger.providers rows_url)
        qs = qs.filter(pk__in=ids)
    status = request.GET.get("status", "")
    if status in S.values:
        qs = qs.filter(status=status)
    category = request.GET.get("category", "")
    if category:
        qs = qs.filter(category__key=category)
    q = (request.GET.get("q") or "").strip()[:40]
    if q:
        qs = qs.filter(Q(code__iexact=q) | Q(description__icontains=q) | Q(address__icontains=q))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "citizen/report_list.html", {
        "page": page, "statuses": S.choices, "status": status, "categories": Category.objects.all(),
        "category": category, "q": q,
        # a figure's reports: the page says so, and how to leave (the list without ids nor any other filter)
        "traced": len(ids), "traced_ids": ",".join(map(str, ids)),
    })


def _units_for_dispatch(user: Any) -> list[Unit]:
    return list(Unit.objects.filter(is_active=True).order_by("path"))


@require_http_methods(["GET"])
@cap_required(Cap.VIEW)
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report, role = _report_or_404(request.user, pk)
    return _render_detail(request, report, role)


def _render_detail(request: HttpRequest, report: Report, role: str, contact: dict[str, str] | None = None,
                   status: int = 200) -> HttpResponse:
    case = actions.case_for(report)
    try:
        get_template("cases/_case_panel.html")
        case_panel = case is not None
    except TemplateDoesNotExist:
        case_panel = False
    context: dict[str, Any] = {
        "report": report, "role": role, "case": case, "case_panel": case_panel,
        "photos": list(report.photos.all()),
        "answers": actions.answer_lines(report, masked=role == "unit"),
        "description": mask_text(report.description) if role == "unit" else report.description,
        "events": list(report.events.all()) if role == "intake" else list(report.events.filter(public=True)),
    }
    if role == "intake":
        context.update({
            "masked_phone": mask(report.phone, "phone") if report.phone else "",
            "contact": contact,
            "candidates": actions.duplicate_candidates(report) if report.status in (S.NEW, S.ACCEPTED) else [],
            "suggested_unit": actions.catalogue_unit(report.category, report.place, report.area),
            "units": _units_for_dispatch(request.user),
            "can_act": report.status in (S.NEW, S.ACCEPTED),
        })
    return render(request, "citizen/report_detail.html", context, status=status)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def report_action(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    report, role = _report_or_404(request.user, pk)
    if role != "intake":
        return forbidden(request, "只有受理人员可以处理该报告。")
    version = int(request.POST["version"]) if request.POST.get("version", "").isdigit() else None
    try:
        if action == "accept":
            actions.accept_report(acting_user=request.user, report=report, expected_version=version)
            messages.success(request, "已受理。")
        elif action == "reject":
            actions.reject_report(acting_user=request.user, report=report, reason=request.POST.get("reason", ""),
                                  expected_version=version)
            messages.success(request, "已不予受理，理由会告知群众。")
        elif action == "merge":
            into_code = (request.POST.get("into") or "").strip().upper()
            into = Report.objects.filter(Q(code=into_code) | Q(pk=int(into_code) if into_code.isdigit() else 0)).first()
            if into is None or not actions.can_intake(request.user, into):
                raise InvalidInput("未找到要合并到的报告", {"into": ["未找到该报告"]})
            actions.merge_report(acting_user=request.user, report=report, into=into, expected_version=version)
            messages.success(request, f"已合并至 {into.code}。")
        elif action == "answer":
            actions.answer_report(acting_user=request.user, report=report, reply=request.POST.get("reply", ""),
                                  expected_version=version)
            messages.success(request, "已答复群众。")
        elif action == "dispatch":
            unit_id = request.POST.get("unit", "")
            unit = Unit.objects.filter(pk=int(unit_id)).first() if unit_id.isdigit() else None
            actions.dispatch_report(acting_user=request.user, report=report, unit=unit, expected_version=version)
            messages.success(request, f"已派单至{report.unit.name if report.unit else ''}。")
        elif action == "contact":
            contact = actions.reveal_contact(acting_user=request.user, report=report)
            return _render_detail(request, report, role, contact=contact)
        else:
            raise Http404("未知操作")
    except TaizhangError as exc:
        messages.error(request, _error_text(exc))
    return redirect("citizen:report_detail", pk=report.pk)


@cap_required(Cap.VIEW)
def staff_photo(request: HttpRequest, pk: int, size: str = "full") -> FileResponse:
    obj = get_object_or_404(Photo.objects.select_related("report"), pk=pk)
    _report_or_404(request.user, obj.report_id)
    field = obj.thumb if size == "thumb" else obj.image
    try:
        return image_response(field.open("rb"))  # its own narrow policy: the browser's image viewer styles it
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("照片不存在") from exc


# --- catalogue and places ---------------------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def catalogue(request: HttpRequest) -> HttpResponseBase:
    from . import catalogue as cat

    if request.method == "POST":
        try:
            if request.POST.get("delete", "").isdigit():
                cat.delete_rule(acting_user=request.user, rule_id=int(request.POST["delete"]))
                messages.success(request, "已删除该派单规则。")
            else:
                cat.save_rule(acting_user=request.user, data=request.POST)
                messages.success(request, "已保存派单规则。")
        except TaizhangError as exc:
            messages.error(request, _error_text(exc))
        return redirect("citizen:catalogue")
    rules = DispatchRule.objects.select_related("category", "area", "place", "unit").order_by(
        "category__sort_order", "area__path", "id")
    return render(request, "citizen/catalogue.html", {
        "rules": rules, "categories": Category.objects.all(), "units": _units_for_dispatch(request.user),
        "places": Place.objects.filter(active=True).select_related("area"),
    })


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def place_list(request: HttpRequest) -> HttpResponseBase:
    from . import catalogue as cat

    # a refused place comes back in the form with what was typed and each problem by its field (400)
    posted: Any = None
    field_errors: dict[str, list[str]] = {}
    problem = ""
    if request.method == "POST":
        try:
            place = cat.save_place(acting_user=request.user, data=request.POST)
        except InvalidInput as exc:
            posted, field_errors, problem = request.POST, dict(exc.errors or {}), exc.message
        except TaizhangError as exc:
            posted, problem = request.POST, exc.message
        else:
            messages.success(request, f"已保存地点“{place.name}”。")
            return redirect("citizen:place_list")
    places = Place.objects.select_related("area").order_by("area__path", "kind", "sort_order", "name")
    areas = Unit.objects.filter(pk__in=unit_ids_for(request.user, Cap.MANAGE_WORK)).order_by("path")
    return render(request, "citizen/place_list.html", {
        "places": places, "kinds": Place.Kind.choices, "areas": areas, "posted": posted or {},
        "errors": field_errors, "problem": problem,
        "area_selected": int(posted["area"]) if posted and str(posted.get("area", "")).isdigit() else None,
    }, status=400 if posted is not None else 200)


# --- figures and bulletin -----------------------------------------------------------------------------------------
@cap_required(Cap.VIEW)
def stats_view(request: HttpRequest) -> HttpResponse:
    try:
        period = parse_period(period_value(request.GET) or stats.default_period_spec())
    except (ValueError, TaizhangError):
        period = parse_period(stats.default_period_spec())
    table = stats.summary(period, user=request.user)
    return render(request, "citizen/stats.html", {"period": period, "table": table,
                                                   "can_bulletin": has_cap(request.user, Cap.MANAGE_WORK)})


@cap_required(Cap.MANAGE_WORK)
def bulletin(request: HttpRequest) -> HttpResponseBase:
    from taizhang.reports.docwriter import write_docx, write_html

    from .bulletin import build_document

    try:
        period = parse_period(request.GET.get("period") or stats.default_period_spec())
    except (ValueError, TaizhangError):
        messages.error(request, "期间格式不正确，例如 2024-05")
        return redirect("citizen:stats")
    doc = build_document(period)
    if request.GET.get("format") == "docx":
        out = io.BytesIO()
        write_docx(doc, out, appendix=True)
        out.seek(0)
        from django.utils.encoding import escape_uri_path

        response = FileResponse(out, content_type="application/vnd.openxmlformats-officedocument."
                                                  "wordprocessingml.document")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(doc.title + '.docx')}"
        return response
    from taizhang.reports.views.common import link_figures

    # every figure opens its source page (bulletin_figure), on a phone as on a desktop; write_html escapes all text
    html = link_figures(write_html(doc), "citizen:bulletin_figure", kwargs={"period": period.spec})
    return render(request, "citizen/bulletin.html", {"doc": doc, "html": html, "period": period})


@cap_required(Cap.MANAGE_WORK)
def bulletin_figure(request: HttpRequest, period: str, fig_id: str) -> HttpResponse:
    """One figure of the period's bulletin (the page a tap on a figure opens): what it counts, for which streets,
    whether the providers still give it, and a link to the reports behind it (the report list: the user's own
    scope, no reporter data). The bulletin is not stored: it is built again for the period, as its page does."""
    from taizhang.reports.views.common import figure_page

    from .bulletin import build_document

    try:
        parsed = parse_period(period)
    except (ValueError, TaizhangError) as exc:
        raise Http404("期间格式不正确，例如 2024-05") from exc
    doc = build_document(parsed)
    return figure_page(
        request, doc, fig_id,
        page_url=reverse("citizen:bulletin_figure", kwargs={"period": parsed.spec, "fig_id": fig_id}),
        back_url=f"{reverse('citizen:bulletin')}?period={parsed.spec}", back_title=doc.title,
        extra={"rows_note": "随手拍报告列表只显示您有权受理的报告，不显示反映人信息。"})
