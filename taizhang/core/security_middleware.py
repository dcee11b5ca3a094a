"""Security middleware (MLPS): response headers with a content security policy, and the session policy.

`SecurityHeadersMiddleware` adds to every response the app renders (static files are served before it by
WhiteNoise): Content-Security-Policy (no inline script or style, nothing from other origins), Permissions-Policy,
Cross-Origin-Resource-Policy, and `Cache-Control: no-store` on pages for signed-in users, so nothing personal stays
in shared browser caches. Django's SecurityMiddleware adds nosniff, Referrer-Policy, COOP and, behind HTTPS, HSTS.

`SessionPolicyMiddleware`, for signed-in sessions:
1. idle timeout on the server side: a session unused for TAIZHANG_SESSION_IDLE_MINUTES is ended (audited);
2. forced password change (first login, after a reset, after TAIZHANG_PASSWORD_MAX_AGE_DAYS): every page but the
   password page leads there;
3. second factor: users who must use TOTP (administrators, and anyone who enrolled) reach nothing but enrolment or
   verification until this session has passed it.
API requests get JSON answers instead of redirects. Token-authenticated API calls are not sessions and are not
affected (tokens are issued by `taizhang api_token` on the server).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from taizhang.core import access_audit
from taizhang.core.errors import NotPermitted
from taizhang.core.permissions import mfa_session_key, session_policy

ACTIVITY_KEY = "tz_seen"
ACTIVITY_WRITE_SECONDS = 30  # store the last activity at most this often (a session write per request is costly)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            docs = request.path.startswith("/api/docs/")
            response["Content-Security-Policy"] = settings.TAIZHANG_CSP_API_DOCS if docs else settings.TAIZHANG_CSP
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        response.setdefault("X-Permitted-Cross-Domain-Policies", "none")
        try:
            user = getattr(request, "user", None)
            signed_in = user is not None and user.is_authenticated
        except (OperationalError, InterfaceError):  # the database is down: the inner layers answered 503
            signed_in = True
        if signed_in and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


def _exempt(path: str, prefixes: tuple[str, ...]) -> bool:
    return path.startswith(prefixes) or path in ("/healthz", "/favicon.ico")


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._handle(request)
        # Denied accesses (403/404, bad tokens) are audited, rate-limited per user (core.access_audit).
        access_audit.audit_denied(request, response)
        return response

    def _handle(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        try:
            authenticated = user is not None and user.is_authenticated  # loads the session and the user
        except (OperationalError, InterfaceError):
            return database_unavailable(request)
        if not authenticated or not hasattr(request, "session"):
            response = self.get_response(request)
            marked, gone = access_audit.expired_session_user(request)
            if gone is not None:  # the stored session expired before the user came back: the idle logout
                access_audit.record_expired_logout(gone, int(settings.TAIZHANG_SESSION_IDLE_MINUTES))
            if marked and not getattr(getattr(request, "user", None), "is_authenticated", False):
                access_audit.clear_mark(response)
            access_audit.mark_session(request, response)  # a login just happened
            return response
        timed_out = self._idle(request)
        if timed_out is not None:
            access_audit.clear_mark(timed_out)
            return timed_out
        gate = self._gate(request, user)
        if gate is not None:
            if not request.user.is_authenticated:
                access_audit.clear_mark(gate)
            return gate
        response = self.get_response(request)
        if request.user.is_authenticated:
            access_audit.mark_session(request, response)
        else:  # signed out by this request
            access_audit.clear_mark(response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, (OperationalError, InterfaceError)):
            return database_unavailable(request)
        if isinstance(exception, (Http404, PermissionDenied, NotPermitted)):
            access_audit.note_denial(request, exception)
        return None

    # 1. idle timeout -------------------------------------------------------------------------------------------
    def _idle(self, request: HttpRequest) -> HttpResponse | None:
        policy = session_policy()

        now = int(time.time())
        seen = request.session.get(ACTIVITY_KEY)
        limit = policy.idle_minutes() * 60
        if isinstance(seen, int) and now - seen > limit:
            request._tz_logout_reason = f"会话超时（{policy.idle_minutes()} 分钟未操作），自动退出"  # type: ignore[attr-defined]
            logout(request)
            if _is_api(request):
                return JsonResponse({"detail": "会话已超时，请重新登录。"}, status=401)
            login = reverse("accounts:login")
            return redirect(f"{login}?{urlencode({'expired': 1, 'next': request.get_full_path()})}")
        if not isinstance(seen, int) or now - seen >= ACTIVITY_WRITE_SECONDS:
            request.session[ACTIVITY_KEY] = now
        return None

    # 2 and 3. forced password change, second factor ------------------------------------------------------------
    def _gate(self, request: HttpRequest, user: Any) -> HttpResponse | None:
        policy = session_policy()
        MFA_DONE = mfa_session_key()  # noqa: N806

        path = request.path
        static = (settings.STATIC_URL or "/static/",)
        logout_url = reverse("accounts:logout")
        if _exempt(path, (*static, logout_url)):
            return None
        password_url = reverse("accounts:password_change")
        reason = policy.must_change_password(user)
        if reason:
            if path == password_url:
                return None
            if _is_api(request):
                return JsonResponse({"detail": reason + "请先在网页上修改密码。"}, status=403)
            return redirect(f"{password_url}?{urlencode({'next': request.get_full_path()})}")
        if policy.requires_totp(user) and request.session.get(MFA_DONE) is not True:
            setup_url = reverse("accounts:totp_setup")
            if path in (setup_url, password_url):
                return None
            if _is_api(request):
                return JsonResponse({"detail": "须先完成双因素认证（动态口令）。"}, status=403)
            if user.totp_enabled:
                # An enrolled user whose session skipped the second step (e.g. enrolled on another device
                # meanwhile): sign in again properly.
                request._tz_logout_reason = "本次会话未经动态口令验证，须重新登录"  # type: ignore[attr-defined]
                logout(request)
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': request.get_full_path()})}")
            return redirect(f"{setup_url}?{urlencode({'next': request.get_full_path()})}")
        return None


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The database cannot be reached (restart, failover): a clear 503 instead of a stack trace; clients retry."""
    import logging

    logging.getLogger("taizhang.db").warning("database unavailable for %s %s", request.method, request.path)
    message = "数据库暂时不可用，请稍后重试。"
    if _is_api(request):
        response: HttpResponse = JsonResponse({"detail": message}, status=503,
                                              json_dumps_params={"ensure_ascii": False})
    else:
        page = ('<!DOCTYPE html><html lang="zh-hans"><meta charset="utf-8"><title>暂时不可用</title>'
                f"<p>{message}</p></html>")
        response = HttpResponse(page, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = "10"
    return response


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")
