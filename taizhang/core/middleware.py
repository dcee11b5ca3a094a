from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable
from functools import lru_cache

from django.db import DataError
from django.http import HttpRequest, HttpResponse

from taizhang.core import context


@lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    nets = []
    for entry in entries:
        if entry.lower() in ("true", "1", "yes", "on"):  # the old boolean form: trust the local proxy only
            entry = "127.0.0.1/32"
        try:
            nets.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            continue
    return tuple(nets)


def _trusted(address: str, nets: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_address(request: HttpRequest) -> str:
    """The client address for the audit log, lockout and rate limits.

    X-Forwarded-For is read only when the connection comes from a proxy listed in TAIZHANG_TRUSTED_PROXY
    (addresses or networks); then the right-most address that is not itself a trusted proxy is the client, so a
    client cannot choose its address by sending the header itself.
    """
    from django.conf import settings

    remote = str(request.META.get("REMOTE_ADDR", ""))[:64]
    configured = getattr(settings, "TAIZHANG_TRUSTED_PROXY", None) or ()
    if isinstance(configured, str):
        configured = [configured]
    elif configured is True:
        configured = ["127.0.0.1"]
    nets = _networks(tuple(str(c) for c in configured))
    if not nets or not _trusted(remote, nets):
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if part.strip()]
    for candidate in reversed(forwarded):
        if not _trusted(candidate, nets):
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                return remote
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        token = context.set_current(
            context.RequestContext(address=client_address(request), request_id=uuid.uuid4().hex[:16], channel=channel)
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class RejectNulMiddleware:
    """Refuse requests whose query string or (non-file) body holds a NUL character: no database stores it
    (PostgreSQL text cannot), and no legitimate form or JSON sends it. Answers 400 with a Chinese message."""

    MESSAGE = "请求中含有不允许的空字符（NUL），已拒绝。"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            from django.http import HttpResponseBadRequest, JsonResponse

            if request.path.startswith("/api/"):
                return JsonResponse({"detail": self.MESSAGE}, status=400)
            return HttpResponseBadRequest(self.MESSAGE, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query or "\x00" in query or "\x00" in request.path:
            return True
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("multipart/"):
            # Uploaded files may hold NUL bytes (their names are sanitised by core.uploads); the fields may not.
            try:
                return any("\x00" in value for values in request.POST.lists() for value in values[1])
            except Exception:  # a malformed body is for the view's parser to refuse
                return False
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        if 0 < length <= 5 * 1024 * 1024:
            body = request.body
            return b"\x00" in body or b"\\u0000" in body or b"%00" in body
        return False


BAD_INPUT_MESSAGE = "请求中的参数格式有误或数值超出范围，已拒绝。"
# DataError: PostgreSQL refusing a value for its column ("integer out of range", "numeric field overflow") — what
# SQLite lets through or answers with an OverflowError. The transaction it broke has been rolled back by then.
BAD_INPUT_ERRORS: tuple[type[BaseException], ...] = (ValueError, OverflowError, RecursionError, UnicodeError, DataError)


def bad_input_response(request: HttpRequest, exception: BaseException) -> HttpResponse:
    """The 400 answer of the safety net; the exception is logged with its traceback (a root cause to fix)."""
    import logging

    from django.http import HttpResponseBadRequest, JsonResponse

    logging.getLogger("taizhang.bad_input").warning(
        "bad input answered with 400: %s %s", request.method, request.path, exc_info=exception
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": BAD_INPUT_MESSAGE}, status=400)
    return HttpResponseBadRequest(BAD_INPUT_MESSAGE, content_type="text/plain; charset=utf-8")


class BadInputMiddleware:
    """Safety net below every view: ValueError, OverflowError, RecursionError, UnicodeError and the database's
    DataError escaping a view are answered with a Chinese 400 instead of a 500 (ids beyond 64 bits, malformed
    numbers or dates in query strings, absurdly nested input, a number past its column on PostgreSQL). Root causes
    are fixed where they are found (see docs/security.md); this only keeps a missed one from becoming a server
    error. The API's exception handler (core.api) does the same for DRF views."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, BAD_INPUT_ERRORS):
            return bad_input_response(request, exception)
        return None
