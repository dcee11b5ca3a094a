"""Denied accesses and unseen session expiry reach the audit log; a scanner cannot flood it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client

from taizhang.core.models import AuditEntry
from taizhang.core.testing import PASSWORD, make_record, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_counters() -> None:
    cache.clear()


def test_a_scoped_404_and_a_403_are_audited(taxonomy: Any, tree: Any) -> None:
    other = make_record(tree.street_b, "lecture_event", {"lecture_audience": 30})
    liaison = make_user("liaison", tree.street_a)
    client = Client()
    client.force_login(liaison)
    assert client.get(f"/ledger/records/{other.pk}/").status_code == 404
    assert client.get("/org/users/").status_code == 403
    assert client.get(f"/api/records/{other.pk}/").status_code == 404
    rows = list(AuditEntry.objects.filter(action="access_denied", user_id=liaison.pk).order_by("id"))
    assert [r.message.split(" ")[0] for r in rows] == ["404", "403", "404"]
    assert f"/ledger/records/{other.pk}/" in rows[0].message and not rows[0].success
    assert rows[2].channel == "api"


@pytest.fixture
def one_minute(monkeypatch: Any) -> None:
    """All requests of the test fall in one minute of the limiter (no flakiness at a minute boundary)."""
    from taizhang.core import access_audit

    monkeypatch.setattr(access_audit, "current_minute", lambda: 30_000_000)


def test_denials_are_rate_limited_per_user(tree: Any, settings: Any, one_minute: None) -> None:
    settings.TAIZHANG_AUDIT_DENIED_PER_MINUTE = 3
    scanner = make_user("liaison", tree.street_a)
    bystander = make_user("liaison", tree.street_a)
    client = Client()
    client.force_login(scanner)
    for i in range(40):
        client.get(f"/ledger/records/{10_000 + i}/")
    rows = AuditEntry.objects.filter(action="access_denied", user_id=scanner.pk)
    assert rows.count() == 4 and rows.filter(message__contains="不再逐条记录").count() == 1
    other = Client()
    other.force_login(bystander)
    other.get("/org/users/")
    assert AuditEntry.objects.filter(action="access_denied", user_id=bystander.pk).count() == 1


def test_bad_api_tokens_are_audited_by_address(settings: Any, one_minute: None) -> None:
    settings.TAIZHANG_AUDIT_DENIED_PER_MINUTE = 2
    client = Client()
    for _ in range(5):
        assert client.get("/api/records/", HTTP_AUTHORIZATION="Token nope", REMOTE_ADDR="198.51.100.7").status_code \
            == 401
    rows = AuditEntry.objects.filter(action="access_denied", address="198.51.100.7")
    assert rows.count() == 3 and rows.first().user_id is None  # type: ignore[union-attr]


def test_the_idle_logout_is_recorded_when_the_stored_session_expired_first(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert client.get("/ledger/records/").status_code == 200
    assert "tz_sess" in client.cookies
    Session.objects.all().delete()  # the stored session expired while the browser was away
    back = client.get("/ledger/records/")
    assert back.status_code == 302 and back["Location"].startswith("/accounts/login/")
    rows = AuditEntry.objects.filter(action="logout", user_id=user.pk)
    assert rows.count() == 1 and "会话超时" in rows.get().message
    client.get("/ledger/records/")
    assert AuditEntry.objects.filter(action="logout", user_id=user.pk).count() == 1  # once


def test_an_explicit_logout_is_not_counted_as_an_idle_one(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    client.get("/ledger/records/")
    client.post("/accounts/logout/")
    client.get("/ledger/records/")
    messages = list(AuditEntry.objects.filter(action="logout", user_id=user.pk).values_list("message", flat=True))
    assert messages == ["退出登录"]


def test_a_forged_session_mark_is_ignored(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    client = Client()
    client.cookies["tz_sess"] = f"{user.pk}:abc:forged"
    client.cookies["sessionid"] = "abc"
    client.get("/ledger/records/")
    assert not AuditEntry.objects.filter(action="logout", user_id=user.pk).exists()
