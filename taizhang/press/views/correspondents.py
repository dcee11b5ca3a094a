"""Correspondents, submissions and adoption, points, and the bulletins of press work."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError
from taizhang.core.periods import Period
from taizhang.core.querysets import get_scoped
from taizhang.org.roles import Cap
from taizhang.org.scoping import home_unit, unit_ids_for
from taizhang.org.views import cap_required
from taizhang.press import actions, bulletin
from taizhang.press.forms import AdoptionForm, CorrespondentForm, SubmissionForm
from taizhang.press.models import Correspondent, Submission
from taizhang.press.views.common import error, ids_filter, is_staff, paginate, query_without_page
from taizhang.reports.forms import PeriodFields


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def submission_list(request: HttpRequest) -> HttpResponseBase:
    people = Correspondent.objects.visible_to(request.user, Cap.EDIT_RECORDS).filter(active=True)
    form = SubmissionForm(request.POST or None, correspondents=people)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.submit_piece(acting_user=request.user, correspondent=d["correspondent"], title=d["title"],
                                 submitted_on=d["submitted_on"], kind=d["kind"], outlet=d["outlet"])
            messages.success(request, "稿件已登记。")
            return redirect("press:submission_list")
        except InvalidInput as exc:
            error(request, exc)
    qs = Submission.objects.visible_to(request.user).select_related("unit", "correspondent", "outlet", "placement")
    qs, by_ids = ids_filter(request, qs)
    result = request.GET.get("result", "")
    if result in Submission.Result.values:
        qs = qs.filter(result=result)
    return render(request, "press/submission_list.html", {
        "page": paginate(request, qs), "form": form, "can_submit": people.exists(), "by_ids": by_ids,
        "result": result, "results": Submission.Result.choices, "is_staff": is_staff(request.user),
        "query": query_without_page(request)})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def submission_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    piece = get_scoped(Submission.objects.select_related("unit", "correspondent", "outlet", "placement__record"),
                       request.user, pk=pk)
    form = AdoptionForm(request.POST or None, initial={"version": piece.version, "outlet": piece.outlet_id})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            actions.record_adoption(acting_user=request.user, submission=piece, adopted=d["adopted"],
                                    expected_version=d["version"], outlet=d["outlet"], adopted_on=d["adopted_on"],
                                    link=d["link"])
            messages.success(request, "已登记采用情况。" + ("已计入台账用稿，待审核。" if d["adopted"] else ""))
            return redirect("press:submission_detail", piece.pk)
        except (InvalidInput, InvalidTransition, StaleObjectError) as exc:
            error(request, exc)
    return render(request, "press/submission_detail.html", {
        "s": piece, "form": form, "is_staff": is_staff(request.user, piece.unit)})


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def correspondent_list(request: HttpRequest) -> HttpResponseBase:
    form = CorrespondentForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_correspondent(acting_user=request.user, unit=form.cleaned_data["unit"],
                                      name=form.cleaned_data["name"], joined_on=form.cleaned_data["joined_on"])
            messages.success(request, "通讯员已登记。")
            return redirect("press:correspondent_list")
        except InvalidInput as exc:
            error(request, exc)
    today = timezone.localdate()
    year = Period(today.replace(month=1, day=1), today, str(today.year), "range")
    scores = {s.correspondent.pk: s for s in actions.scores(year, unit_ids=sorted(unit_ids_for(request.user,
                                                                                               Cap.VIEW)))}
    people = list(Correspondent.objects.visible_to(request.user).select_related("unit"))
    rows = [{"person": p, "score": scores.get(p.pk)} for p in people]
    month = Period(today.replace(day=1), today, f"{today:%Y-%m}", "range")
    units = sorted({p.unit for p in people}, key=lambda u: u.path)
    return render(request, "press/correspondent_list.html", {
        "rows": rows, "form": form, "shortfalls": actions.monthly_shortfalls(month, units=units), "today": today})


@cap_required(Cap.MANAGE_WORK)
def bulletins(request: HttpRequest) -> HttpResponse:
    return render(request, "press/bulletins.html", {"form": PeriodFields(), "year": timezone.localdate().year})


def _docx(document: object, name: str) -> HttpResponse:
    from taizhang.reports.docwriter import write_docx

    out = io.BytesIO()
    write_docx(document, out, appendix=True)  # type: ignore[arg-type]
    response = HttpResponse(out.getvalue(),
                            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@require_POST
@cap_required(Cap.MANAGE_WORK)
def newmedia_bulletin(request: HttpRequest) -> HttpResponseBase:
    form = PeriodFields(request.POST)
    owner = home_unit(request.user)
    if not form.is_valid() or owner is None:
        messages.error(request, "请选择时间段。")
        return redirect("press:bulletins")
    period = form.cleaned_data["period"]
    doc = bulletin.newmedia_bulletin(owner, period, issued_on=timezone.localdate())
    return _docx(doc, f"{period.label}政务新媒体检查情况通报.docx")


@require_POST
@cap_required(Cap.MANAGE_WORK)
def correspondents_bulletin(request: HttpRequest) -> HttpResponseBase:
    owner = home_unit(request.user)
    raw = request.POST.get("year", "")
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100 or owner is None:
        messages.error(request, "请填写年度。")
        return redirect("press:bulletins")
    doc = bulletin.correspondents_list(owner, int(raw), issued_on=timezone.localdate())
    return _docx(doc, f"{raw}年度优秀通讯员通报.docx")
