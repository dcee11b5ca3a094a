"""State changes of accounts' security: passwords, second factor, locks, administrator roles.

As everywhere (docs/architecture.md): keyword-only `acting_user`, validation first, one transaction, audit rows,
`core.errors` exceptions in Chinese. The security administrator (manage_security) resets passwords and second
factors, lifts locks and grants the administrator roles; nobody acts on their own account through these, and no
one holds two administrator roles (separation of duties, 三权分立).
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from taizhang.accounts import policy, totp
from taizhang.accounts.models import LoginLock
from taizhang.core import audit
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.org import actions as org_actions
from taizhang.org.models import Membership, Unit
from taizhang.org.roles import ADMIN_ROLES, Cap, Role
from taizhang.org.scoping import has_cap

SYMBOLS = "!@#$%^&*-_=+?"


def _require_security(acting_user: Any, target: Any = None) -> None:
    if acting_user is None:
        return
    if not has_cap(acting_user, Cap.MANAGE_SECURITY):
        raise NotPermitted("只有安全管理员可以执行此操作。")
    if target is not None and getattr(target, "pk", None) == acting_user.pk:
        raise NotPermitted("不能对自己的账户执行此操作，请由另一位安全管理员办理。")


def _password_errors(exc: ValidationError) -> InvalidInput:
    messages = list(exc.messages)
    return InvalidInput("；".join(messages), {"new_password1": messages})


@transaction.atomic
def change_password(*, acting_user: Any, user: Any, new_password: str) -> Any:
    """The user's own change (the form has checked the old password). Clears the forced-change flag."""
    if acting_user is not None and acting_user.pk != user.pk:
        raise NotPermitted("只能修改自己的密码。")
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise _password_errors(exc) from exc
    forced = user.must_change_password or policy.password_expired(user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save()
    audit.record("password_change", user, user=acting_user or user,
                 message="修改密码" + ("（强制修改）" if forced else ""))
    return user


def temporary_password(length: int | None = None) -> str:
    """A random password that satisfies the policy (letters, digits and symbols)."""
    size = max(length or 0, policy.min_length(), 12)
    alphabet = string.ascii_letters + string.digits + SYMBOLS
    while True:
        chars = [secrets.choice(string.ascii_uppercase), secrets.choice(string.ascii_lowercase),
                 secrets.choice(string.digits), secrets.choice(SYMBOLS)]
        chars += [secrets.choice(alphabet) for _ in range(size - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        candidate = "".join(chars)
        try:
            password_validation.validate_password(candidate)
        except ValidationError:
            continue
        return candidate


@transaction.atomic
def reset_password(*, acting_user: Any, user: Any) -> str:
    """Give the user a temporary password that must be changed at the next login. Returns it (shown once)."""
    _require_security(acting_user, user)
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save()
    LoginLock.objects.filter(kind=LoginLock.Kind.USER, key=user.username.lower()).delete()
    audit.record("password_reset", user, user=acting_user, message=f"重置 {user.username} 的密码（须在下次登录时修改）")
    return password


@transaction.atomic
def unlock(*, acting_user: Any, lock: LoginLock) -> None:
    _require_security(acting_user)
    before = {"kind": lock.kind, "key": lock.key, "locked_until": lock.locked_until, "failures": lock.failures}
    LoginLock.objects.filter(pk=lock.pk).update(locked_until=None, failures=0, first_failure_at=None)
    audit.record("unlock", lock, user=acting_user, before=before, after={"locked_until": None},
                 message=f"解除{lock.get_kind_display()}“{lock.key}”的登录锁定")


@transaction.atomic
def unlock_user(*, acting_user: Any, user: Any) -> int:
    _require_security(acting_user)
    count = 0
    for lock in LoginLock.objects.filter(kind=LoginLock.Kind.USER, key=user.username.lower()):
        unlock(acting_user=acting_user, lock=lock)
        count += 1
    return count


@transaction.atomic
def enable_totp(*, acting_user: Any, user: Any, secret: str, code: str) -> Any:
    """Enrol the user's authenticator: the first code proves the secret was copied right."""
    if acting_user is not None and acting_user.pk != user.pk:
        raise NotPermitted("只能为自己的账户绑定动态口令。")
    step = totp.matching_step(secret, code)
    if step is None:
        raise InvalidInput("动态口令不正确：请核对手机时间是否准确，并输入验证器当前显示的 6 位数字。",
                           {"code": ["动态口令不正确"]})
    user.totp_secret = secret
    user.totp_confirmed_at = timezone.now()
    user.totp_last_step = step
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    audit.record("totp_enable", user, user=acting_user or user, message="启用双因素认证（动态口令）")
    return user


@transaction.atomic
def disable_totp(*, acting_user: Any, user: Any) -> Any:
    """The user's own opt-out, only where the policy does not require the second factor."""
    if acting_user is not None and acting_user.pk != user.pk:
        raise NotPermitted("只能停用自己的动态口令；他人的请由安全管理员重置。")
    if policy.totp_required_for_admins() and policy.holds_admin_role(user):
        raise NotPermitted("管理员必须使用双因素认证，不能停用。")
    _clear_totp(user)
    audit.record("totp_disable", user, user=acting_user or user, message="停用双因素认证（动态口令）")
    return user


@transaction.atomic
def reset_totp(*, acting_user: Any, user: Any) -> Any:
    """Security administrator: the user lost the authenticator; they enrol again at the next login."""
    _require_security(acting_user, user)
    _clear_totp(user)
    audit.record("totp_reset", user, user=acting_user, message=f"重置 {user.username} 的动态口令（下次登录时重新绑定）")
    return user


def _clear_totp(user: Any) -> None:
    user.totp_secret = ""
    user.totp_confirmed_at = None
    user.save(update_fields=["totp_secret", "totp_confirmed_at"])


def admin_roles_of(user: Any) -> set[str]:
    return set(Membership.objects.filter(user=user, role__in=ADMIN_ROLES).values_list("role", flat=True))


@transaction.atomic
def grant_admin_role(*, acting_user: Any, user: Any, unit: Unit, role: str) -> Membership:
    """Grant sysadmin, secadmin or auditadmin. One administrator role per person, never to oneself."""
    if role not in ADMIN_ROLES:
        raise InvalidInput("这里只能授予系统管理员、安全管理员或审计管理员角色", {"role": ["不是管理员角色"]})
    _require_security(acting_user, user)
    others = admin_roles_of(user) - {role}
    if others:
        labels = "、".join(Role(r).label for r in sorted(others))
        raise InvalidInput(f"{user} 已是{labels}：三权分立要求一人只担任一种管理员角色",
                           {"role": ["与现有管理员角色冲突"]})
    business = set(Membership.objects.filter(user=user).exclude(role__in=ADMIN_ROLES).values_list("role", flat=True))
    if role == Role.AUDITADMIN and business:
        raise InvalidInput("审计管理员不能同时担任业务角色（审计人员应独立于被审计的工作）",
                           {"role": ["与业务角色冲突"]})
    return org_actions.grant_role(acting_user=acting_user, user=user, unit=unit, role=role)


@transaction.atomic
def revoke_admin_role(*, acting_user: Any, membership: Membership) -> None:
    if membership.role not in ADMIN_ROLES:
        raise InvalidInput("这里只能撤销管理员角色")
    _require_security(acting_user, membership.user)
    org_actions.revoke_role(acting_user=acting_user, membership=membership)


def create_account(*, acting_user: Any, username: str, password: str, **extra: Any) -> Any:
    """Used by commands that bootstrap the first security administrator (no one holds the role yet)."""
    model = get_user_model()
    user = model(username=username, **extra)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise _password_errors(exc) from exc
    return org_actions.create_user(acting_user=acting_user, username=username, password=password,
                                   display_name=str(extra.get("display_name", "")), must_change_password=True)
