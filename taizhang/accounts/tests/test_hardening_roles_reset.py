"""Issue 10, separation of duties and accounts: no business role for administrators (every grant, both
directions, no self-grants, web and CLI); a password reset that does not let the resetter sign in as the user;
one-time enrolment codes for administrators' authenticators."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pyotp
import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone

from taizhang.accounts import actions, codes
from taizhang.accounts.models import OneTimeCode
from taizhang.accounts.tests.helpers import login, mfa_client
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.models import AuditEntry, Notification
from taizhang.core.testing import PASSWORD, make_user
from taizhang.org import actions as org_actions
from taizhang.org.models import Membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(tree: Any) -> dict[str, Any]:
    return {role: make_user(role, tree.district, username=role) for role in ("sysadmin", "secadmin", "auditadmin")}


# --- 三权分立 on every grant ---------------------------------------------------------------------------------
def test_system_administrator_cannot_give_itself_or_other_administrators_a_business_role(
        admins: dict[str, Any], tree: Any) -> None:
    sysadmin = admins["sysadmin"]
    client = mfa_client(sysadmin)
    for target in (sysadmin, admins["auditadmin"], admins["secadmin"]):
        response = client.post(f"/org/users/{target.pk}/roles/", {"unit": tree.district.pk, "role": "staff"},
                               follow=True)
        assert response.status_code in (200, 404)
        assert not Membership.objects.filter(user=target, role__in=["staff", "viewer"]).exists()
    with pytest.raises(NotPermitted, match="不能给自己授予角色"):
        org_actions.grant_role(acting_user=sysadmin, user=sysadmin, unit=tree.district, role="viewer")
    with pytest.raises(InvalidInput, match="管理员不能担任业务角色"):
        org_actions.grant_role(acting_user=sysadmin, user=admins["auditadmin"], unit=tree.district, role="viewer")
    # Also for system tasks (acting_user None: demo, CLI, imports).
    with pytest.raises(InvalidInput, match="管理员不能担任业务角色"):
        org_actions.grant_role(acting_user=None, user=admins["secadmin"], unit=tree.street_a, role="liaison")


def test_business_users_cannot_become_administrators(admins: dict[str, Any], tree: Any) -> None:
    staff = make_user("staff", tree.district)
    for role in ("sysadmin", "secadmin", "auditadmin"):
        with pytest.raises(InvalidInput, match="业务角色"):
            actions.grant_admin_role(acting_user=admins["secadmin"], user=staff, unit=tree.district, role=role)
        with pytest.raises(InvalidInput, match="业务角色"):
            org_actions.grant_role(acting_user=None, user=staff, unit=tree.district, role=role)
    client = mfa_client(admins["secadmin"])
    page = client.post("/accounts/security/roles/", {"user": staff.pk, "unit": tree.district.pk, "role": "sysadmin"})
    assert "业务角色" in page.content.decode()
    assert set(Membership.objects.filter(user=staff).values_list("role", flat=True)) == {"staff"}
    with pytest.raises(NotPermitted):
        actions.grant_admin_role(acting_user=admins["secadmin"], user=admins["secadmin"], unit=tree.district,
                                 role="secadmin")


def test_admin_account_command_uses_the_same_rules(tree: Any) -> None:
    make_user("staff", tree.district, username="biz")
    with pytest.raises(CommandError, match="业务角色"):
        call_command("admin_account", "--username", "biz", "--role", "auditadmin")
    call_command("admin_account", "--username", "audit2", "--role", "auditadmin")
    with pytest.raises(CommandError, match="一种管理员角色"):
        call_command("admin_account", "--username", "audit2", "--role", "sysadmin")
    assert not Membership.objects.filter(user__username="biz", role="auditadmin").exists()


# --- password reset --------------------------------------------------------------------------------------------
def test_reset_mails_a_one_time_link_and_the_resetter_never_sees_a_password(
        admins: dict[str, Any], tree: Any, django_capture_on_commit_callbacks: Any) -> None:
    from taizhang.accounts.tokens import key_for

    target = make_user("liaison", tree.street_a, email="li@example.cn")
    key = key_for(target)
    client = mfa_client(admins["secadmin"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/accounts/security/users/{target.pk}/reset-password/", follow=True)
    page = response.content.decode()
    assert "l***@example.cn" in page and "/accounts/reset/" not in page and "临时密码" not in page
    target.refresh_from_db()
    assert not target.has_usable_password()  # the old password stops working, and nobody knows a new one
    assert login(Client(), target.username).status_code == 200  # PASSWORD refused
    # The link went to the user only.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["li@example.cn"]
    link = re.search(r"/accounts/reset/[\w-]+/", mail.outbox[0].body).group(0)  # type: ignore[union-attr]
    assert link not in " ".join(AuditEntry.objects.values_list("message", flat=True))
    # The user and the audit administrator are alerted; the audit row names the resetter.
    assert Notification.objects.filter(recipient=target, event="password_reset").exists()
    assert Notification.objects.filter(recipient=admins["auditadmin"], event="password_reset_audit").exists()
    assert AuditEntry.objects.filter(action="password_reset", object_id=str(target.pk),
                                     user_id=admins["secadmin"].pk).exists()
    # API tokens end with the reset.
    api = Client()
    assert api.get("/api/units/", HTTP_AUTHORIZATION=f"Token {key}").status_code in (401, 403)
    # The user sets the new password through the link (opening it does not use it up).
    user_client = Client()
    assert user_client.get(link).status_code == 200
    assert user_client.get(link).status_code == 200
    weak = user_client.post(link, {"new_password1": "abc", "new_password2": "abc"})
    assert "密码太短" in weak.content.decode()
    done = user_client.post(link, {"new_password1": "Nouveau#2026x", "new_password2": "Nouveau#2026x"})
    assert done.status_code == 302 and done["Location"] == "/accounts/login/"
    assert user_client.get(link).status_code == 404  # single use
    assert login(user_client, target.username, "Nouveau#2026x").status_code == 302
    assert user_client.get("/ledger/records/").status_code == 200  # no second forced change
    assert AuditEntry.objects.filter(action="password_change", user_id=target.pk).exists()


def test_reset_needs_an_address_to_deliver_to(admins: dict[str, Any], tree: Any) -> None:
    target = make_user("liaison", tree.street_a)
    with pytest.raises(InvalidInput, match="未登记电子邮箱"):
        actions.reset_password(acting_user=admins["secadmin"], user=target)
    target.refresh_from_db()
    assert target.check_password(PASSWORD)


def test_reset_links_expire(admins: dict[str, Any], tree: Any) -> None:
    target = make_user("liaison", tree.street_a, email="x@example.cn")
    result = actions.reset_password(acting_user=None, user=target)
    assert result.link == ""  # mailed, not shown even on the server
    raw = codes.issue(user=target, purpose=OneTimeCode.Purpose.PASSWORD_RESET, hours=1)
    OneTimeCode.objects.filter(user=target).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with pytest.raises(InvalidInput, match="无效、已过期"):
        actions.complete_password_reset(code=raw, new_password="Nouveau#2026x")


def test_cli_reset_calls_the_action_and_hands_the_link_to_the_operator_only_without_mail(
        admins: dict[str, Any], capsys: Any) -> None:
    call_command("admin_account", "--username", "auditadmin", "--role", "auditadmin", "--reset-password")
    out = capsys.readouterr().out
    assert "/accounts/reset/" in out and "临时密码" not in out
    row = AuditEntry.objects.filter(action="password_reset", object_id=str(admins["auditadmin"].pk)).get()
    assert row.user_id is None and row.channel == "cli"


# --- authenticator enrolment codes -------------------------------------------------------------------------------
def test_security_administrator_issues_a_one_time_enrolment_code(admins: dict[str, Any]) -> None:
    target = admins["auditadmin"]
    client = mfa_client(admins["secadmin"])
    client.post(f"/accounts/security/users/{target.pk}/enrolment-code/")
    page = client.get(f"/accounts/security/users/{target.pk}/").content.decode()
    code = re.search(r"绑定码：<strong><code>([A-Z0-9-]+)</code>", page).group(1)  # type: ignore[union-attr]
    assert "绑定码：<strong>" not in client.get(f"/accounts/security/users/{target.pk}/").content.decode()
    assert AuditEntry.objects.filter(action="totp_code", object_id=str(target.pk),
                                     user_id=admins["secadmin"].pk).exists()
    assert code not in " ".join(AuditEntry.objects.values_list("message", flat=True))
    secret = pyotp.random_base32(32)
    with pytest.raises(InvalidInput, match="绑定码"):  # another user's code does not fit
        actions.enable_totp(acting_user=admins["sysadmin"], user=admins["sysadmin"], secret=secret,
                            code=pyotp.TOTP(secret).now(), enrolment_code=code)
    actions.enable_totp(acting_user=target, user=target, secret=secret, code=pyotp.TOTP(secret).now(),
                        enrolment_code=code)
    with pytest.raises(InvalidInput, match=r"已使用过|不正确"):  # single use
        actions.enable_totp(acting_user=target, user=target, secret=secret, code=pyotp.TOTP(secret).now(),
                            enrolment_code=code)


def test_enrolment_codes_expire_and_the_cli_issues_them(admins: dict[str, Any], capsys: Any) -> None:
    call_command("totp_code", "--user", "sysadmin")
    code = capsys.readouterr().out.strip().rsplit("：", 1)[1]
    OneTimeCode.objects.filter(user=admins["sysadmin"]).update(expires_at=timezone.now())
    secret = pyotp.random_base32(32)
    with pytest.raises(InvalidInput, match="绑定码"):
        actions.enable_totp(acting_user=None, user=admins["sysadmin"], secret=secret, code=pyotp.TOTP(secret).now(),
                            enrolment_code=code)
    assert AuditEntry.objects.filter(action="totp_code", channel="cli").exists()


def test_wrong_enrolment_codes_count_towards_the_lockout(admins: dict[str, Any]) -> None:
    from taizhang.accounts.models import LoginLock

    client = Client()
    login(client, "sysadmin", address="10.9.0.1")
    client.get("/accounts/totp/setup/")
    for _ in range(5):
        client.post("/accounts/totp/setup/", {"code": "123456", "enrolment_code": "WRONG-CODE-0000"},
                    REMOTE_ADDR="10.9.0.1")
    assert LoginLock.objects.get(kind="user", key="sysadmin").is_locked


def test_grants_made_before_the_rule_are_shown_as_conflicts(admins: dict[str, Any], tree: Any) -> None:
    # A grant written directly to the database (or before the rule held on every grant).
    Membership.objects.create(user=admins["auditadmin"], unit=tree.district, role="viewer")
    page = mfa_client(admins["secadmin"]).get("/accounts/security/roles/").content.decode()
    assert "违反三权分立" in page and "审计管理员；业务角色：查看人员" in page
