"""Sites (点位), inspection rounds with their coverage, and frameworks (测评体系) with editions and import."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.civility import actions
from taizhang.civility.forms import (
    ContentForm,
    FrameworkForm,
    ProjectForm,
    RoundForm,
    SiteForm,
    StandardForm,
    UploadForm,
)
from taizhang.civility.models import Content, Framework, InspectionRound, Project, Site, SiteType, Standard
from taizhang.civility.plans import coverage
from taizhang.civility.views.common import current_period, fail, ids_param, visible_units
from taizhang.core.crypto import masked_value
from taizhang.core.errors import InvalidInput, TaizhangError
from taizhang.core.forms import place_action_errors
from taizhang.core.querysets import get_scoped
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, home_unit, unit_ids_for
from taizhang.org.views import cap_required


def _read_upload(request: HttpRequest, name: str = "file") -> bytes:
    f = request.FILES.get(name)
    if f is None:
        raise InvalidInput("请选择要导入的 Excel 文件", {"file": ["请选择要导入的 Excel 文件"]})
    return b"".join(f.chunks())


# --- sites ----------------------------------------------------------------------------------------------------
@require_GET
@cap_required(Cap.VIEW)
def site_list(request: HttpRequest) -> HttpResponse:
    qs = Site.objects.visible_to(request.user).select_related("unit")
    site_type = request.GET.get("type") or ""
    q = (request.GET.get("q") or "").strip()[:50]
    if site_type in SiteType.values:
        qs = qs.filter(type=site_type)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q) | Q(address__icontains=q))
    ids = ids_param(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    page = Paginator(qs.order_by("type", "code"), 50).get_page(request.GET.get("page"))
    rows = [{"site": s, "phone": masked_value(s, "lead_phone")} for s in page]
    return render(request, "civility/site_list.html", {
        "page": page, "rows": rows, "types": SiteType.choices, "site_type": site_type, "q": q,
        "can_edit": bool(unit_ids_for(request.user, Cap.EDIT_RECORDS)),
    })


def _site_data(form: SiteForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data.pop("version", None)
    return data


@require_http_methods(["GET", "POST"])
@cap_required(Cap.EDIT_RECORDS)
def site_edit(request: HttpRequest, pk: int | None = None) -> HttpResponseBase:
    site = get_scoped(Site.objects.all(), request.user, Cap.EDIT_RECORDS, pk=pk) if pk else None
    units = visible_units(request.user, Cap.EDIT_RECORDS)
    initial = {}
    if site is not None:
        initial = {f: getattr(site, f) for f in ("code", "type", "name", "address", "latitude", "longitude",
                                                 "lead_name", "lead_phone", "version")} | {"unit": site.unit}
    form = SiteForm(request.POST or None, units=units, initial=initial)
    if site is not None:
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            if site is None:
                site = actions.create_site(acting_user=request.user, **_site_data(form))
            else:
                data = _site_data(form)
                data.pop("code", None)
                actions.update_site(acting_user=request.user, site=site,
                                    expected_version=form.cleaned_data.get("version") or site.version, **data)
            messages.success(request, "点位已保存")
            return redirect("civility:site_list")
        except TaizhangError as exc:
            fail(request, exc)
    return render(request, "civility/form.html", {"form": form, "title": "编辑点位" if site else "新增点位",
                                                  "back": "civility:site_list"})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.EDIT_RECORDS)
def site_import(request: HttpRequest) -> HttpResponseBase:
    form = UploadForm(request.POST or None, request.FILES or None)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        try:
            created, updated = actions.import_sites(acting_user=request.user, data=_read_upload(request))
            messages.success(request, f"导入完成：新增{created}个点位，更新{updated}个")
            return redirect("civility:site_list")
        except InvalidInput as exc:
            messages.error(request, exc.message)
            errors = exc.errors
        except TaizhangError as exc:
            fail(request, exc)
    return render(request, "civility/import.html", {
        "form": form, "errors": errors, "title": "导入点位", "back": "civility:site_list",
        "columns": "点位编号、点位类型、点位名称、地址、纬度、经度、责任单位代码、点位负责人、负责人电话"})


# --- rounds ---------------------------------------------------------------------------------------------------
@require_GET
@cap_required(Cap.VIEW)
def round_list(request: HttpRequest) -> HttpResponse:
    period = current_period(request)
    rounds = InspectionRound.objects.visible_to(request.user).prefetch_related("teams")
    cover = coverage(period, InspectionRound.objects.all(), set(unit_ids_for(request.user, Cap.VIEW)))
    return render(request, "civility/round_list.html", {
        "period": period, "cover": cover, "can_manage": bool(unit_ids_for(request.user, Cap.MANAGE_WORK)),
        "rounds": rounds.filter(week_start__gte=cover.weeks[0].start, week_start__lte=cover.weeks[-1].end),
    })


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def round_create(request: HttpRequest) -> HttpResponseBase:
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        framework = actions.active_framework()
        owner = home_unit(request.user)
        if framework is None or owner is None:
            messages.error(request, "还没有启用的测评体系")
        else:
            teams = [{"name": line.strip(), "site_types": []} for line in form.cleaned_data["teams"].splitlines()
                     if line.strip()]
            try:
                actions.create_round(acting_user=request.user, framework=framework, owner=owner,
                                     name=form.cleaned_data["name"], week_start=form.cleaned_data["week_start"],
                                     mode=form.cleaned_data["mode"], site_types=form.cleaned_data["site_types"],
                                     teams=teams, notes=form.cleaned_data["notes"])
                messages.success(request, "督查轮次已创建")
                return redirect("civility:round_list")
            except TaizhangError as exc:
                fail(request, exc)
    return render(request, "civility/form.html", {"form": form, "title": "新建督查轮次", "back": "civility:round_list"})


# --- frameworks -----------------------------------------------------------------------------------------------
@require_GET
@cap_required(Cap.VIEW)
def framework_list(request: HttpRequest) -> HttpResponse:
    return _render_frameworks(request)


def _render_frameworks(request: HttpRequest, form: FrameworkForm | None = None, status: int = 200) -> HttpResponse:
    """The frameworks page; a refused 新建 comes back in its form (#framework-new) with the key and name typed and
    each error beside its field (status 400)."""
    return render(request, "civility/framework_list.html", {
        "frameworks": Framework.objects.all().order_by("key", "-edition"),
        "can_manage": bool(unit_ids_for(request.user, Cap.MANAGE_WORK)),
        "framework_form": form or FrameworkForm(),
    }, status=status)


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def framework_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    framework = get_object_or_404(Framework.objects.select_related("owner", "based_on"), pk=pk)
    can_manage = can_in_unit(request.user, Cap.MANAGE_WORK, framework.owner)
    in_use = framework.in_use()
    forms = {"project": ProjectForm(prefix="p"), "content": ContentForm(prefix="c"),
             "standard": StandardForm(prefix="s"), "upload": UploadForm(prefix="u")}
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and can_manage:
        action = request.POST.get("action", "")
        try:
            if action == "edition":
                new = actions.new_edition(acting_user=request.user, framework=framework)
                messages.success(request, f"已复制为第{new.edition}版")
                return redirect("civility:framework_detail", pk=new.pk)
            if action == "activate":
                actions.activate_framework(acting_user=request.user, framework=framework)
                messages.success(request, "已启用该版本")
                return redirect("civility:framework_detail", pk=framework.pk)
            if action == "project":
                forms["project"] = ProjectForm(request.POST, prefix="p")
                if forms["project"].is_valid():
                    actions.add_project(acting_user=request.user, framework=framework, **forms["project"].cleaned_data)
                    return redirect("civility:framework_detail", pk=framework.pk)
            if action == "content":
                forms["content"] = ContentForm(request.POST, prefix="c")
                project = get_object_or_404(Project, pk=request.POST.get("project"), framework=framework)
                if forms["content"].is_valid():
                    actions.add_content(acting_user=request.user, project=project, **forms["content"].cleaned_data)
                    return redirect("civility:framework_detail", pk=framework.pk)
            if action == "standard":
                forms["standard"] = StandardForm(request.POST, prefix="s")
                content = get_object_or_404(Content, pk=request.POST.get("content"), project__framework=framework)
                if forms["standard"].is_valid():
                    d = forms["standard"].cleaned_data
                    actions.add_standard(acting_user=request.user, content=content, code=d["code"], text=d["text"],
                                         points=d["points"], method=d["method"], site_types=d["site_types"])
                    return redirect("civility:framework_detail", pk=framework.pk)
            if action == "delete_standard":
                standard = get_object_or_404(Standard, pk=request.POST.get("standard"), framework=framework)
                actions.delete_standard(acting_user=request.user, standard=standard)
                return redirect("civility:framework_detail", pk=framework.pk)
            if action == "import":
                count = actions.import_framework(acting_user=request.user, framework=framework,
                                                 data=_read_upload(request, "u-file"))
                messages.success(request, f"已导入{count}条测评标准")
                return redirect("civility:framework_detail", pk=framework.pk)
        except InvalidInput as exc:
            messages.error(request, exc.message)
            errors = exc.errors
        except TaizhangError as exc:
            fail(request, exc)
    projects = framework.projects.prefetch_related("contents__standards")
    return render(request, "civility/framework_detail.html", {
        "framework": framework, "projects": projects, "can_manage": can_manage, "in_use": in_use,
        "forms": forms, "errors": errors, "max_points": framework.max_points(),
        "editions": Framework.objects.filter(key=framework.key).order_by("-edition"),
    })


@require_POST
@cap_required(Cap.MANAGE_WORK)
def framework_create(request: HttpRequest) -> HttpResponseBase:
    owner = home_unit(request.user)
    form = FrameworkForm(request.POST)
    if owner is None:
        form.add_error(None, "您没有所属单位，不能新建测评体系")
    elif form.is_valid():
        try:
            fw = actions.create_framework(acting_user=request.user, key=form.cleaned_data["key"],
                                          name=form.cleaned_data["name"], owner=owner)
        except InvalidInput as exc:
            place_action_errors(form, exc)
        else:
            return redirect("civility:framework_detail", pk=fw.pk)
    return _render_frameworks(request, form, status=400)

