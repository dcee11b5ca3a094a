from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable
from functools import lru_cache

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
