"""Pages of the public site (公众端): report a problem, follow it, the public list, the portal home page.

Public views never read request.user or the staff session (core.sites drops any staff identity before they run);
the only public state is the device cookie (limits.DEVICE_COOKIE). Text shown here goes through mask_text.
"""

from __future__ import annotations

import datetime
from typing import Any, cast
from urllib.parse import urlsplit

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from taizhang.core import portal
from taizhang.core.errors import InvalidInput, TaizhangError
from taizhang.core.forms import form_page_status
from taizhang.core.sites import staff_urls

from . import actions, limits
from .masking import mask_text, public_coordinate
from .models import IMPRECISE_LOCATION_M, Category, Photo, Place, Report
from .photos import MAX_PHOTOS, image_response

PUBLIC_PERMISSIONS = "camera=(self), microphone=(), geolocation=(self), payment=(), usb=(), interest-cohort=()"


def map_tiles() -> str:
    return str(getattr(settings, "TAIZHANG_MAP_TILES", "") or "")


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200,
          geo: bool = False) -> HttpResponse:
    tiles = map_tiles()
    context.setdefault("map_tiles", tiles)
    response = render(request, template, context, status=status)
    if tiles and context.get("show_map"):
        parts = urlsplit(tiles.replace("{s}", "*"))
        if parts.scheme in ("http", "https") and parts.netloc:
            response["Content-Security-Policy"] = str(settings.TAIZHANG_CSP).replace(
                "img-src 'self' data:", f"img-src 'self' data: {parts.scheme}://{parts.netloc}")
    if geo:
        response["Permissions-Policy"] = PUBLIC_PERMISSIONS
    return limits.remember_device(request, response)


def public_rows(qs: Any = None) -> list[dict[str, Any]]:
    """What anyone may see of reports: category, place (never the reporter's free text: `Report.public_place`),
    status, dates, the public reply (masked)."""
    qs = qs if qs is not None else Report.objects.exclude(status=Report.Status.MERGED)
    qs = qs.defer("phone", "contact_name")
    rows = []
    for r in qs.select_related("category", "place", "area")[:50]:
        rows.append({
            "category": r.category.name, "place": r.public_place,
            "state": r.public_state, "state_label": r.public_state_label, "submitted": r.submitted_at,
            "closed": r.closed_at, "reply": mask_text(r.shown_reply or r.reject_reason),
        })
    return rows


def home(request: HttpRequest) -> HttpResponse:
    sections = [(s, s.context(request)) for s in portal.SECTIONS]
    return _page(request, "citizen/public/home.html", {"sections": sections})


DESCRIPTION_MAX = 2000


class PublicCaptchaInput(CaptchaTextInput):
    """django-simple-captcha's widget with a Chinese alternative text and a 换一张 link (citizen templates)."""

    template_name = "citizen/public/_captcha_widget.html"


