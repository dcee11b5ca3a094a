"""Document reviews (材料审核: units upload, the 文明办 accepts or returns) and survey results (问卷调查)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.civility import actions
from taizhang.civility.forms import DocumentForm, ReviewForm, SurveyForm, UploadForm
from taizhang.civility.models import DocumentSubmission, Method, Standard, SurveyResult
from taizhang.civility.views.common import fail, ids_param, visible_units
from taizhang.core import audit
from taizhang.core.errors import InvalidInput, TaizhangError
from taizhang.core.querysets import get_scoped
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for
from taizhang.org.views import cap_required


def _standards(methods: list[str]) -> object:
    framework = actions.active_framework()
    return Standard.objects.filter(framework=framework, method__in=methods).order_by("sort_order")


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def document_list(request: HttpRequest) -> HttpResponseBase:
    can_upload = bool(unit_ids_for(request.user, Cap.EDIT_RECORDS))
    form = DocumentForm(request.POST or None, request.FILES or None, standards=_standards([Method.DOCUMENT]),
                        units=visible_units(request.user, Cap.EDIT_RECORDS))
    if request.method == "POST" and can_upload and form.is_valid():
        try:
            actions.submit_document(acting_user=request.user, standard=form.cleaned_data["standard"],
                                    unit=form.cleaned_data["unit"], uploaded=form.cleaned_data["file"],
                                    note=form.cleaned_data["note"])
            messages.success(request, "材料已报送，等待审核")
            return redirect("civility:document_list")
        except TaizhangError as exc:
            fail(request, exc)
    qs = DocumentSubmission.objects.visible_to(request.user).select_related("standard", "unit")
    status = request.GET.get("status") or ""
    if status in DocumentSubmission.Status.values:
        qs = qs.filter(status=status)
    ids = ids_param(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    page = Paginator(qs.order_by("-submitted_on", "-id"), 50).get_page(request.GET.get("page"))
    reviewable = set(unit_ids_for(request.user, Cap.MANAGE_WORK))
    return render(request, "civility/document_list.html", {
        "page": page, "form": form, "can_upload": can_upload, "reviewable": reviewable, "status": status,
        "statuses": DocumentSubmission.Status.choices,
    })


@require_POST
@cap_required(Cap.MANAGE_WORK)
def document_review(request: HttpRequest, pk: int) -> HttpResponseBase:
    doc = get_scoped(DocumentSubmission.objects.all(), request.user, Cap.MANAGE_WORK, pk=pk)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审核结果")
        return redirect("civility:document_list")
    try:
        actions.review_document(acting_user=request.user, submission=doc, accept=form.cleaned_data["accept"],
                                reason=form.cleaned_data["reason"], expected_version=form.cleaned_data["version"])
        messages.success(request, "审核结果已保存")
    except TaizhangError as exc:
        fail(request, exc)
    return redirect("civility:document_list")


@require_GET
@cap_required(Cap.VIEW)
def document_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    doc = get_scoped(DocumentSubmission.objects.all(), request.user, Cap.VIEW, pk=pk)
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件不存在。") from exc
    audit.record("download", doc, user=request.user, message="下载测评材料")
    response = FileResponse(handle, content_type=doc.content_type or "application/octet-stream",
                            as_attachment=True, filename=doc.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@cap_required(Cap.VIEW)
def survey_list(request: HttpRequest) -> HttpResponseBase:
    can_enter = bool(unit_ids_for(request.user, Cap.MANAGE_WORK))
    streets = visible_units(request.user, Cap.MANAGE_WORK).filter(kind__in=[Unit.Kind.STREET, Unit.Kind.TOWN])
    form = SurveyForm(request.POST if request.POST.get("action") == "enter" else None,
                      standards=_standards([Method.SURVEY, Method.ONLINE]), units=streets)
    upload = UploadForm(request.POST if request.POST.get("action") == "import" else None, request.FILES or None)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and can_enter:
        try:
            if request.POST.get("action") == "enter" and form.is_valid():
                d = form.cleaned_data
                actions.record_survey(acting_user=request.user, standard=d["standard"], unit=d["unit"],
                                      surveyed_on=d["surveyed_on"], respondents=d["respondents"],
                                      satisfied=d["satisfied"])
                messages.success(request, "调查结果已保存")
                return redirect("civility:survey_list")
            if request.POST.get("action") == "import" and upload.is_valid():
                f = request.FILES.get("file")
                if f is None:
                    raise InvalidInput("请选择要导入的 Excel 文件")
                count = actions.import_surveys(acting_user=request.user, framework=actions.active_framework(),
                                               data=b"".join(f.chunks()))
                messages.success(request, f"已导入{count}条调查结果")
                return redirect("civility:survey_list")
        except InvalidInput as exc:
            messages.error(request, exc.message)
            errors = exc.errors
        except TaizhangError as exc:
            fail(request, exc)
    rows = []
    qs = SurveyResult.objects.visible_to(request.user).select_related("standard", "unit").order_by(
        "-surveyed_on", "unit__sort_order")[:300]
    for r in qs:
        rate = round(r.satisfied * 100 / r.respondents, 1) if r.respondents else 0
        rows.append({"r": r, "rate": rate, "score": round(float(r.standard.points) * rate / 100, 2)})
    return render(request, "civility/survey_list.html", {
        "rows": rows, "form": form, "upload": upload, "can_enter": can_enter, "errors": errors,
    })
