"""Login (with lockout and the second factor), logout, password change, TOTP enrolment."""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model, logout, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from taizhang.accounts import actions, lockout, policy, totp
from taizhang.accounts.forms import (
    CodeForm,
    EnrolForm,
    LoginForm,
    PasswordChangeForm,
    SetNewPasswordForm,
    audit_locks,
    audit_login_failure,
)
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.middleware import client_address
from taizhang.core.redirects import is_local_path

PENDING = "tz_pending_login"  # user id, backend, time and next URL between the password and the second factor
PENDING_SECONDS = 300
ENROL_SECRET = "tz_totp_enrol"  # noqa: S105 - a session key, not a secret
MFA_DONE = "tz_mfa"  # session flag: this session passed the second factor


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if is_local_path(request, candidate):
        return str(candidate)
    return reverse("core:home")


def complete_login(request: HttpRequest, user: Any, *, backend: str | None, mfa: bool) -> None:
    auth_login(request, user, backend=backend)
    request.session[MFA_DONE] = mfa
    request.session["tz_seen"] = int(time.time())
    lockout.register_success(user.username)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if self.request.GET.get("expired"):
            context["expired"] = f"由于超过 {policy.idle_minutes()} 分钟未操作，您已自动退出，请重新登录。"
        return context

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        user = form.get_user()
        backend = getattr(user, "backend", None)
        if user.totp_enabled:
            self.request.session[PENDING] = {
                "uid": user.pk, "backend": backend, "at": int(time.time()), "next": self.get_success_url(),
            }
            return redirect("accounts:totp_verify")
        complete_login(self.request, user, backend=backend, mfa=False)
        return HttpResponseRedirect(self.get_success_url())


