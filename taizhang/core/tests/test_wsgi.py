"""The WSGI module the server loads: it serves the project, and it leaves what it loaded frozen out of the garbage
collector's full collections (a dashboard visit otherwise paid 90–150 ms now and then for walking Django)."""

from __future__ import annotations

import gc
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest


@pytest.mark.django_db
def test_the_wsgi_module_serves_and_freezes_what_it_loaded(settings: Any) -> None:
    import taizhang.wsgi

    gc.unfreeze()
    taizhang.wsgi.freeze_loaded()
    try:
        assert gc.get_freeze_count() > 10_000  # Django, the apps, every view module
    finally:
        gc.unfreeze()
    settings.ALLOWED_HOSTS = ["testserver"]
    environ: dict[str, Any] = {"PATH_INFO": "/accounts/login/", "HTTP_HOST": "testserver"}
    setup_testing_defaults(environ)
    started: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append(status)
        return lambda data: None

    body = b"".join(taizhang.wsgi.application(environ, start_response))
    assert started == ["200 OK"] and "登录".encode() in body
