"""The two sites of one installation: the staff workbench (工作台) and the public site (公众端).

* Hosts named in ``TAIZHANG_PUBLIC_HOSTS`` get the public URL configuration (``taizhang/urls_public.py``) at
  their root; every staff URL is a 404 there.
* With no public host configured (one machine), the public site is reachable on the staff host under
  ``/public/`` (``PUBLIC_PREFIX``).
* ``TAIZHANG_SITE`` (set by ``taizhang serve --site public|staff|both``): ``public`` serves only the public site,
  on every host, at the root; ``staff`` serves only the workbench (no public hosts, no prefix); ``both`` (default)
  routes by host as above.

No staff session is ever valid on the public site: ``PublicSiteMiddleware`` (placed right after Django's
AuthenticationMiddleware) replaces ``request.user`` with an anonymous user for public requests, so public views
cannot act as a signed-in member of staff, and the session policy (idle timeout, forced password change) never
touches them. Public state lives in cookies of its own (``PUBLIC_COOKIE_PREFIX``).

This module imports no app: the public site's pages come from the URL configuration, not from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.urls import get_urlconf, set_urlconf

PUBLIC_URLCONF = "taizhang.urls_public"
PREFIXED_URLCONF = "taizhang.citizen.public_prefix_urls"  # the public site under PUBLIC_PREFIX
PUBLIC_PREFIX = "/public/"
PUBLIC_COOKIE_PREFIX = "tzpub_"
SITES = ("both", "public", "staff")


def site_mode() -> str:
    mode = str(getattr(settings, "TAIZHANG_SITE", "both") or "both")
    return mode if mode in SITES else "both"


def public_hosts() -> list[str]:
    return [h.strip().lower() for h in getattr(settings, "TAIZHANG_PUBLIC_HOSTS", []) or [] if h.strip()]


def _host(request: HttpRequest) -> str:
    host = str(request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME") or "").lower()
    if host.startswith("["):  # [::1]:8000
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def public_urlconf_for(request: HttpRequest) -> str | None:
    """The URL configuration to use when `request` is for the public site, else None (the staff site)."""
    mode = site_mode()
    if mode == "public":
        return PUBLIC_URLCONF
    if mode == "staff":
        return None
    hosts = public_hosts()
    if hosts:
        return PUBLIC_URLCONF if _host(request) in hosts else None
    if request.path_info.startswith(PUBLIC_PREFIX) or request.path_info == PUBLIC_PREFIX.rstrip("/"):
        return PREFIXED_URLCONF
    return None


def is_public(request: HttpRequest) -> bool:
    return bool(getattr(request, "tz_public", False))


class PublicSiteMiddleware:
    """Route public requests to the public URL configuration and drop any staff identity from them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        urlconf = public_urlconf_for(request)
        if urlconf is not None:
            request.urlconf = urlconf  # type: ignore[attr-defined]
            request.tz_public = True  # type: ignore[attr-defined]
            request.user = AnonymousUser()  # a staff session cookie grants nothing here

            async def _anonymous() -> AnonymousUser:
                return AnonymousUser()

            setattr(request, "_cached_user", request.user)  # noqa: B010
            setattr(request, "auser", _anonymous)  # noqa: B010
        else:
            request.tz_public = False  # type: ignore[attr-defined]
        return self.get_response(request)


@contextmanager
def staff_urls() -> Iterator[None]:
    """Reverse staff URLs while serving a public request: actions called from public views (a citizen's rating, a
    report) notify staff with links to the workbench, which the public URL configuration does not have."""
    old = get_urlconf()
    set_urlconf(None)
    try:
        yield
    finally:
        set_urlconf(old)
