"""Where a `next` (or a notice's link) may send the browser: a path on this site, nothing else."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def is_local_path(request: HttpRequest, url: str | None) -> bool:
    """True for an absolute path on this site ("/ledger/review/?page=2"). Not an outside address, not a
    scheme-relative "//host", and not a bare word ("abc"), which redirect() would take for a URL name and fail on
    after the action was done."""
    if not url or not url.startswith("/") or url.startswith("//") or url.startswith("/\\"):
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())
