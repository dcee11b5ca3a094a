"""Idle sessions end on the server side; the timeout is configurable."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_user

pytestmark = pytest.mark.django_db


def signed_in(tree: Any, idle_seconds: int) -> tuple[Any, Client]:
    user = make_user("liaison", tree.street_a)
    client = Client()
    client.force_login(user)
    session = client.session
    session["tz_seen"] = int(time.time()) - idle_seconds
    session.save()
    return user, client


def test_an_idle_session_is_ended(tree: Any) -> None:
    user, client = signed_in(tree, 16 * 60)
    response = client.get("/ledger/records/")
    assert response.status_code == 302 and "expired=1" in response["Location"]
    assert "_auth_user_id" not in client.session
    row = AuditEntry.objects.get(action="logout", user_id=user.pk)
    assert "会话超时" in row.message
    page = client.get(response["Location"])
    assert "15 分钟未操作" in page.content.decode()


def test_an_active_session_continues(tree: Any) -> None:
    _, client = signed_in(tree, 14 * 60)
    assert client.get("/accounts/totp/").status_code == 200
    assert client.session["tz_seen"] >= int(time.time()) - 5


def test_the_timeout_is_configurable(settings: Any, tree: Any) -> None:
    settings.TAIZHANG_SESSION_IDLE_MINUTES = 30
    _, client = signed_in(tree, 20 * 60)
    assert client.get("/accounts/totp/").status_code == 200


def test_an_idle_api_session_gets_401(tree: Any) -> None:
    _, client = signed_in(tree, 16 * 60)
    response = client.get("/api/records/")
    assert response.status_code == 401 and "超时" in response.json()["detail"]


def test_the_stored_session_expires_too(settings: Any) -> None:
    # The session row itself outlives the idle limit by a minute only (server-side expiry).
    assert settings.SESSION_COOKIE_AGE <= settings.TAIZHANG_SESSION_IDLE_MINUTES * 60 + 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_logout_is_audited(tree: Any) -> None:
    user, client = signed_in(tree, 0)
    client.post("/accounts/logout/")
    assert AuditEntry.objects.filter(action="logout", user_id=user.pk, message="退出登录").exists()
