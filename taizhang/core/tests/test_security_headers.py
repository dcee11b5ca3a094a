"""Security headers and the content security policy, and that the pages satisfy it (no inline script or style)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.testing import make_record, make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
INLINE = [
    (re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I), "内联脚本"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I), "style 属性"),
    (re.compile(r"<style\b", re.I), "<style> 元素"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "事件处理属性"),
    (re.compile(r"(href|src|action)\s*=\s*[\"']?\s*javascript:", re.I), "javascript: 链接"),
]


def violations(html: str) -> list[str]:
    return [f"{label}: {m.group(0)[:80]}" for pattern, label in INLINE for m in pattern.finditer(html)]


def test_every_template_satisfies_the_policy() -> None:
    found = {}
    for path in sorted(ROOT.rglob("templates/**/*.html")):
        if "drf_spectacular" in path.parts:
            continue
        problems = violations(path.read_text(encoding="utf-8"))
        if problems:
            found[str(path.relative_to(ROOT))] = problems
    assert found == {}


def test_headers_on_a_page() -> None:
    response = Client().get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_signed_in_pages_are_not_cached(tree: Any) -> None:
    client = Client()
    client.force_login(make_user("liaison", tree.street_a))
    response = client.get("/accounts/totp/")
    assert "no-store" in response["Cache-Control"]


def test_api_docs_get_their_own_policy(tree: Any) -> None:
    client = Client()
    client.force_login(make_user("viewer", tree.district))
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert "style-src 'self' 'unsafe-inline'" in response["Content-Security-Policy"]
    api = client.get("/api/records/")
    assert "unsafe-inline" not in api["Content-Security-Policy"]


@pytest.fixture
def pages(taxonomy: Any, tree: Any) -> dict[str, Any]:
    record = make_record(tree.street_a, "lecture_event", {"lecture_audience": 120})
    return {
        "liaison": (make_user("liaison", tree.street_a),
                    ["/", "/ledger/records/", f"/ledger/records/{record.pk}/", "/ledger/records/new/",
                     "/accounts/password/", "/accounts/totp/"]),
        "staff": (make_user("staff", tree.district), ["/", reverse("ledger:review_queue")]),
        "sysadmin": (make_user("sysadmin", tree.district), ["/org/units/", "/org/users/"]),
        "secadmin": (make_user("secadmin", tree.district),
                     ["/accounts/security/", "/accounts/security/users/", "/accounts/security/locks/",
                      "/accounts/security/roles/?all=1"]),
        "auditadmin": (make_user("auditadmin", tree.district), ["/audit/", "/audit/1/"]),
    }


def test_rendered_pages_satisfy_the_policy(pages: dict[str, Any]) -> None:
    from taizhang.core import audit

    entry = audit.record("login", None, user=None, object_repr="x")
    for _role, (user, urls) in pages.items():
        urls = [u.replace("/audit/1/", f"/audit/{entry.pk}/") for u in urls]  # ids depend on test order
        client = Client()
        client.force_login(user)
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code == 200, url
            assert violations(response.content.decode()) == [], url


def test_database_outage_gives_a_clear_503(tree: Any) -> None:
    from django.db import OperationalError
    from django.test import RequestFactory

    from taizhang.core.security_middleware import SessionPolicyMiddleware

    middleware = SessionPolicyMiddleware(lambda r: None)  # type: ignore[arg-type,return-value]
    for path, kind in (("/api/records/", "application/json"), ("/ledger/records/", "text/html")):
        response = middleware.process_exception(RequestFactory().get(path), OperationalError("server closed"))
        assert response is not None and response.status_code == 503 and response["Retry-After"] == "10"
        assert response["Content-Type"].startswith(kind) and "数据库暂时不可用" in response.content.decode()
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("x")) is None


def test_headers_survive_a_database_outage() -> None:
    from django.db import OperationalError
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.utils.functional import SimpleLazyObject

    from taizhang.core.security_middleware import SecurityHeadersMiddleware, SessionPolicyMiddleware

    def broken() -> Any:
        raise OperationalError("connection refused")

    request = RequestFactory().get("/ledger/records/")
    request.user = SimpleLazyObject(broken)  # type: ignore[assignment]
    request.session = {}  # type: ignore[assignment]
    inner = SessionPolicyMiddleware(lambda r: HttpResponse("never"))
    response = SecurityHeadersMiddleware(inner)(request)
    assert response.status_code == 503 and "no-store" in response["Cache-Control"]
    assert "Content-Security-Policy" in response
