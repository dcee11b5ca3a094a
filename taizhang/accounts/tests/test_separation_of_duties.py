"""三权分立: system administrator, security administrator and audit administrator, each at their own pages only;
no superuser is needed. Every boundary is tested from both sides."""

from __future__ import annotations

from typing import Any

import pytest

from taizhang.accounts import actions
from taizhang.accounts.models import LoginLock
from taizhang.accounts.tests.helpers import mfa_client
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_user
from taizhang.org import actions as org_actions
from taizhang.org.models import Membership

pytestmark = pytest.mark.django_db

SYSADMIN_PAGES = ["/org/units/", "/org/users/"]
SECURITY_PAGES = ["/accounts/security/", "/accounts/security/users/", "/accounts/security/locks/",
                  "/accounts/security/roles/"]
AUDIT_PAGES = ["/audit/", "/audit/export/?format=csv"]
BUSINESS_PAGES = ["/ledger/records/"]


@pytest.fixture
def admins(tree: Any) -> dict[str, Any]:
    users = {role: make_user(role, tree.district, username=role) for role in ("sysadmin", "secadmin", "auditadmin")}
    assert not any(u.is_superuser or u.is_staff for u in users.values())
    return users


@pytest.mark.parametrize(("role", "allowed", "refused"), [
    ("sysadmin", SYSADMIN_PAGES, SECURITY_PAGES + AUDIT_PAGES + BUSINESS_PAGES),
    ("secadmin", SECURITY_PAGES, SYSADMIN_PAGES + AUDIT_PAGES + BUSINESS_PAGES),
    ("auditadmin", AUDIT_PAGES, SYSADMIN_PAGES + SECURITY_PAGES + BUSINESS_PAGES),
])
def test_each_administrator_reaches_only_their_pages(admins: dict[str, Any], role: str, allowed: list[str],
                                                     refused: list[str]) -> None:
    client = mfa_client(admins[role])
    for url in allowed:
        assert client.get(url).status_code == 200, url
    for url in refused:
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("role", ["sysadmin", "secadmin"])
def test_only_the_audit_administrator_reads_the_audit_log_through_the_api_too(admins: dict[str, Any],
                                                                               role: str) -> None:
    assert mfa_client(admins[role]).get("/audit/?action=login").status_code == 403


def test_business_users_see_no_administration(tree: Any) -> None:
    client = mfa_client(make_user("staff", tree.district))
    for url in SYSADMIN_PAGES + SECURITY_PAGES + AUDIT_PAGES:
        assert client.get(url).status_code == 403, url


def test_system_administrator_cannot_grant_administrator_roles(admins: dict[str, Any], tree: Any) -> None:
    target = make_user()
    with pytest.raises(NotPermitted):
        org_actions.grant_role(acting_user=admins["sysadmin"], user=target, unit=tree.district, role="auditadmin")
    with pytest.raises(NotPermitted):
        actions.grant_admin_role(acting_user=admins["sysadmin"], user=target, unit=tree.district, role="secadmin")
    # … but manages ordinary users and their business roles.
    org_actions.grant_role(acting_user=admins["sysadmin"], user=target, unit=tree.district, role="viewer")


def test_security_administrator_grants_and_revokes_administrator_roles(admins: dict[str, Any], tree: Any) -> None:
    target = make_user()
    client = mfa_client(admins["secadmin"])
    response = client.post("/accounts/security/roles/", {"user": target.pk, "unit": tree.district.pk,
                                                          "role": "auditadmin"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=target, role="auditadmin")
    row = AuditEntry.objects.get(action="permission", object_id=str(membership.pk))
    assert row.user_id == admins["secadmin"].pk and row.after["role"] == "auditadmin"
    client.post(f"/accounts/security/roles/{membership.pk}/revoke/")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(action="permission", object_id=str(membership.pk)).count() == 2


def test_one_administrator_role_per_person_and_never_for_oneself(admins: dict[str, Any], tree: Any) -> None:
    sec = admins["secadmin"]
    with pytest.raises(NotPermitted):
        actions.grant_admin_role(acting_user=sec, user=sec, unit=tree.district, role="auditadmin")
    with pytest.raises(InvalidInput, match="一种管理员角色"):
        actions.grant_admin_role(acting_user=sec, user=admins["sysadmin"], unit=tree.district, role="auditadmin")
    worker = make_user("liaison", tree.street_a)
    with pytest.raises(InvalidInput, match="业务角色"):
        actions.grant_admin_role(acting_user=sec, user=worker, unit=tree.district, role="auditadmin")


def test_security_administrator_cannot_reset_their_own_account(admins: dict[str, Any]) -> None:
    sec = admins["secadmin"]
    for act in (actions.reset_password, actions.reset_totp):
        with pytest.raises(NotPermitted):
            act(acting_user=sec, user=sec)


def test_totp_reset_and_unlock_by_the_security_administrator(admins: dict[str, Any], tree: Any) -> None:
    from taizhang.accounts.tests.helpers import enrol

    target = make_user("reviewer", tree.district)
    enrol(target)
    LoginLock.objects.create(kind="user", key=target.username, failures=0,
                             locked_until="2999-01-01T00:00:00+08:00")
    client = mfa_client(admins["secadmin"])
    client.post(f"/accounts/security/users/{target.pk}/reset-totp/")
    client.post(f"/accounts/security/users/{target.pk}/unlock/")
    target.refresh_from_db()
    assert not target.totp_enabled
    assert not LoginLock.objects.get(key=target.username).is_locked
    assert {"totp_reset", "unlock"} <= set(AuditEntry.objects.filter(user_id=admins["secadmin"].pk)
                                           .values_list("action", flat=True))


def test_the_other_administrators_cannot_use_security_actions(admins: dict[str, Any], tree: Any) -> None:
    target = make_user("liaison", tree.street_a)
    for role in ("sysadmin", "auditadmin"):
        with pytest.raises(NotPermitted):
            actions.reset_password(acting_user=admins[role], user=target)
        client = mfa_client(admins[role])
        assert client.post(f"/accounts/security/users/{target.pk}/reset-password/").status_code == 403


def test_policy_page_shows_the_settings(admins: dict[str, Any]) -> None:
    text = mfa_client(admins["secadmin"]).get("/accounts/security/").content.decode()
    for fragment in ("TAIZHANG_PASSWORD_MIN_LENGTH", "8 位", "TAIZHANG_LOCKOUT_ATTEMPTS", "15 分钟", "SM4"):
        assert fragment in text


def test_menus_follow_the_separation(admins: dict[str, Any]) -> None:
    from taizhang.core.navigation import menu_for

    labels = {role: {i["label"] for g in menu_for(u, "/") for i in g["items"]} for role, u in admins.items()}
    assert "审计日志" in labels["auditadmin"] and "审计日志" not in labels["sysadmin"] | labels["secadmin"]
    assert "安全策略" in labels["secadmin"] and "安全策略" not in labels["sysadmin"] | labels["auditadmin"]
    assert "用户管理" in labels["sysadmin"] and "用户管理" not in labels["secadmin"] | labels["auditadmin"]