_LOCATION_ERRORS = dict.fromkeys(("invalid", "min_value", "max_value"),
                                 "定位数据无效：请重新点“使用手机定位”，或在下方选择地点")


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(queryset=Category.objects.none(), label="问题类别", empty_label=None,
                                      widget=forms.RadioSelect, error_messages={"required": "请选择问题类别",
                                                                                "invalid_choice": "请选择问题类别"})
    # No max_length here: the length is checked in clean_description (newlines counted once, as the page counts
    # them) and refused with a message; the page has no maxlength either, which would cut pasted text silently.
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={"rows": 4}),
                                  error_messages={"required": "请描述问题"})
    place = forms.ModelChoiceField(queryset=Place.objects.none(), label="地点（道路、社区、地标）", required=False,
                                   empty_label="— 请选择 —", error_messages={"invalid_choice": "请从列表中选择地点"})
    address = forms.CharField(label="位置补充说明", max_length=200, required=False,
                              error_messages={"max_length": "最多填写 200 个字"})
    # the page fills these from the phone; a citizen never types them, so the message names what to do, not a field
    lat = forms.FloatField(label="手机定位", required=False, widget=forms.HiddenInput, min_value=-90, max_value=90,
                           error_messages=_LOCATION_ERRORS)
    lng = forms.FloatField(label="手机定位", required=False, widget=forms.HiddenInput, min_value=-180, max_value=180,
                           error_messages=_LOCATION_ERRORS)
    # the phone's coords.accuracy: never a form error (a bad value is dropped in actions.location_accuracy)
    accuracy = forms.CharField(required=False, widget=forms.HiddenInput)
    phone = forms.CharField(label="联系电话（选填，仅受理人员可见）", max_length=20, required=False,
                            error_messages={"max_length": "最多填写 20 位"})

    def __init__(self, *args: Any, captcha: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = Category.objects.filter(active=True)
        cast(forms.ModelChoiceField, self.fields["place"]).queryset = Place.objects.filter(active=True)
        if captcha:
            self.fields["captcha"] = CaptchaField(label="验证码", widget=PublicCaptchaInput(),
                                                  error_messages={"invalid": "验证码不正确",
                                                                  "required": "请输入验证码"})

    def clean_description(self) -> str:
        text = str(self.cleaned_data.get("description") or "").replace("\r\n", "\n")
        if len(text) > DESCRIPTION_MAX:
            raise forms.ValidationError(
                f"最多 {DESCRIPTION_MAX} 字，现有 {len(text)} 字，请删减后再提交（内容未提交，已为您保留）")
        return text


def place_options(chosen: str = "") -> SafeString:
    """The place list's <option>s grouped by street: one query, escaped here (a template loop or a widget per
    option costs more than the rest of the page on a long list)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for pk, name, area in (Place.objects.filter(active=True).order_by("area__path", "kind", "sort_order", "name")
                           .values_list("pk", "name", "area__name")):
        groups.setdefault(area, []).append((pk, name))
    parts = []
    for area, items in groups.items():
        options = format_html_join("", '<option value="{}"{}>{}</option>',
                                   ((pk, mark_safe(" selected") if str(pk) == chosen else "", name)
                                    for pk, name in items))
        parts.append(format_html('<optgroup label="{}">{}</optgroup>', area, options))
    return mark_safe("".join(parts))  # noqa: S308 - every part built by format_html


def _category_questions(posted: Any = None, errors: dict[str, list[str]] | None = None) -> list[dict[str, Any]]:
    """Every active category with its questions; the chosen category's questions carry what was posted, so a
    page shown again after an error keeps every answer, and the problem with an answer beside its question."""
    chosen = str(posted.get("category", "")) if posted else ""
    errors = errors or {}
    out = []
    for c in Category.objects.filter(active=True):
        is_chosen = bool(chosen) and str(c.pk) == chosen
        questions = []
        for a in c.attributes or []:
            name = f"attr_{a.get('code')}"
            current = [str(v) for v in posted.getlist(name)] if is_chosen and posted is not None else []
            questions.append({
                "code": a.get("code"), "name": name, "label": a.get("label") or a.get("code"),
                "datatype": a.get("datatype", "string"), "required": bool(a.get("required")),
                "help": a.get("help", ""), "value": current[0] if current else "",
                "errors": errors.get(name, []) if is_chosen else [],
                "options": [{"key": str(v.get("key")), "name": v.get("name"), "chosen": str(v.get("key")) in current}
                            for v in a.get("values") or []],
            })
        out.append({"key": c.key, "pk": c.pk, "name": c.name, "chosen": is_chosen, "attributes": questions})
    return out


# the report form's fields as the citizen sees them: the label a problem is named by in the list above the form,
# and the id of the element it links to (the field itself, or the box around a group of choices)
_REPORT_FIELDS = {"category": ("问题类别", "f-category"), "description": ("问题描述", "description"),
                  "photos": ("照片", "photos"), "location": ("位置", "location"), "place": ("地点", "id_place"),
                  "address": ("位置补充说明", "id_address"), "phone": ("联系电话", "id_phone"),
                  "captcha": ("验证码", "id_captcha_1")}


def _report_errors(form: ReportForm, refused: dict[str, list[str]], posted: Any) -> dict[str, list[str]]:
    """Every problem of a refused report by field name (the form's and the action's), so each is shown beside its
    field. While the form itself is refused, the chosen category's questions and the phone number are checked too
    (actions.validate_answers / normalise_phone): all problems come back at once, not one more after each fix."""
    out: dict[str, list[str]] = {}
    for name, msgs in list(form.errors.items()) + list(refused.items()):
        key = "location" if name in ("lat", "lng") else name
        for m in msgs:
            if m not in out.setdefault(key, []):
                out[key].append(str(m))
    category = form.cleaned_data.get("category") if hasattr(form, "cleaned_data") else None
    if form.errors and posted is not None:
        if not actions.has_location(place=posted.get("place"), lat=posted.get("lat"),
                                    address=posted.get("address", "")):
            out.setdefault("location", [actions.NO_LOCATION])
        checks: list[Any] = [lambda: actions.normalise_phone(str(posted.get("phone", "")))]
        if category is not None:
            answers = {str(a.get("code")): posted.getlist(f"attr_{a.get('code')}")
                       for a in category.attributes or []}
            checks.append(lambda: actions.validate_answers(category, answers, require=True))
        for check in checks:
            try:
                check()
            except InvalidInput as exc:
                for name, msgs in exc.errors.items():
                    out.setdefault(name, list(msgs))
    return out


def _error_summary(errors: dict[str, list[str]], questions: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The list above the form: each problem named by its field, linking to the field."""
    names = dict(_REPORT_FIELDS)
    for c in questions:
        for a in c["attributes"]:
            names[a["name"]] = (a["label"], f"id_{a['name']}")
    out = []
    for key, msgs in errors.items():
        label, anchor = names.get(key, ("", ""))
        for m in msgs:
            out.append({"label": label, "anchor": anchor, "text": m})
    return out


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    captcha = limits.needs_captcha(request)
    blocked = limits.over_limit(request)
    # bound on every POST, even an empty one: an unbound form would come back with no error at all
    form = ReportForm(request.POST if request.method == "POST" else None, request.FILES or None, captcha=captcha)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and not blocked and form.is_valid():
        data = form.cleaned_data
        photos = request.FILES.getlist("photos")
        category: Category = data["category"]
        answers = {str(a.get("code")): (request.POST.getlist(f"attr_{a.get('code')}")
                                        if a.get("datatype") == "multivaluelist"
                                        else request.POST.get(f"attr_{a.get('code')}", ""))
                   for a in category.attributes or []}
        try:
            with staff_urls():
                report = actions.submit_report(
                    category=category, description=data["description"], answers=answers, place=data["place"],
                    address=data["address"], lat=data["lat"], lng=data["lng"],
                    location_accuracy_m=data["accuracy"], phone=data["phone"], photos=photos,
                    device_hash=limits.device_hash(request), address_hash=limits.address_hash(request),
                )
        except InvalidInput as exc:
            errors = exc.errors or {"__all__": [exc.message]}
        else:
            limits.note_report(request)
            # POST/redirect/GET: reloading the page that shows the code does not send the report again
            done = redirect("citizen_public:submitted", code=report.code)
            return limits.remember_device(request, done)
    posted = request.POST if request.method == "POST" else None
    # a blocked device is told so above the form (`blocked`), not about its fields
    field_errors = _report_errors(form, errors, posted) if posted is not None and not blocked else {}
    questions = _category_questions(posted, field_errors)
    # the form shown again after an error: a rough phone location is said again beside 已定位 (as public.js says it)
    accuracy = actions.location_accuracy(posted.get("accuracy")) if posted and posted.get("lat") else None
    context = {"form": form, "errors": field_errors, "summary": _error_summary(field_errors, questions),
               "questions": questions, "max_photos": MAX_PHOTOS,
               "place_options": place_options(str(request.POST.get("place", ""))),
               "captcha": captcha, "blocked": blocked, "show_map": bool(map_tiles()),
               "description_max": DESCRIPTION_MAX, "imprecise_m": IMPRECISE_LOCATION_M,
               "located_rough": accuracy if accuracy is not None and accuracy > IMPRECISE_LOCATION_M else None,
               # a browser cannot put files back into a file input: say so when the refused post carried photos
               "photos_dropped": len(request.FILES.getlist("photos")) if posted is not None else 0}
    return _page(request, "citizen/public/report.html", context, status=form_page_status(request),
                 geo=True)


SUBMITTED_PAGE_HOURS = 24


def report_submitted(request: HttpRequest, code: str) -> HttpResponse:
    """The page after a report (reached by redirect, so reloading it sends nothing). Its address holds the code,
    like the tracking page's: only the reporter has it. After a day it is the tracking page."""
    report = _report_by_code(code)
    if report.code != code or timezone.now() - report.submitted_at > datetime.timedelta(hours=SUBMITTED_PAGE_HOURS):
        return redirect("citizen_public:track_detail", code=report.code)
    response = _page(request, "citizen/public/submitted.html",
                     {"report": report, "code_groups": actions.code_groups(report.code)})
    response["Cache-Control"] = "no-store"
    return response


def track(request: HttpRequest) -> HttpResponse:
    typed = (request.GET.get("code") or "").strip()
    code = actions.normalise_code(typed)
    if code:
        if Report.objects.filter(code=code).exists():
            return redirect("citizen_public:track_detail", code=code)
        return _page(request, "citizen/public/track.html",
                     {"code": typed[:40], "error": "未找到该查询码，请核对后重试"}, status=404)
    return _page(request, "citizen/public/track.html", {"code": ""})


def _report_by_code(code: str) -> Report:
    return get_object_or_404(Report.objects.select_related("category", "place", "area", "merged_into")
                             .defer("phone", "contact_name"), code=actions.normalise_code(code))


def track_detail(request: HttpRequest, code: str, *, error: str = "", status: int = 200, refused: str = "",
                 field_errors: dict[str, list[str]] | None = None) -> HttpResponse:
    """The reporter's page. After a refused 补充 / 评价 / 重新办理 (`refused` names that form) the problem is shown
    beside its field in that form, and what was typed there is kept."""
    report = _report_by_code(code)
    if report.code != code and not error:  # typed with spaces, hyphens or in lower case: the canonical address
        return redirect("citizen_public:track_detail", code=report.code)
    events = [{"at": e.at, "text": mask_text(e.text)} for e in report.events.filter(public=True)]
    photos = list(report.photos.filter(stage__in=[Photo.Stage.REPORT, Photo.Stage.ADDED, Photo.Stage.AFTER]))
    context = {
        "report": report, "events": events, "photos": photos, "error": error,
        "description": mask_text(report.description), "answers": actions.answer_lines(report, masked=True),
        "reply": mask_text(report.shown_reply),
        "reject_reason": mask_text(report.reject_reason), "ratings": Report.Rating.choices,
        "survivor": _survivor(report), "refused": refused, "field_errors": field_errors or {},
        "typed": request.POST if refused else {},
        "photos_dropped": len(request.FILES.getlist("photos")) if refused else 0,
    }
    response = _page(request, "citizen/public/track_detail.html", context, status=status)
    response["Cache-Control"] = "no-store"  # a reporter's own page: not for shared caches
    return response


def _survivor(report: Report) -> dict[str, Any] | None:
    """What a merged report's reporter may see of the report it was merged into: its state and public reply."""
    target = report.merged_into
    seen = {report.pk}
    while target is not None and target.merged_into_id and target.pk not in seen:
        seen.add(target.pk)
        target = target.merged_into
    if target is None:
        return None
    return {"state": target.public_state, "state_label": target.get_status_display(),
            "reply": mask_text(target.shown_reply or target.reject_reason), "closed": target.closed_at}


def _track_action(request: HttpRequest, code: str, fn: Any, form: str, **kwargs: Any) -> HttpResponse:
    report = _report_by_code(code)
    try:
        with staff_urls():  # notices to staff link to the workbench
            fn(acting_user=None, report=report, **kwargs)
    except TaizhangError as exc:
        return track_detail(request, code, error=exc.message, status=400, refused=form,
                            field_errors=dict(getattr(exc, "errors", None) or {}))
    return redirect("citizen_public:track_detail", code=report.code)


@require_POST
def track_info(request: HttpRequest, code: str) -> HttpResponse:
    return _track_action(request, code, actions.add_information, "info", text=request.POST.get("text", ""),
                         photos=request.FILES.getlist("photos")[:MAX_PHOTOS + 1])


@require_POST
def track_rate(request: HttpRequest, code: str) -> HttpResponse:
    return _track_action(request, code, actions.rate_report, "rate", rating=request.POST.get("rating", ""),
                         comment=request.POST.get("comment", ""))


@require_POST
def track_reopen(request: HttpRequest, code: str) -> HttpResponse:
    return _track_action(request, code, actions.reopen_report, "reopen", reason=request.POST.get("reason", ""))


def photo(request: HttpRequest, code: str, pk: int, size: str = "full") -> FileResponse:
    obj = get_object_or_404(Photo, pk=pk, report__code=actions.normalise_code(code),
                            stage__in=[Photo.Stage.REPORT, Photo.Stage.ADDED, Photo.Stage.AFTER])
    field = obj.thumb if size == "thumb" else obj.image
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("照片不存在") from exc
    response = image_response(handle)  # its own narrow policy: the browser's image viewer styles it inline
    response["Cache-Control"] = "private, max-age=86400"
    return response


def report_list(request: HttpRequest) -> HttpResponse:
    qs = Report.objects.exclude(status=Report.Status.MERGED).select_related("category", "place").defer(
        "phone", "contact_name")
    category = request.GET.get("category", "")
    state = request.GET.get("state", "")
    if category:
        qs = qs.filter(category__key=category)
    if state == "open":
        qs = qs.filter(status__in=Report.OPEN_STATUSES)
    elif state == "closed":
        qs = qs.filter(status__in=Report.CLOSED_STATUSES)
    q = (request.GET.get("q") or "").strip()[:40]
    if q:  # registered names only: searching the reporters' free text would reveal it
        qs = qs.filter(Q(place__name__icontains=q) | Q(area__name__icontains=q))
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    rows = public_rows(Report.objects.filter(pk__in=[r.pk for r in page.object_list]).order_by("-submitted_at"))
    points = []
    if map_tiles():
        for r in qs.filter(lat__isnull=False)[:300]:
            points.append({"lat": public_coordinate(r.lat), "lng": public_coordinate(r.lng),
                           "t": f"{r.category.name} · {r.public_state_label}"})
    context = {"rows": rows, "page": page, "categories": Category.objects.filter(active=True),
               "category": category, "state": state, "q": q, "points": points, "show_map": bool(points),
               "track_url": reverse("citizen_public:track")}
    return _page(request, "citizen/public/list.html", context)


# --- error pages of the public site (the staff site's pages link to the workbench, which is not here) -----------
ERRORS = {400: ("请求有误", "请求的内容无法处理，请返回重试。"), 403: ("无法访问", "该页面不允许访问。"),
          404: ("页面不存在", "您访问的页面不存在，请检查网址，或返回首页。"),
          500: ("服务暂时不可用", "服务器出现问题，请稍后再试。")}


def _error(request: HttpRequest, status: int) -> HttpResponse:
    title, text = ERRORS[status]
    try:
        return render(request, "public/error.html", {"title": title, "text": text}, status=status)
    except Exception:  # the error page itself must not fail
        page = f'<!DOCTYPE html><html lang="zh-hans"><meta charset="utf-8"><title>{title}</title><p>{text}</p></html>'
        return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


def server_error(request: HttpRequest) -> HttpResponse:
    return _error(request, 500)
