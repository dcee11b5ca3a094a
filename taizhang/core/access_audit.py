"""Audit rows for denied accesses and for sessions that ended unseen (MLPS 安全审计: 重要安全事件).

* `audit_denied(request, response)`: a 403 or a 404 answered to a signed-in user (a scoped object outside their
  units, a page without the capability, an unknown id), and a 401/403 to an anonymous API caller (a bad token),
  becomes an `access_denied` row. At most TAIZHANG_AUDIT_DENIED_PER_MINUTE rows per user (or, anonymous, per
  address) and minute are written, plus one row saying that the limit was reached, so a scanner cannot flood
  the log; the counter lives in the cache.
* The idle logout is recorded even when the stored session expired before the user came back: a signed,
  HttpOnly cookie (`tz_sess`) names the user and a digest of the session key; a later request that carries the
  same session cookie but no longer finds the session records the logout ("会话超时") for that user once.
"""

from __future__ import annotations

import hashlib
import logging
import time
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from taizhang.core import audit

log = logging.getLogger(__name__)
SESSION_MARK = "tz_sess"
MARK_SALT = "taizhang.core.access_audit.session"
DENIED_STATUSES = (403, 404)
ANONYMOUS_STATUSES = (401, 403)


def _limit() -> int:
    return int(getattr(settings, "TAIZHANG_AUDIT_DENIED_PER_MINUTE", 20))


def _skipped(path: str) -> bool:
    static = settings.STATIC_URL or "/static/"
    return path.startswith(static) or path in ("/favicon.ico", "/healthz", "/robots.txt")


def current_minute() -> int:
    return int(time.time() // 60)


def note_denial(request: HttpRequest, exception: BaseException) -> None:
    """Keep the reason of a Http404/PermissionDenied/NotPermitted raised in a view for the audit row."""
    message = getattr(exception, "message", None) or (exception.args[0] if exception.args else "")
    request._tz_denied_reason = str(message)[:200]  # type: ignore[attr-defined]


def audit_denied(request: HttpRequest, response: HttpResponse) -> None:
    status = response.status_code
    if status not in (401, 403, 404) or _skipped(request.path):
        return
    user: Any = getattr(request, "user", None)
    signed_in = bool(user is not None and getattr(user, "is_authenticated", False))
    if signed_in:
        if status not in DENIED_STATUSES:
            return
        who = f"u{user.pk}"
    else:
        if status not in ANONYMOUS_STATUSES or not (request.path.startswith("/api/") or status == 403):
            return
        from taizhang.core.context import current

        who = f"a{current().address}"
    key = f"tz:denied:{who}:{current_minute()}"
    try:
        cache.add(key, 0, 120)
        count = int(cache.incr(key))
    except Exception:  # a cache outage must not hide denials: write the row
        count = 1
    limit = _limit()
    if count > limit + 1:
        return
    path = request.get_full_path()[:300]
    reason = str(getattr(request, "_tz_denied_reason", "") or "")
    kind = {401: "未通过认证", 403: "无权限", 404: "不存在或不在管辖范围内"}[status]
    if count == limit + 1:
        message = f"本分钟内拒绝访问已达 {limit} 次，其余不再逐条记录（{request.method} {path}）"
    else:
        message = f"{status} {kind}：{request.method} {path}" + (f"（{reason}）" if reason else "")
    try:
        audit.record("access_denied", None, user=user if signed_in else None, success=False,
                     object_type="http.request", object_repr=path, message=message)
    except Exception:  # the audit log is down: the request's answer stands, the server log keeps the event
        log.exception("access_denied audit row not written for %s", path)


# --- sessions that expired unseen ------------------------------------------------------------------------------
def _session_digest(session_key: str | None) -> str:
    return hashlib.sha256((session_key or "").encode()).hexdigest()[:24]


def mark_session(request: HttpRequest, response: HttpResponse) -> None:
    """For a signed-in response: make sure the browser holds the mark of this session (set when it changes)."""
    session = getattr(request, "session", None)
    user: Any = getattr(request, "user", None)
    if session is None or user is None or not getattr(user, "is_authenticated", False):
        return
    key = session.session_key
    if not key:
        return
    value = f"{user.pk}:{_session_digest(key)}"
    current = request.COOKIES.get(SESSION_MARK)
    if current:
        try:
            if signing.Signer(salt=MARK_SALT).unsign(current) == value:
                return
        except signing.BadSignature:
            pass
    response.set_cookie(SESSION_MARK, signing.Signer(salt=MARK_SALT).sign(value), httponly=True,
                        samesite="Lax", secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)), path="/")


def clear_mark(response: HttpResponse) -> None:
    response.delete_cookie(SESSION_MARK, path="/", samesite="Lax")


def expired_session_user(request: HttpRequest) -> tuple[bool, Any]:
    """For an anonymous request carrying the mark: (mark present, the user whose stored session vanished)."""
    mark = request.COOKIES.get(SESSION_MARK)
    if not mark:
        return False, None
    try:
        uid, _, digest = signing.Signer(salt=MARK_SALT).unsign(mark).partition(":")
    except signing.BadSignature:
        return True, None
    cookie_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not cookie_key or digest != _session_digest(cookie_key) or not uid.isdigit():
        return True, None  # the browser dropped the session (logout elsewhere, browser closed): nothing to add
    from django.contrib.auth import get_user_model

    return True, get_user_model().objects.filter(pk=int(uid)).first()


def record_expired_logout(user: Any, idle_minutes: int) -> None:
    try:
        audit.record("logout", user, user=user, object_type="accounts.user",
                     message=f"会话超时（超过 {idle_minutes} 分钟未操作，服务器上的会话已过期），自动退出")
    except Exception:
        log.exception("idle logout audit row not written for user %s", getattr(user, "pk", None))
