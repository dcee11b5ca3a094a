"""Volunteer pages on the public site (公众端), phone first. No staff session here: a volunteer is known by the
signed cookie `tzpub_volunteer` (see tokens.py), set after a one-time code sent to their phone. Between sending the
code and typing it, the phone number is kept in the cookie `tzpub_vlogin` (encrypted, ten minutes), never in a URL:
the code page shows it masked (138****5678) with a link to change it."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from taizhang.core.crypto import mask
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, TaizhangError
from taizhang.core.forms import form_page_status, place_action_errors
from taizhang.core.middleware import client_address
from taizhang.core.security_middleware import PERMISSIONS_POLICY
from taizhang.core.sites import PUBLIC_COOKIE_PREFIX
from taizhang.org.fields import UnitChoiceField
from taizhang.org.models import Unit
from taizhang.volunteers import actions, certificates, orders, tokens
from taizhang.volunteers.forms import DISPUTE_RANGE, PlainForm
from taizhang.volunteers.models import (
    Activity,
    Certificate,
    HourRecord,
    ServiceOrder,
    Shift,
    SignUp,
    StarThreshold,
    Team,
    TeamMembership,
    Volunteer,
    format_hours,
)

COOKIE = "tzpub_volunteer"
PENDING_COOKIE = PUBLIC_COOKIE_PREFIX + "vlogin"  # the phone a log-in code was sent to (tokens.pending_login_value)
CODE_ATTRS = {"inputmode": "numeric", "autocomplete": "one-time-code"}
# kept out of error reports
PERSONAL_POST = ("real_name", "id_number", "phone", "code", "guardian_name", "guardian_phone")
AREA_PLACEHOLDER = "输入街道或社区名称搜索"
AGREE = "我已阅读并同意个人信息保护说明：证件号码和手机号码加密保存，仅用于身份核验和志愿服务记录"
V = Callable[..., HttpResponseBase]
# the scan page: the site's default policy, with geolocation allowed for the page itself
SCAN_PERMISSIONS = PERMISSIONS_POLICY.replace("geolocation=()", "geolocation=(self)")


def current_volunteer(request: HttpRequest) -> Volunteer | None:
    cached = getattr(request, "_tz_volunteer", False)
    if cached is not False:
        return cast(Volunteer | None, cached)
    data = tokens.read_session(request.COOKIES.get(COOKIE))
    volunteer = None
    if data is not None:
        found = Volunteer.objects.filter(pk=data["v"], status=Volunteer.Status.ACTIVE).first()
        if found is not None and tokens.fingerprint_matches(data, found.phone_hash):
            volunteer = found
    request._tz_volunteer = volunteer  # type: ignore[attr-defined]
    return volunteer


def volunteer_required(view: V) -> V:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        volunteer = current_volunteer(request)
        if volunteer is None:
            return redirect(f"{reverse('volunteers_public:login')}?{urlencode({'next': request.get_full_path()})}")
        try:
            return view(request, volunteer, *args, **kwargs)
        except NotPermitted as exc:
            return render(request, "volunteers/public/message.html", {"text": exc.message}, status=403)

    return cast(V, wrapper)


def _login(response: HttpResponse, volunteer: Volunteer) -> HttpResponse:
    response.set_cookie(COOKIE, tokens.session_value(volunteer.pk, volunteer.phone_hash),
                        max_age=tokens.COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)))
    return response


def _safe_next(request: HttpRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    return nxt if nxt.startswith("/") and not nxt.startswith("//") else default


def _ctx(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {"volunteer": current_volunteer(request), **extra}


# --- registration and log-in -----------------------------------------------------------------------------------------
class RegisterForm(PlainForm):
    real_name = forms.CharField(label="真实姓名", max_length=30)
    id_type = forms.ChoiceField(label="证件类型", choices=Volunteer.IdType.choices)
    id_number = forms.CharField(label="证件号码", max_length=20)
    birth_date = forms.DateField(label="出生日期", required=False, help_text="居民身份证可不填，按证件号码自动识别",
                                 widget=forms.DateInput(attrs={"type": "date"}))
    phone = forms.CharField(label="手机号码", max_length=11, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    code = forms.CharField(label="短信验证码", max_length=6, widget=forms.TextInput(attrs=CODE_ATTRS))
    unit = UnitChoiceField(label="所在街道/社区", empty_label="请选择街道或社区")
    skills = forms.CharField(label="技能特长", max_length=200, required=False)
    guardian_name = forms.CharField(label="监护人姓名（未满18周岁必填）", max_length=30, required=False)
    guardian_phone = forms.CharField(label="监护人手机（未满18周岁必填）", max_length=11, required=False)
    guardian_consent = forms.BooleanField(label="监护人已知悉并同意本人注册、参加志愿服务（未满18周岁必选）",
                                          required=False)
    agree = forms.BooleanField(label=AGREE, required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = (Unit.Kind.STREET, Unit.Kind.TOWN, Unit.Kind.COMMUNITY, Unit.Kind.VILLAGE)
        self.fields["unit"].queryset = Unit.objects.filter(kind__in=kinds, is_active=True).order_by("path")  # type: ignore[attr-defined]
        self.fields["unit"].widget.attrs["data-search-placeholder"] = AREA_PLACEHOLDER


def _typed(data: Any) -> dict[str, Any]:
    """What was typed into the registration form, to show it again (as initial values: not checked yet)."""
    initial: dict[str, Any] = {}
    for name, field in RegisterForm.base_fields.items():
        if name == "code":
            continue
        if isinstance(field, forms.BooleanField):
            initial[name] = data.get(name) in ("on", "1", "true")
        elif name in data:
            initial[name] = (data.get(name) or "")[:200]
    return initial


def _typed_problems(form: RegisterForm) -> None:
    """A registration refused by the form's own checks (a box left empty, 同意 not ticked) also says what is wrong
    with what was typed (an invalid 证件号码, a number already registered): every problem at once, not one round
    at a time. Only fields that were filled in and passed the form's checks are looked at."""
    typed = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", False) and k not in form.errors}
    found = actions.registration_errors(dict(form.cleaned_data), form.cleaned_data.get("unit"), taken=False)
    for name, problems in found.items():
        if name in typed and name != "unit":
            for problem in problems:
                form.add_error(name, problem)


