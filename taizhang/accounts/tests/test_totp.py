"""TOTP second factor: required for administrators, optional for others, one use per code, SM4-encrypted secret."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from django.db import connection
from django.test import Client

from taizhang.accounts.models import LoginLock
from taizhang.accounts.tests.helpers import code_for, enrol, login
from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_user

pytestmark = pytest.mark.django_db


def test_administrator_must_enrol_before_anything_else(tree: Any) -> None:
    from taizhang.accounts import actions

    admin = make_user("sysadmin", tree.district)
    client = Client()
    assert login(client, admin.username).status_code == 302
    response = client.get("/org/users/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/totp/setup/")
    assert client.get("/api/units/").status_code == 403
    page = client.get("/accounts/totp/setup/")
    text = page.content.decode()
    assert "管理员账户必须启用双因素认证" in text and "otpauth://totp/" in text and "绑定码" in text
    secret = client.session["tz_totp_enrol"]
    # The password alone does not bind an authenticator: the enrolment code is needed.
    alone = client.post("/accounts/totp/setup/", {"code": pyotp.TOTP(secret).now()})
    assert alone.status_code == 200 and not admin.__class__.objects.get(pk=admin.pk).totp_enabled
    guessed = client.post("/accounts/totp/setup/",
                          {"code": pyotp.TOTP(secret).now(), "enrolment_code": "AAAA-BBBB-CCCC"})
    assert "绑定码不正确" in guessed.content.decode()
    code = actions.issue_enrolment_code(acting_user=None, user=admin)
    wrong = client.post("/accounts/totp/setup/", {"code": "000000", "enrolment_code": code})
    assert "动态口令不正确" in wrong.content.decode()
    ok = client.post("/accounts/totp/setup/?next=/org/users/",
                     {"code": pyotp.TOTP(secret).now(), "enrolment_code": code.lower().replace("-", " ")})
    assert ok.status_code == 302 and ok["Location"] == "/org/users/"
    assert client.get("/org/users/").status_code == 200
    admin.refresh_from_db()
    assert admin.totp_enabled
    assert AuditEntry.objects.filter(action="totp_enable", user_id=admin.pk).exists()
    assert AuditEntry.objects.filter(action="totp_code", object_id=str(admin.pk)).exists()


def test_enrolled_login_needs_a_fresh_code(tree: Any) -> None:
    admin = make_user("secadmin", tree.district)
    enrol(admin)
    client = Client()
    first = login(client, admin.username)
    assert first.status_code == 302 and first["Location"] == "/accounts/login/otp/"
    assert "_auth_user_id" not in client.session  # not signed in before the second factor
    bad = client.post("/accounts/login/otp/", {"code": "123456"})
    assert "动态口令不正确" in bad.content.decode()
    code = code_for(admin)
    done = client.post("/accounts/login/otp/", {"code": code})
    assert done.status_code == 302 and client.session["tz_mfa"] is True
    assert client.get("/accounts/security/").status_code == 200
    # The same code cannot be used again (replay), even in a new login.
    other = Client()
    login(other, admin.username)
    replay = other.post("/accounts/login/otp/", {"code": code})
    assert replay.status_code == 200 and "_auth_user_id" not in other.session
    failures = AuditEntry.objects.filter(action="login_failed", message="动态口令错误", username=admin.username)
    assert failures.count() == 2


def test_wrong_codes_count_towards_the_lockout(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    enrol(user)
    client = Client()
    login(client, user.username, address="10.3.0.1")
    for _ in range(4):
        client.post("/accounts/login/otp/", {"code": "000000"}, REMOTE_ADDR="10.3.0.1")
    last = client.post("/accounts/login/otp/", {"code": "000000"}, REMOTE_ADDR="10.3.0.1")
    assert last.status_code == 302 and last["Location"] == "/accounts/login/"
    assert LoginLock.objects.get(kind="user", key=user.username.lower()).is_locked


def test_pending_login_expires(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    enrol(user)
    client = Client()
    login(client, user.username)
    session = client.session
    session["tz_pending_login"]["at"] = int(time.time()) - 600
    session.save()
    response = client.post("/accounts/login/otp/", {"code": code_for(user)})
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_optional_for_other_users(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    client = Client()
    assert login(client, user.username).status_code == 302
    assert client.get("/accounts/totp/").status_code == 200
    client.get("/accounts/totp/setup/")
    secret = client.session["tz_totp_enrol"]
    client.post("/accounts/totp/setup/", {"code": pyotp.TOTP(secret).now()})
    user.refresh_from_db()
    assert user.totp_enabled
    assert client.post("/accounts/totp/", {"action": "disable"}).status_code == 302
    user.refresh_from_db()
    assert not user.totp_enabled
    assert AuditEntry.objects.filter(action="totp_disable", user_id=user.pk).exists()


def test_administrators_cannot_switch_it_off(tree: Any) -> None:
    from taizhang.accounts import actions
    from taizhang.core.errors import NotPermitted

    admin = make_user("auditadmin", tree.district)
    enrol(admin)
    with pytest.raises(NotPermitted):
        actions.disable_totp(acting_user=admin, user=admin)


def test_not_required_when_the_policy_says_so(settings: Any, tree: Any) -> None:
    settings.TAIZHANG_REQUIRE_TOTP_FOR_ADMINS = False
    admin = make_user("sysadmin", tree.district)
    client = Client()
    login(client, admin.username)
    assert client.get("/org/users/").status_code == 200


def test_a_session_that_skipped_the_second_factor_is_stopped(tree: Any) -> None:
    admin = make_user("sysadmin", tree.district)
    enrol(admin)
    client = Client()
    client.force_login(admin)
    response = client.get("/org/users/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_secret_is_stored_sm4_encrypted(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    secret = enrol(user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM accounts_user WHERE id = %s", [user.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("sm4g1:") and secret not in stored
    user.refresh_from_db()
    assert user.totp_secret == secret
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    # and it never reaches the audit log
    for entry in AuditEntry.objects.all():
        assert secret not in str(entry.before) + str(entry.after)


def test_policy_page_does_not_contradict_its_table(settings: Any, tree: Any) -> None:
    settings.TAIZHANG_REQUIRE_TOTP_FOR_ADMINS = False
    make_user("sysadmin", tree.district, username="admin_without_totp")
    secadmin = make_user("secadmin", tree.district)
    client = Client()
    client.force_login(secadmin)
    page = client.get("/accounts/security/").content.decode()
    assert "admin_without_totp" in page and "下次登录时须绑定" not in page and "未要求" in page
    settings.TAIZHANG_REQUIRE_TOTP_FOR_ADMINS = True
    enrol(secadmin)
    client = Client()
    login(client, secadmin.username)
    client.post("/accounts/login/otp/", {"code": code_for(secadmin)})
    page = client.get("/accounts/security/").content.decode()
    assert "下次登录时须绑定" in page
