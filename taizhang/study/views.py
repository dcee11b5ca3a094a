"""Study-platform pages: the week's rates per unit, importing a week, mapping groups, the weekly bulletin."""

from __future__ import annotations

import datetime
import io
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.forms import place_action_errors
from taizhang.ledger.forms import UnitChoiceField, parse_ids
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import home_unit, unit_ids_for
from taizhang.org.views import cap_required
from taizhang.study import actions, bulletin
from taizhang.study.models import StudyGroup, StudyWeek
from taizhang.study.stats import latest_week, monday, rates_by_unit

DATE = forms.DateInput(attrs={"type": "date"})


class ImportForm(forms.Form):
    week = forms.DateField(label="统计周（任选该周一天）", widget=DATE)
    file = forms.FileField(label="平台导出文件（xlsx 或 csv）")


HEADCOUNT = "应注册人数应为 1 至 1000000 之间的整数"


class MapForm(forms.Form):
    name = forms.CharField(label="平台组织名称", max_length=200, error_messages={
        "required": "请填写平台组织名称", "max_length": "最多填写 %(limit_value)d 个字（现有 %(show_value)d 个）"})
    headcount = forms.IntegerField(label="应注册人数", min_value=1, max_value=1_000_000, error_messages={
        "required": "请填写应注册人数", "invalid": HEADCOUNT, "min_value": HEADCOUNT, "max_value": HEADCOUNT})

    def __init__(self, *args: object, user: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        units = Unit.objects.filter(pk__in=unit_ids_for(user, Cap.MANAGE_WORK), is_active=True).order_by("path")
        self.fields["unit"] = UnitChoiceField(units, label="对应单位", empty_label="请选择单位", error_messages={
            "required": "请选择对应单位", "invalid_choice": "请从列表中选择"})


@cap_required(Cap.VIEW)
def week_list(request: HttpRequest) -> HttpResponse:
    visible = sorted(unit_ids_for(request.user, Cap.VIEW))
    raw = request.GET.get("week", "")
    try:
        week = monday(datetime.date.fromisoformat(raw)) if raw else latest_week(timezone.localdate(), visible)
    except ValueError:
        week = latest_week(timezone.localdate(), visible)
    ids_raw = request.GET.get("ids", "")
    rows_by_ids = None
    if ids_raw:
        ids = [i for i in parse_ids(ids_raw) if 0 < i < 2**63]
        rows_by_ids = StudyWeek.objects.visible_to(request.user).filter(pk__in=ids).select_related("group__unit")
    owner = home_unit(request.user)
    rows = []
    if week is not None and owner is not None:
        units = [owner, *Unit.objects.filter(parent=owner, is_active=True).order_by("sort_order", "code")]
        now = rates_by_unit(week, units)
        before = rates_by_unit(week - datetime.timedelta(days=7), units)
        for unit in units:
            r, b = now[unit.pk], before[unit.pk]
            if r.headcount:
                rows.append({"unit": unit, "r": r, "reg_delta": r.registration_rate - b.registration_rate,
                             "act_delta": r.active_rate - b.active_rate, "has_before": bool(b.weeks)})
    weeks = list(StudyWeek.objects.visible_to(request.user).order_by("-week_start")
                 .values_list("week_start", flat=True).distinct()[:12])
    return render(request, "study/week_list.html", {
        "week": week, "rows": rows, "weeks": weeks, "rows_by_ids": rows_by_ids,
        "is_staff": request.user.is_authenticated and bool(unit_ids_for(request.user, Cap.MANAGE_WORK))})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.MANAGE_WORK)
def week_import(request: HttpRequest) -> HttpResponseBase:
    form = ImportForm(request.POST or None, request.FILES or None, initial={"week": timezone.localdate()})
    unknown: list[str] = []
    if request.method == "POST" and form.is_valid():
        from taizhang.core.uploads import check_upload

        upload = form.cleaned_data["file"]
        try:
            check_upload(upload, {"xlsx", "txt"})
            upload.seek(0)
            result = actions.import_week(upload.read(), upload.name, week=form.cleaned_data["week"],
                                         acting_user=request.user, owner=home_unit(request.user))
            messages.success(request, f"已导入{result.week:%Y年%m月%d日}当周：新增 {result.created} 条，"
                                      f"更新 {result.updated} 条。")
            return redirect(f"{reverse('study:week_list')}?week={result.week.isoformat()}")
        except (InvalidInput, NotPermitted) as exc:
            messages.error(request, exc.message)
            if isinstance(exc, InvalidInput):
                unknown = [e for e in exc.errors.get("file", []) if "尚未对应单位" in e]
    return _render_import(request, form=form, unknown=unknown)


def _render_import(request: HttpRequest, *, form: ImportForm | None = None, map_form: MapForm | None = None,
                   unknown: list[str] | None = None, status: int = 200) -> HttpResponse:
    """The import page, which holds the groups form (组织对应, #group-map) too: a refused mapping comes back in its
    form with what was typed and each error beside its field (status 400), not a redirect that lost them."""
    return render(request, "study/import.html", {
        "form": form or ImportForm(initial={"week": timezone.localdate()}), "unknown": unknown or [],
        "map_form": map_form or MapForm(user=request.user),
        "groups": StudyGroup.objects.visible_to(request.user).select_related("unit")}, status=status)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def group_map(request: HttpRequest) -> HttpResponseBase:
    form = MapForm(request.POST, user=request.user)
    status = 400
    if form.is_valid():
        try:
            actions.map_group(acting_user=request.user, name=form.cleaned_data["name"],
                              unit=form.cleaned_data["unit"], headcount=form.cleaned_data["headcount"])
        except InvalidInput as exc:
            place_action_errors(form, exc)
        except NotPermitted as exc:
            form.add_error("unit", exc.message)
            status = 403
        else:
            messages.success(request, "已设置组织对应。")
            return redirect("study:week_import")
    return _render_import(request, map_form=form, status=status)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def week_bulletin(request: HttpRequest) -> HttpResponseBase:
    owner = home_unit(request.user)
    try:
        week = monday(datetime.date.fromisoformat(request.POST.get("week", "")))
    except ValueError:
        messages.error(request, "请选择统计周。")
        return redirect("study:week_list")
    if owner is None:
        return redirect("study:week_list")
    from taizhang.reports.docwriter import write_docx

    doc = bulletin.weekly_bulletin(owner, week, issued_on=timezone.localdate(),
                                   ranking=request.POST.get("ranking") == "1")
    out = io.BytesIO()
    write_docx(doc, out, appendix=True)
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{week:%Y%m%d}学习平台通报.docx')}"
    return response