@sensitive_post_parameters(*PERSONAL_POST)
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)  # never a phone from the URL
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        code, unit = d.pop("code"), d.pop("unit")
        d.pop("agree")
        try:
            volunteer = actions.register_with_code(unit=unit, code=code, **d)
        except InvalidInput as exc:
            place_action_errors(form, exc)
        else:
            messages.success(request, f"注册成功，您的志愿者编号是 {volunteer.number}。")
            return _login(redirect("volunteers_public:me"), volunteer)
    elif request.method == "POST":
        _typed_problems(form)
    return render(request, "volunteers/public/register.html", _ctx(request, form=form),
                  status=form_page_status(request))


def _pending_phone(request: HttpRequest) -> str:
    """The phone of a log-in whose code was sent in the last ten minutes (cookie PENDING_COOKIE), or ""."""
    return tokens.read_pending_login(request.COOKIES.get(PENDING_COOKIE)) or ""


def _pending_path() -> str:
    return reverse("volunteers_public:home")  # the volunteer pages only (the log-in page and 重新获取验证码)


def _login_url(nxt: str) -> str:
    """The log-in page, with where to go afterwards: never a phone number (URLs end up in logs and history)."""
    return reverse("volunteers_public:login") + (f"?{urlencode({'next': nxt})}" if nxt else "")


