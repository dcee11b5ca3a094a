"""Staff pages of the library of role models (典型库): people, honours over the years, promotion and care visits;
the rows behind the role-model figures (?ids=)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from taizhang.core.forms import form_page_status
from taizhang.core.querysets import get_scoped, parse_ids
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, has_cap
from taizhang.org.views import cap_required

from . import library
from .forms import CareVisitForm, HonourForm, PromotionForm
from .models import Honour, Level, Promotion, RoleModel
from .views import ERRORS


@cap_required(Cap.VIEW)
def rolemodel_list(request: HttpRequest) -> HttpResponse:
    qs = (RoleModel.objects.visible_to(request.user).select_related("unit").defer("phone", "id_number")
          .annotate(n_promotions=Count("promotions", distinct=True))
          .prefetch_related(Prefetch("honours", queryset=Honour.objects.order_by("-year"))))
    level = request.GET.get("level", "")
    if level in Level.values:
        qs = qs.filter(honours__level=level).distinct()
    q = request.GET.get("q", "").strip()[:40]
    if q:
        qs = qs.filter(name__contains=q)
    page = Paginator(qs.order_by("name", "pk"), 30).get_page(request.GET.get("page"))
    return render(request, "honours/rolemodel_list.html", {
        "page": page, "level": level, "levels": Level.choices, "q": q,
        "can_add": has_cap(request.user, Cap.MANAGE_WORK)})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def honour_new(request: HttpRequest) -> HttpResponseBase:
    form = HonourForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            honour = library.record_honour(
                acting_user=request.user, unit=d["unit"], name=d["name"], gender=d["gender"], birth_date=None,
                workplace=d["workplace"], phone=d["phone"], id_number=d["id_number"], deeds=d["deeds"],
                title=d["title"], level=d["level"], year=d["year"], awarded_on=d["awarded_on"],
                category=d["category"], initials=d["initials"])
        except ERRORS as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已登记入典型库。")
            return redirect("honours:rolemodel_detail", honour.role_model_id)
    return render(request, "honours/honour_form.html", {"form": form},
                  status=form_page_status(request))


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def rolemodel_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    person = get_scoped(RoleModel.objects.select_related("unit"), request.user, pk=pk)
    revealed = None
    promotion_form = PromotionForm(request.POST if request.POST.get("op") == "promotion" else None)
    visit_form = CareVisitForm(request.POST if request.POST.get("op") == "visit" else None)
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "reveal":
                revealed = library.reveal(acting_user=request.user, role_model=person)
            elif op == "promotion" and promotion_form.is_valid():
                d = promotion_form.cleaned_data
                library.add_promotion(acting_user=request.user, role_model=person, kind=d["kind"], title=d["title"],
                                      happened_on=d["happened_on"], outlet=d["outlet"], link=d["link"],
                                      reach=d["reach"] or 0)
                messages.success(request, "宣传活动已登记。")
                return redirect("honours:rolemodel_detail", person.pk)
            elif op == "visit" and visit_form.is_valid():
                d = visit_form.cleaned_data
                library.add_care_visit(acting_user=request.user, role_model=person, visited_on=d["visited_on"],
                                       visitors=d["visitors"], content=d["content"], kind=d["kind"],
                                       amount=d["amount"] or 0)
                messages.success(request, "走访记录已登记。")
                return redirect("honours:rolemodel_detail", person.pk)
            elif op not in ("promotion", "visit"):
                messages.error(request, "未知操作。")
            else:
                messages.error(request, "请检查填写的内容。")
        except ERRORS as exc:
            messages.error(request, exc.message)
    response = render(request, "honours/rolemodel_detail.html", {
        "p": person, "m": person.masked(), "revealed": revealed,
        "honours": person.honours.select_related("campaign"), "promotions": person.promotions.all(),
        "visits": person.care_visits.all(), "promotion_form": promotion_form, "visit_form": visit_form,
        "can_reveal": can_in_unit(request.user, Cap.MANAGE_WORK, person.unit),
        "can_edit": can_in_unit(request.user, Cap.EDIT_RECORDS, person.unit)
        or can_in_unit(request.user, Cap.MANAGE_WORK, person.unit),
    }, status=400 if request.method == "POST" and revealed is None else 200)
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


def _ids(request: HttpRequest) -> list[int] | None:
    raw = request.GET.get("ids", "")
    return parse_ids(raw) if raw else None


@cap_required(Cap.VIEW)
def honour_rows(request: HttpRequest) -> HttpResponse:
    """The honours behind a figure (选树典型人数), scoped to the viewer."""
    qs = Honour.objects.visible_to(request.user).select_related("role_model", "unit")
    ids = _ids(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "honours/honour_rows.html", {"page": page, "by_ids": ids is not None})


@cap_required(Cap.VIEW)
def promotion_rows(request: HttpRequest) -> HttpResponse:
    qs = Promotion.objects.visible_to(request.user).select_related("role_model", "unit")
    ids = _ids(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "honours/promotion_rows.html", {"page": page, "by_ids": ids is not None})
