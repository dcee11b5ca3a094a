"""Login failure handling: per account and per address, in Chinese, audited, lifted by time or the security
administrator; addresses behind a trusted proxy."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from taizhang.accounts.models import LoginLock
from taizhang.accounts.tests.helpers import login, mfa_client
from taizhang.core.middleware import client_address
from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_user

pytestmark = pytest.mark.django_db


def fail(client: Client, username: str, times: int, address: str = "10.0.0.1") -> Any:
    response = None
    for _ in range(times):
        response = login(client, username, "Wrong#pass1", address)
    return response


def test_five_failures_lock_the_account_for_fifteen_minutes(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    client = Client()
    first = fail(client, user.username, 1)
    assert "用户名或密码错误" in first.content.decode() and "再连续失败 4 次" in first.content.decode()
    locked = fail(client, user.username, 4)
    text = locked.content.decode()
    assert "已被锁定" in text and "约 15 分钟" in text
    # The right password is refused while the lock lasts, from another address too.
    refused = login(client, user.username, address="10.0.0.99")
    assert refused.status_code == 200 and "已被锁定" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    rows = AuditEntry.objects.filter(username=user.username)
    assert rows.filter(action="login_failed", success=False).count() == 6  # 5 wrong passwords + 1 refused
    assert AuditEntry.objects.filter(action="lockout", object_repr__icontains=user.username).count() == 1
    # After the lock time the account works again.
    LoginLock.objects.filter(kind="user").update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    ok = login(client, user.username, address="10.0.0.99")
    assert ok.status_code == 302
    assert AuditEntry.objects.filter(action="login", user_id=user.pk).exists()


def test_unknown_names_are_counted_the_same_way(tree: Any) -> None:
    client = Client()
    real = make_user("liaison", tree.street_a)
    a = fail(client, real.username, 1, "10.1.0.1").content.decode()
    b = fail(client, "nobody-here", 1, "10.1.0.2").content.decode()
    assert ("再连续失败 4 次" in a) and ("再连续失败 4 次" in b)
    fail(client, "nobody-here", 4, "10.1.0.3")
    assert "已被锁定" in fail(client, "nobody-here", 1, "10.1.0.4").content.decode()


def test_a_success_clears_the_account_count(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    fail(Client(), user.username, 4, "10.2.0.1")
    assert login(Client(), user.username, address="10.2.0.2").status_code == 302
    assert "再连续失败 4 次" in fail(Client(), user.username, 1, "10.2.0.3").content.decode()


def test_an_address_is_locked_after_five_failures_on_any_names(tree: Any) -> None:
    good = make_user("liaison", tree.street_a)
    client = Client()
    for i in range(5):
        login(client, f"guess{i}", "Wrong#pass1", "192.0.2.7")
    refused = login(client, good.username, address="192.0.2.7")
    assert "网络地址" in refused.content.decode()
    assert login(Client(), good.username, address="192.0.2.8").status_code == 302
    assert LoginLock.objects.get(kind="address", key="192.0.2.7").is_locked


def test_lockout_can_be_switched_off(settings: Any, tree: Any) -> None:
    settings.TAIZHANG_LOCKOUT_ATTEMPTS = 0
    settings.TAIZHANG_LOCKOUT_ADDRESS_ATTEMPTS = 0
    user = make_user("liaison", tree.street_a)
    fail(Client(), user.username, 8)
    assert login(Client(), user.username).status_code == 302


def test_security_administrator_lifts_a_lock(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    fail(Client(), user.username, 5)
    secadmin = make_user("secadmin", tree.district)
    client = mfa_client(secadmin)
    page = client.get("/accounts/security/locks/")
    assert page.status_code == 200 and user.username.lower() in page.content.decode()
    lock = LoginLock.objects.get(kind="user", key=user.username.lower())
    assert client.post(f"/accounts/security/locks/{lock.pk}/release/").status_code == 302
    assert not LoginLock.objects.get(pk=lock.pk).is_locked
    assert AuditEntry.objects.filter(action="unlock", user_id=secadmin.pk).exists()
    assert login(Client(), user.username, address="10.9.9.9").status_code == 302


def test_cli_unlock(tree: Any) -> None:
    from django.core.management import call_command

    user = make_user("secadmin", tree.district)
    fail(Client(), user.username, 5)
    call_command("unlock", user.username)
    assert not LoginLock.objects.get(kind="user", key=user.username.lower()).is_locked
    assert AuditEntry.objects.filter(action="unlock", channel="cli").exists()


def test_forwarded_for_is_only_read_from_trusted_proxies() -> None:
    rf = RequestFactory()
    spoofed = rf.get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(spoofed) == "203.0.113.5"
    with override_settings(TAIZHANG_TRUSTED_PROXY=["127.0.0.1", "10.0.0.0/8"]):
        assert client_address(spoofed) == "203.0.113.5"
        proxied = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9, 10.1.1.1")
        assert client_address(proxied) == "198.51.100.9"  # the client cannot choose it by sending the header
        assert client_address(rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="junk")) == "127.0.0.1"