def _pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]] | None:
    data = request.session.get(PENDING)
    if not isinstance(data, dict) or int(time.time()) - int(data.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = get_user_model().objects.filter(pk=int(data.get("uid") or 0), is_active=True).first()
    return (user, data) if user is not None else None


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def totp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of a login for users with an authenticator."""
    pending = _pending_user(request)
    if pending is None:
        messages.error(request, "登录已超时，请重新输入用户名和密码。")
        return redirect("accounts:login")
    user, data = pending
    address = client_address(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        refusal = lockout.check(user.username, address)
        if refusal is not None:
            request.session.pop(PENDING, None)
            audit_login_failure(user.username, f"登录被拒绝：{refusal.message}", user_id=user.pk)
            messages.error(request, refusal.message)
            return redirect("accounts:login")
        if totp.verify_user(user, form.cleaned_data["code"]):
            request.session.pop(PENDING, None)
            complete_login(request, user, backend=data.get("backend"), mfa=True)
            return HttpResponseRedirect(_safe_next(request, data.get("next")))
        locks = lockout.register_failure(user.username, address)
        audit_login_failure(user.username, "动态口令错误", user_id=user.pk)
        audit_locks(locks)
        refusal = lockout.check(user.username, address)
        if refusal is not None:
            request.session.pop(PENDING, None)
            messages.error(request, refusal.message)
            return redirect("accounts:login")
        form.add_error("code", "动态口令不正确或已使用过，请输入验证器当前显示的 6 位数字。")
    return render(request, "accounts/totp_verify.html", {"form": form, "pending_user": user})


@sensitive_post_parameters("code")
@login_required
@never_cache
def totp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator (required for administrators before they can use the system)."""
    user: Any = request.user
    secret = request.session.get(ENROL_SECRET)
    if not secret or request.GET.get("new"):
        secret = totp.new_secret()
        request.session[ENROL_SECRET] = secret
    need_code = actions.enrolment_code_required(user)
    form = EnrolForm(request.POST or None, need_code=need_code)
    if request.method == "POST" and form.is_valid():
        address = client_address(request)
        refusal = lockout.check(user.username, address)
        try:
            if refusal is not None:
                raise InvalidInput(refusal.message, {"code": [refusal.message]})
            actions.enable_totp(acting_user=user, user=user, secret=secret, code=form.cleaned_data["code"],
                                enrolment_code=form.cleaned_data.get("enrolment_code") or "")
        except InvalidInput as exc:
            field = "enrolment_code" if "enrolment_code" in exc.errors and need_code else "code"
            form.add_error(field, exc.message)
            if refusal is None and field == "enrolment_code":
                # A wrong enrolment code counts like a wrong password: it cannot be guessed without limit.
                audit_locks(lockout.register_failure(user.username, address))
                audit_login_failure(user.username, "动态口令绑定码错误", user_id=user.pk)
        else:
            request.session.pop(ENROL_SECRET, None)
            request.session[MFA_DONE] = True
            messages.success(request, "已启用双因素认证。今后登录时，除密码外还须输入验证器中的动态口令。")
            return redirect(_safe_next(request, request.GET.get("next")))
    return render(request, "accounts/totp_setup.html", {
        "form": form, "secret": totp.grouped(secret), "uri": totp.provisioning_uri(secret, user.get_username()),
        "required": policy.requires_totp(user) and not user.totp_enabled, "need_code": need_code,
    })


@login_required
@never_cache
def totp_manage(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST" and request.POST.get("action") == "disable":
        try:
            actions.disable_totp(acting_user=user, user=user)
        except NotPermitted as exc:
            messages.error(request, exc.message)
        else:
            request.session[MFA_DONE] = False
            messages.success(request, "已停用双因素认证。")
        return redirect("accounts:totp")
    required = policy.totp_required_for_admins() and policy.holds_admin_role(user)
    return render(request, "accounts/totp.html", {"required": required})


class PasswordChangeView(auth_views.PasswordChangeView):
    """The user's own change; also the page the forced change (first login, reset, expiry) leads to."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["request"] = self.request
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["reason"] = policy.must_change_password(self.request.user)
        context["requirement"] = policy.requirement_text()
        return context

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        if getattr(form, "locked", False):
            # Too many wrong old passwords: the account is locked and this session ends with it.
            message = "；".join(str(e) for e in form.errors.get("old_password", [])) or "账户已被锁定。"
            self.request._tz_logout_reason = "修改密码时原密码连续错误，账户锁定，会话结束"  # type: ignore[attr-defined]
            logout(self.request)
            messages.error(self.request, message)
            return redirect("accounts:login")
        return super().form_invalid(form)

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        user: Any = self.request.user
        try:
            actions.change_password(acting_user=user, user=user, new_password=form.cleaned_data["new_password1"])
        except InvalidInput as exc:
            form.add_error("new_password1", ValidationError(list(exc.errors.get("new_password1") or [exc.message])))
            return self.form_invalid(form)
        update_session_auth_hash(self.request, user)
        messages.success(self.request, "密码已修改。")
        return redirect(_safe_next(self.request, self.request.GET.get("next")))


class LogoutView(auth_views.LogoutView):
    pass


@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
def password_reset_confirm(request: HttpRequest, code: str) -> HttpResponse:
    """The one-time link a password reset mails to the user: they choose the new password here. Opening the page
    does not use the link (mail scanners fetch links); saving does."""
    from taizhang.accounts import codes
    from taizhang.accounts.models import OneTimeCode

    valid = codes.find(OneTimeCode.Purpose.PASSWORD_RESET, code) is not None
    form = SetNewPasswordForm(request.POST or None)
    if request.method == "POST" and valid and form.is_valid():
        try:
            user = actions.complete_password_reset(code=code, new_password=form.cleaned_data["new_password1"])
        except InvalidInput as exc:
            form.add_error("new_password1", ValidationError(list(exc.errors.get("new_password1") or [exc.message])))
        else:
            if request.user.is_authenticated:
                logout(request)
            messages.success(request, f"已为 {user.username} 设置新密码，请用新密码登录。")
            return redirect("accounts:login")
    # The link stays on this site: Referrer-Policy same-origin and a CSP that loads nothing from elsewhere (a
    # no-referrer policy would make browsers send "Origin: null" and the CSRF check refuse the form).
    return render(request, "accounts/password_reset_confirm.html", {
        "form": form, "valid": valid, "requirement": policy.requirement_text(),
    }, status=200 if valid else 404)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "accounts/csrf_failure.html", status=403)
