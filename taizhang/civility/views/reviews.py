"""Document reviews (材料审核: units upload, the 文明办 accepts or returns) and survey results (问卷调查)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.civility import actions
from taizhang.civility.forms import DocumentForm, ReviewForm, SurveyForm, UploadForm
from taizhang.civility.models import DocumentSubmission, Method, Standard, SurveyResult
from taizhang.civility.views.common import fail, ids_param, visible_units
from taizhang.core import audit
from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError, TaizhangError
from taizhang.core.forms import place_action_errors
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
        except InvalidInput as exc:
            place_action_errors(form, exc)
        except TaizhangError as exc:
            fail(request, exc)
    return _render_documents(request, form, status=400 if request.method == "POST" and can_upload else 200)


def _review_form(doc: DocumentSubmission, data: Any = None) -> ReviewForm:
    """A document's 审核 form; ids id_doc<pk>_<field>, one form per row of the list."""
    return ReviewForm(data, auto_id=f"id_doc{doc.pk}_%s", initial={"version": doc.version})


def _render_documents(request: HttpRequest, form: DocumentForm, *,
                      refused: tuple[DocumentSubmission, ReviewForm] | None = None,
                      status: int = 200) -> HttpResponse:
    """The documents page with a 审核 form per row; a refused review comes back in its row's form (#document-<pk>,
    first on the page when it is not on the page shown) with the reason typed and each error by its field."""
    qs = DocumentSubmission.objects.visible_to(request.user).select_related("standard", "unit")
    state = request.GET.get("status") or ""
    if state in DocumentSubmission.Status.values:
        qs = qs.filter(status=state)
    ids = ids_param(request)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    page = Paginator(qs.order_by("-submitted_on", "-id"), 50).get_page(request.GET.get("page"))
    reviewable = set(unit_ids_for(request.user, Cap.MANAGE_WORK))
    rows = [(d, _review_form(d)) for d in page.object_list]
    if refused is not None:
        failed, review = refused
        rows = [(d, review if d.pk == failed.pk else f) for d, f in rows]
        if all(d.pk != failed.pk for d, _f in rows):
            rows.insert(0, (failed, review))
    return render(request, "civility/document_list.html", {
        "page": page, "rows": rows, "form": form, "can_upload": bool(unit_ids_for(request.user, Cap.EDIT_RECORDS)),
        "reviewable": reviewable, "status": state, "statuses": DocumentSubmission.Status.choices,
    }, status=status)


@require_POST
@cap_required(Cap.MANAGE_WORK)
def document_review(request: HttpRequest, pk: int) -> HttpResponseBase:
    doc = get_scoped(DocumentSubmission.objects.select_related("standard", "unit"), request.user, Cap.MANAGE_WORK,
                     pk=pk)
    form = _review_form(doc, request.POST)
    status = 400
    if form.is_valid():
        try:
            actions.review_document(acting_user=request.user, submission=doc, accept=form.cleaned_data["accept"],
                                    reason=form.cleaned_data["reason"],
                                    expected_version=form.cleaned_data["version"])
        except InvalidInput as exc:
            place_action_errors(form, exc)
        except InvalidTransition as exc:
            form.add_error(None, exc.message)
        except StaleObjectError as exc:
            # changed meanwhile: the reason stays, the form takes the current version so a deliberate resend works
            doc.refresh_from_db()
            data = request.POST.copy()
            data["version"] = str(doc.version)
            form = _review_form(doc, data)
            form.add_error(None, exc.message)
            status = 409
        else:
            messages.success(request, "审核结果已保存")
            return redirect("civility:document_list")
    empty = DocumentForm(standards=_standards([Method.DOCUMENT]), units=visible_units(request.user, Cap.EDIT_RECORDS))
    return _render_documents(request, empty, refused=(doc, form), status=status)


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
