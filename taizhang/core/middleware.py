from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from taizhang.core import context


def client_address(request: HttpRequest) -> str:
    """The client address. X-Forwarded-For is only trusted when TAIZHANG_TRUSTED_PROXY is set."""
    from django.conf import settings

    if getattr(settings, "TAIZHANG_TRUSTED_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


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