@sensitive_post_parameters(*PERSONAL_POST)
@require_POST
def send_code(request: HttpRequest) -> HttpResponse:
    """Send a one-time code. On the registration page the whole form is posted here and shown again with
    everything typed (rendered, not redirected: nothing typed goes into a URL, where it would be logged). For a
    log-in the phone goes into the pending cookie and the browser to the code page (POST/redirect/GET); its
    重新获取验证码 posts no phone and the pending one is used."""
    purpose = "register" if request.POST.get("purpose") == "register" else "login"
    phone = re.sub(r"[\s-]", "", request.POST.get("phone") or "")
    if purpose == "login" and not phone:
        phone = _pending_phone(request)
    refused = ""
    try:
        actions.request_code(phone=phone, purpose=purpose)
    except InvalidInput as exc:
        refused = exc.message
    if purpose == "register":
        form = RegisterForm(initial=_typed(request.POST))
        if refused:
            _refuse_field(form, "phone", refused)
        else:
            _code_sent(form, phone)
        return render(request, "volunteers/public/register.html", _ctx(request, form=form),
                      status=400 if refused else 200)
    nxt = _safe_next(request, "")
    if not actions.PHONE_RE.match(phone):  # nothing to remember: the number form again, the problem beside it
        login_form = LoginForm(initial={"phone": phone[:11]})
        _refuse_field(login_form, "phone", refused or "请填写11位手机号码。")
        return render(request, "volunteers/public/login.html",
                      _ctx(request, form=login_form, next=nxt, pending=""), status=400)
    if refused:  # a valid number (too soon, too many today): the code page, where a code sent earlier still works
        messages.error(request, refused)
    else:
        messages.success(request, "如该手机号码可以使用，验证码已发送，10分钟内有效。")
    response = redirect(_login_url(nxt))
    response.set_cookie(PENDING_COOKIE, tokens.pending_login_value(phone), max_age=tokens.PENDING_MAX_AGE,
                        path=_pending_path(), httponly=True, samesite="Lax",
                        secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)))
    return response


def _refuse_field(form: forms.Form, name: str, message: str) -> None:
    """A refusal beside one field of a form shown with what was typed (initial values, unbound: nothing else is
    checked, so no other field says 必填)."""
    form.errors  # noqa: B018 -- an unbound form's (empty) errors, to add this one to
    form.cleaned_data = {}
    form.add_error(name, message)


def _code_sent(form: forms.Form, phone: str) -> None:
    """After 获取验证码 on the registration page: beside the code box, where the code went; the cursor is there."""
    field = form.fields["code"]
    field.help_text = f"如该手机号码可以使用，验证码已发送至 {mask(phone, 'phone')}，10分钟内有效。"
    field.widget.attrs["autofocus"] = True


