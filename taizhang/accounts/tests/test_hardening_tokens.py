"""Issue 10: API tokens (hashed, shown once, named, expiring, revoked on password change/reset and lock, refused
while a password change is due, administrators only with TOTP, audited), invisible characters in passwords, wrong
old passwords counting toward the lockout."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from taizhang.accounts import actions, tokens
from taizhang.accounts.models import ApiToken, LoginLock
from taizhang.accounts.tests.helpers import code_for, enrol, login, mfa_client
from taizhang.core.models import AuditEntry
from taizhang.core.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db
URL = "/api/records/"


def call(key: str) -> Any:
    return Client().get(URL, HTTP_AUTHORIZATION=f"Token {key}")


def test_tokens_are_stored_as_digests_and_work_with_the_token_header(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    token, key = tokens.issue(acting_user=None, user=user, name="报送脚本")
    assert call(key).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and token.name == "报送脚本" and key.startswith(token.prefix)
    # The key is nowhere in the database, nor in the audit log.
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, prefix, name FROM accounts_apitoken")
        assert all(key not in " ".join(row) for row in cursor.fetchall())
    row = AuditEntry.objects.get(action="token_issue", object_id=str(token.pk))
    assert key not in f"{row.message}{row.after}" and token.prefix in row.message
    assert "authtoken_token" not in connection.introspection.table_names()  # the plain-text table is gone
    assert call(key[:-1] + ("A" if key[-1] != "A" else "B")).status_code == 401


def test_tokens_expire_with_a_configurable_default(tree: Any, settings: Any) -> None:
    settings.TAIZHANG_API_TOKEN_DAYS = 7
    user = make_user("liaison", tree.street_a)
    token, key = tokens.issue(acting_user=None, user=user)
    assert abs((token.expires_at - timezone.now()) - datetime.timedelta(days=7)) < datetime.timedelta(minutes=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = call(key)
    assert response.status_code == 401 and "过期" in response.json()["detail"]


def test_a_password_change_or_a_lock_revokes_tokens(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    key = tokens.key_for(user)
    actions.change_password(acting_user=user, user=user, new_password="Changed#2026x")
    assert call(key).status_code == 401
    assert AuditEntry.objects.filter(action="token_revoke", message__contains="修改密码").exists()
    key = tokens.key_for(user)
    client = Client()
    for _ in range(5):
        login(client, user.username, "wrong-password", address="10.5.0.1")
    assert LoginLock.objects.get(kind="user", key=user.username.lower()).is_locked
    assert call(key).status_code == 401
    assert ApiToken.objects.get(prefix=key[:10]).revoked_reason == "账户被锁定"


def test_tokens_are_refused_while_a_password_change_is_due(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    key = tokens.key_for(user)
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    response = call(key)
    assert response.status_code == 401 and "修改密码" in response.json()["detail"]
    with pytest.raises(CommandError, match="须先修改密码"):
        call_command("api_token", "--user", user.username)


def test_administrators_tokens_need_the_second_factor(tree: Any) -> None:
    admin = make_user("sysadmin", tree.district)
    with pytest.raises(CommandError, match="动态口令"):
        call_command("api_token", "--user", admin.username)
    enrol(admin)
    client = mfa_client(admin)
    refused = client.post("/accounts/tokens/", {"name": "同步", "code": "000000"})
    assert "动态口令不正确" in refused.content.decode() and not ApiToken.objects.filter(user=admin).exists()
    client.post("/accounts/tokens/", {"name": "同步", "code": code_for(admin)})
    page = client.get("/accounts/tokens/").content.decode()
    key = re.search(r'id="tz-new-token" readonly value="([\w-]+)"', page).group(1)  # type: ignore[union-attr]
    assert key not in client.get("/accounts/tokens/").content.decode()  # shown once
    assert Client().get("/api/units/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    actions.reset_totp(acting_user=None, user=admin)  # a lost phone ends the administrator's tokens too
    assert Client().get("/api/units/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_api_token_command_never_prints_an_existing_token_and_audits(tree: Any, capsys: Any) -> None:
    user = make_user("liaison", tree.street_a, username="scripted")
    call_command("api_token", "--user", "scripted", "--name", "报送")
    first = capsys.readouterr().out.strip()
    call_command("api_token", "--user", "scripted", "--name", "报送")
    second = capsys.readouterr().out.strip()
    assert first != second and call(first).status_code == 200 and call(second).status_code == 200
    call_command("api_token", "--user", "scripted", "--name", "报送", "--rotate")
    third = capsys.readouterr().out.strip()
    assert call(first).status_code == 401 and call(second).status_code == 401 and call(third).status_code == 200
    call_command("api_token", "--user", "scripted", "--list")
    listing = capsys.readouterr().out
    assert third not in listing and third[:10] in listing
    rows = AuditEntry.objects.filter(channel="cli", action__in=["token_issue", "token_revoke"])
    assert rows.filter(action="token_issue").count() == 3 and rows.filter(action="token_revoke").count() == 2
    assert ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() == 1


def test_users_revoke_their_own_tokens_only(tree: Any) -> None:
    owner = make_user("liaison", tree.street_a)
    other = make_user("liaison", tree.street_a)
    token, key = tokens.issue(acting_user=None, user=owner)
    client = Client()
    client.force_login(other)
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 404
    client.force_login(owner)
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    assert call(key).status_code == 401


# --- passwords --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("password", [
    "Ab1!\u200b\u200b\u200b\u200b",  # zero-width spaces padding a short password
    "Abcdef1!\u200d",  # zero-width joiner
    "Abcdef1!\ufeff",  # byte order mark
    "Abc\u3000def1!",  # ideographic (full-width) space
    "Abcdef1!\u00a0",  # no-break space
    "Abcdef1!\u202e",  # right-to-left override
    "Abcdef1!\u2028",  # line separator
    "Abcdef1!\ufe0f",  # variation selector
])
def test_invisible_characters_are_refused_in_chinese(password: str) -> None:
    with pytest.raises(ValidationError) as info:
        password_validation.validate_password(password)
    assert any("不可见" in m or "太短" in m for m in info.value.messages)


def test_visible_passwords_with_an_ordinary_space_or_chinese_still_pass() -> None:
    password_validation.validate_password("Xq7 !mz9 Pv")
    password_validation.validate_password("宣传Xq7!mz9")


def test_wrong_old_passwords_count_towards_the_lockout(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    client = Client()
    login(client, user.username, address="10.6.0.1")
    for i in range(4):
        page = client.post("/accounts/password/", {"old_password": f"guess{i}", "new_password1": "Nouveau#2026x",
                                                   "new_password2": "Nouveau#2026x"}, REMOTE_ADDR="10.6.0.1")
        assert "原密码不正确" in page.content.decode()
    last = client.post("/accounts/password/", {"old_password": "guess4", "new_password1": "Nouveau#2026x",
                                               "new_password2": "Nouveau#2026x"}, REMOTE_ADDR="10.6.0.1")
    assert last.status_code == 302 and last["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session  # the session ended with the lock
    assert LoginLock.objects.get(kind="user", key=user.username.lower()).is_locked
    assert AuditEntry.objects.filter(action="login_failed", message="修改密码时原密码错误").count() == 5
    user.refresh_from_db()
    assert user.check_password(PASSWORD)