class LoginForm(PlainForm):
    phone = forms.CharField(label="手机号码", max_length=11, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    code = forms.CharField(label="短信验证码", max_length=6, widget=forms.TextInput(attrs=CODE_ATTRS))


class CodeForm(PlainForm):
    """The code page after 获取验证码: the phone is the pending one (shown masked), only the code is typed."""

    code = forms.CharField(label="短信验证码", max_length=6,
                           widget=forms.TextInput(attrs={**CODE_ATTRS, "autofocus": True}))


def _forget_pending(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(PENDING_COOKIE, path=_pending_path(), samesite="Lax")
    return response


@sensitive_post_parameters(*PERSONAL_POST)
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Two steps: the phone number (获取验证码 posts it to send_code), then the code for the pending number.
    A form with both the number and the code (a code asked for earlier) still logs in. ?change=1 (更换号码)
    forgets the pending number."""
    nxt = _safe_next(request, "")
    if request.method == "GET" and request.GET.get("change"):
        return _forget_pending(redirect(_login_url(nxt)))
    pending = _pending_phone(request)
    form: forms.Form
    if pending and not request.POST.get("phone"):
        form = CodeForm(request.POST or None)
    else:
        pending = ""
        form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = str(form.cleaned_data.get("phone") or pending)
        try:
            volunteer = actions.verify_login_code(phone=phone, code=form.cleaned_data["code"])
        except InvalidInput as exc:
            place_action_errors(form, exc)
        else:
            done = _login(redirect(_safe_next(request, reverse("volunteers_public:me"))), volunteer)
            return _forget_pending(done)
    return render(request, "volunteers/public/login.html",
                  _ctx(request, form=form, next=nxt, pending=mask(pending, "phone") if pending else ""),
                  status=form_page_status(request))


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    response = redirect("volunteers_public:home")
    response.delete_cookie(COOKIE)
    return response


# --- browsing and signing up --------------------------------------------------------------------------------------
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    qs = actions.visible_activities()
    q = (request.GET.get("q") or "").strip()[:50]
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(place__icontains=q) | Q(skills__icontains=q))
    street = request.GET.get("unit") or ""
    if street.isdigit():
        unit = Unit.objects.filter(pk=int(street)).first()
        if unit is not None:
            qs = qs.filter(team__unit__path__startswith=unit.path)
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    streets = Unit.objects.filter(kind__in=(Unit.Kind.STREET, Unit.Kind.TOWN), is_active=True).order_by("path")
    return render(request, "volunteers/public/home.html", _ctx(request, page=page, q=q, streets=streets,
                                                                 unit=street))


@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity.objects.select_related("team", "project").exclude(
        status=Activity.Status.DRAFT), pk=pk)
    volunteer = current_volunteer(request)
    mine = {}
    if volunteer is not None:
        mine = {s.shift_id: s for s in SignUp.objects.filter(volunteer=volunteer, shift__activity=activity)}
    shifts = []
    for shift in activity.shifts.annotate(
            taken=Count("signups", filter=Q(signups__state__in=("applied", "approved", "checked_in",
                                                                "checked_out", "confirmed"))),
            waiting=Count("signups", filter=Q(signups__state="waitlisted"))):
        shifts.append({"shift": shift, "taken": shift.taken, "waiting": shift.waiting,
                       "full": shift.taken >= shift.capacity, "mine": mine.get(shift.pk),
                       "open": activity.status == Activity.Status.PUBLISHED and shift.starts_at > timezone.now()})
    return render(request, "volunteers/public/activity.html", _ctx(request, activity=activity, shifts=shifts))


SIGNED_UP = {
    "waitlisted": "报名成功，已进入候补名单：有人取消时按顺序自动递补，递补后短信通知您。",
    "applied": "报名成功，等待组织者审核。审核结果可在“我的”页面查看。",
    "approved": "报名成功，已录用。活动当天到场后，扫描组织者出示的签到码签到。",
}


@require_POST
@volunteer_required
def shift_sign_up(request: HttpRequest, volunteer: Volunteer, pk: int) -> HttpResponse:
    shift = get_object_or_404(Shift, pk=pk)
    try:
        signup = actions.sign_up(volunteer=volunteer, shift=shift)
    except TaizhangError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, SIGNED_UP.get(signup.state, f"报名成功（{signup.get_state_display()}）。"))
    return redirect("volunteers_public:activity", pk=shift.activity_id)


@require_http_methods(["GET", "POST"])
@volunteer_required
def signup_cancel(request: HttpRequest, volunteer: Volunteer, pk: int) -> HttpResponse:
    """Cancelling takes two steps: this page asks, its button (confirm=1) cancels."""
    signup = get_object_or_404(SignUp.objects.select_related("shift__activity"), pk=pk, volunteer=volunteer)
    if request.method == "GET" or request.POST.get("confirm") != "1":
        return render(request, "volunteers/public/cancel.html", _ctx(
            request, signup=signup, cancellable=signup.state in actions.CANCELLABLE_STATES))
    try:
        actions.cancel_signup(volunteer=volunteer, signup=signup)
        messages.success(request, "已取消报名。")
    except TaizhangError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers_public:me")


@require_GET
def teams(request: HttpRequest) -> HttpResponse:
    qs = Team.objects.filter(is_active=True).select_related("unit").annotate(members=Count("memberships"))
    q = (request.GET.get("q") or "").strip()[:50]
    if q:
        qs = qs.filter(name__icontains=q)
    volunteer = current_volunteer(request)
    joined = set(TeamMembership.objects.filter(volunteer=volunteer).values_list("team_id", flat=True)) \
        if volunteer else set()
    page = Paginator(qs.order_by("unit__path", "name"), 30).get_page(request.GET.get("page"))
    return render(request, "volunteers/public/teams.html", _ctx(request, page=page, q=q, joined=joined))


@require_POST
@volunteer_required
def team_join(request: HttpRequest, volunteer: Volunteer, pk: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=pk)
    try:
        actions.join_team(volunteer=volunteer, team=team)
        messages.success(request, f"已加入{team.name}。")
    except TaizhangError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers_public:teams")


# --- check-in by scanning ---------------------------------------------------------------------------------------
def _float(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None


@require_http_methods(["GET", "POST"])
@volunteer_required
def scan(request: HttpRequest, volunteer: Volunteer, pk: int) -> HttpResponse:
    activity = get_object_or_404(Activity, pk=pk)
    token = (request.POST.get("t") or request.GET.get("t") or "")[:100]
    error = ""
    if request.method == "POST":
        lat, lng = _float(request.POST.get("lat")), _float(request.POST.get("lng"))
        try:
            if request.POST.get("what") == "out":
                record = actions.check_out(volunteer=volunteer, activity=activity, token=token, lat=lat, lng=lng,
                                           confirm_short=request.POST.get("confirm_short") == "1")
                messages.success(request, f"签退成功，本次服务{format_hours(record.hours)}小时，"
                                          "活动结束后由组织者确认。")
            else:
                actions.check_in(volunteer=volunteer, activity=activity, token=token, lat=lat, lng=lng)
                messages.success(request, "签到成功，服务结束时请再次扫码签退。")
        except TaizhangError as exc:
            error = exc.message
        else:
            return redirect("volunteers_public:me")
    state = actions.scan_state(volunteer=volunteer, activity=activity, token=token)
    # the page explains every state itself; a refusal is added only where the page still offers a button
    response = render(request, "volunteers/public/scan.html", _ctx(
        request, activity=activity, token=token, s=state, error=error if state.offers_action else ""))
    # its script reads the phone's position (kept with the scan, checked against the activity's 签到范围):
    # the page allows geolocation for itself, as the citizen report and inspection pages do
    response["Permissions-Policy"] = SCAN_PERMISSIONS
    return response


# --- my page --------------------------------------------------------------------------------------------------------
@require_GET
@volunteer_required
def me(request: HttpRequest, volunteer: Volunteer) -> HttpResponse:
    stars = list(StarThreshold.objects.order_by("level"))
    star = volunteer.star
    nxt = next((s for s in stars if s.level == star + 1), None)
    return render(request, "volunteers/public/me.html", _ctx(
        request, masked=volunteer.masked(), star=star, stars=stars, next_star=nxt,
        to_next=(nxt.hours - volunteer.total_hours) if nxt else None,
        signups=actions.my_signups(volunteer)[:30],
        records=HourRecord.objects.filter(volunteer=volunteer).select_related("team", "activity")
        .prefetch_related("disputes")[:50],
        certificates=Certificate.objects.filter(volunteer=volunteer).order_by("-issued_on", "-id"),
        by_team=certificates.confirmed_hours_by_team(volunteer),
        teams=Team.objects.filter(memberships__volunteer=volunteer),
    ))


class DisputeForm(PlainForm):
    reason = forms.CharField(label="申诉理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    claimed_hours = forms.DecimalField(label="您认为应计时长（小时，可不填）", required=False, min_value=Decimal(0),
                                       max_value=Decimal(12), max_digits=4, decimal_places=2,
                                       error_messages={"min_value": DISPUTE_RANGE, "max_value": DISPUTE_RANGE})


@require_http_methods(["GET", "POST"])
@volunteer_required
def dispute(request: HttpRequest, volunteer: Volunteer, pk: int) -> HttpResponse:
    record = get_object_or_404(HourRecord, pk=pk, volunteer=volunteer)
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.open_dispute(volunteer=volunteer, record=record, reason=form.cleaned_data["reason"],
                                 claimed_hours=form.cleaned_data["claimed_hours"])
        except InvalidInput as exc:
            place_action_errors(form, exc)
        except TaizhangError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "申诉已提交，组织者处理后会更新记录。")
            return redirect("volunteers_public:me")
    return render(request, "volunteers/public/dispute.html", _ctx(request, form=form, record=record),
                  status=form_page_status(request))


@require_POST
@volunteer_required
def certificate_request(request: HttpRequest, volunteer: Volunteer) -> HttpResponse:
    team = get_object_or_404(Team, pk=int(request.POST.get("team") or 0))
    try:
        cert = certificates.issue_certificate(acting_user=None, volunteer=volunteer, issuer=team,
                                              by_volunteer=volunteer)
        messages.success(request, f"已出具志愿服务证明，编号 {cert.number}。")
    except TaizhangError as exc:
        messages.error(request, exc.message)
    return redirect("volunteers_public:me")


@require_GET
@volunteer_required
def certificate_download(request: HttpRequest, volunteer: Volunteer, pk: int) -> HttpResponse:
    cert = get_object_or_404(Certificate.objects.select_related("volunteer"), pk=pk, volunteer=volunteer)
    if cert.revoked:
        raise Http404("该证明已撤销。")
    data = certificates.write_docx(cert, request.build_absolute_uri(reverse("volunteers_public:verify")))
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument."
                                               "wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.docx"'
    return response


# --- certificate verification and order rating (no log-in) ------------------------------------------------------------
@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    """A certificate's details for its number and 核验码 together (certificates.verify); look-ups are limited per
    client address (certificates.verify_over_rate)."""
    number = (request.GET.get("number") or "").strip()[:32]
    code = (request.GET.get("code") or "").strip()[:16]
    refused = certificates.verify_over_rate(client_address(request)) if number or code else ""
    result, cert = ("", None) if refused else certificates.verify(number, code)
    note = refused or {"missing": certificates.VERIFY_MISSING, "wrong": certificates.VERIFY_WRONG}.get(result, "")
    return render(request, "volunteers/public/verify.html", _ctx(
        request, number=number, code=code, result="limited" if refused else result, note=note,
        info=certificates.public_view(cert) if cert else None), status=429 if refused else 200)


class RateForm(PlainForm):
    rating = forms.TypedChoiceField(label="评价", coerce=int, widget=forms.RadioSelect,
                                    choices=[(5, "非常满意"), (4, "满意"), (3, "一般"), (2, "不满意"), (1, "很不满意")])
    comment = forms.CharField(label="意见建议", max_length=200, required=False)


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    order = orders.order_from_token(token)
    if order is None:
        raise Http404("链接无效或已过期。")
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            orders.rate_order(acting_user=None, order=order, rating=form.cleaned_data["rating"],
                              comment=form.cleaned_data["comment"])
        except (InvalidInput, InvalidTransition) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "感谢您的评价。")
            return redirect("volunteers_public:rate", token=token)
    order.refresh_from_db()
    return render(request, "volunteers/public/rate.html", _ctx(
        request, order=order, form=form, done=order.state == ServiceOrder.State.RATED,
        rating_label=dict(RateForm.base_fields["rating"].choices).get(order.rating, "")),  # type: ignore[attr-defined]
        status=form_page_status(request))
