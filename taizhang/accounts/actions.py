"""State changes of accounts' security: passwords, second factor, locks, administrator roles.

As everywhere (docs/architecture.md): keyword-only `acting_user`, validation first, one transaction, audit rows,
`core.errors` exceptions in Chinese. The security administrator (manage_security) resets passwords and second
factors, lifts locks and grants the administrator roles; nobody acts on their own account through these, and no
one holds two administrator roles (separation of duties, 三权分立).
"""

from __future__ import annotations

import datetime
import logging
import secrets
import string
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from taizhang.accounts import codes, policy, tokens, totp
from taizhang.accounts.models import LoginLock, OneTimeCode
from taizhang.core import audit
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.org import actions as org_actions
from taizhang.org.models import Membership, Unit
from taizhang.org.roles import ADMIN_ROLES, Cap, Role
from taizhang.org.scoping import has_cap

SYMBOLS = "!@#$%^&*-_=+?"
log = logging.getLogger(__name__)


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
    tokens.revoke_all(acting_user=None, user=user, reason="修改密码")
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


def _alert(recipients: list[Any], event: str, obj: Any, *, title: str, body: str = "") -> None:
    """An in-app notice (and e-mail per the recipient's preference) through core.notifications."""
    try:
        from taizhang.core.notifications import notify, register_event
    except ImportError:  # pragma: no cover - the notifications facility is part of core
        return
    register_event(event, title)
    notify(recipients, event, obj, title=title, body=body)


def audit_administrators() -> list[Any]:
    ids = Membership.objects.filter(role=Role.AUDITADMIN).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True))


def _mask_email(address: str) -> str:
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


@dataclass(frozen=True)
class ResetResult:
    """What the person who made the reset may see: where the link went, never the link or a password."""

    sent_to: str  # masked address, "" when not mailed
    expires_at: Any
    link: str = ""  # only for the CLI on the server (acting_user None) when the user has no e-mail address


def reset_link(raw: str) -> str:
    path = reverse("accounts:password_reset_confirm", kwargs={"code": raw})
    base = str(getattr(settings, "TAIZHANG_BASE_URL", "") or "").rstrip("/")
    return base + path


@transaction.atomic
def reset_password(*, acting_user: Any, user: Any) -> ResetResult:
    """The security administrator's reset: the current password stops working at once (sessions and API tokens
    end with it) and a one-time link, valid TAIZHANG_PASSWORD_RESET_HOURS, is mailed to the user, who sets a new
    password there. The administrator never sees a usable password or the link. The user and the audit
    administrators are alerted. On the server (acting_user None, `taizhang admin_account --reset-password`) the
    link is returned for the operator when the user has no e-mail address."""
    _require_security(acting_user, user)
    address = (user.email or "").strip()
    if acting_user is not None and not address:
        raise InvalidInput("该用户未登记电子邮箱，重置链接无法送达本人。请系统管理员先为其登记邮箱，"
                           "或由服务器管理员在服务器上办理。", {"email": ["未登记电子邮箱"]})
    user.set_unusable_password()
    user.must_change_password = False
    user.save()
    LoginLock.objects.filter(kind=LoginLock.Kind.USER, key=user.username.lower()).delete()
    tokens.revoke_all(acting_user=None, user=user, reason="密码被重置")
    hours = int(getattr(settings, "TAIZHANG_PASSWORD_RESET_HOURS", 24))
    raw = codes.issue(user=user, purpose=OneTimeCode.Purpose.PASSWORD_RESET, hours=hours, created_by=acting_user)
    link = reset_link(raw)
    expires = timezone.now() + datetime.timedelta(hours=hours)
    who = "服务器命令行" if acting_user is None else f"安全管理员 {acting_user.username}"
    if address:
        subject = "【台账】密码重置"
        body = (f"{user}，您好：\n\n{who} 重置了您的登录密码，原密码已失效。请在 {hours} 小时内打开下面的链接设置新密码"
                f"（链接只能使用一次）：\n\n{link}\n\n如果您没有申请重置，请立即联系安全管理员。")

        def deliver() -> None:
            try:
                send_mail(subject, body, None, [address], fail_silently=False)
            except Exception:  # the audit row and the alert stand; the administrator can issue a new link
                log.exception("password reset mail to user %s failed", user.pk)

        transaction.on_commit(deliver)
    audit.record("password_reset", user, user=acting_user,
                 message=f"重置 {user.username} 的密码：原密码失效，一次性重置链接"
                         + (f"已发送至 {_mask_email(address)}" if address else "交服务器管理员转交本人")
                         + f"（{hours} 小时内有效）")
    _alert([user], "password_reset", user, title="您的登录密码已被重置",
           body=f"{who} 于 {timezone.localtime():%Y-%m-%d %H:%M} 重置了您的密码。请通过邮件中的一次性链接设置新密码；"
                "如非本人申请，请立即联系安全管理员。")
    _alert(audit_administrators(), "password_reset_audit", user, title=f"{user.username} 的密码被重置",
           body=f"{who} 重置了用户 {user.username} 的密码（审计日志中有记录）。")
    return ResetResult(sent_to=_mask_email(address) if address else "", expires_at=expires,
                       link="" if address else link)


@transaction.atomic
def complete_password_reset(*, code: str, new_password: str) -> Any:
    """The user sets a new password through the one-time link. Returns the user."""
    found = codes.find(OneTimeCode.Purpose.PASSWORD_RESET, code, lock=True)
    if found is None:
        raise InvalidInput("重置链接无效、已过期或已使用过。请联系安全管理员重新办理。", {"code": ["链接无效"]})
    user = found.user
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise _password_errors(exc) from exc
    codes.consume(found)
    user.set_password(new_password)
    user.must_change_password = False
    user.save()
    audit.record("password_change", user, user=user, message="通过一次性重置链接设置新密码")
    tokens.revoke_all(acting_user=None, user=user, reason="修改密码")
    return user


@transaction.atomic
def issue_enrolment_code(*, acting_user: Any, user: Any) -> str:
    """A one-time code the user needs, besides the password, to bind an authenticator (administrators). Shown
    once to the issuer (security administrator, or the CLI on the server), who hands it to the user in person."""
    _require_security(acting_user, user)
    if not user.is_active:
        raise InvalidInput("该账户已停用。")
    hours = int(getattr(settings, "TAIZHANG_ENROLMENT_CODE_HOURS", 24))
    raw = codes.issue(user=user, purpose=OneTimeCode.Purpose.TOTP_ENROL, hours=hours, created_by=acting_user)
    audit.record("totp_code", user, user=acting_user,
                 message=f"签发 {user.username} 的动态口令绑定码（一次性，{hours} 小时内有效）"
                         + ("，命令行" if acting_user is None else ""))
    _alert([user], "totp_code", user, title="已为您签发动态口令绑定码",
           body="安全管理员为您签发了绑定验证器所需的一次性绑定码，请向其当面领取。如非本人申请，请联系安全管理员。")
    return codes.grouped(raw)


def enrolment_code_required(user: Any) -> bool:
    """Administrators bind an authenticator only with an enrolment code (not with the password alone)."""
    return policy.totp_required_for_admins() and policy.holds_admin_role(user)


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
def enable_totp(*, acting_user: Any, user: Any, secret: str, code: str, enrolment_code: str = "") -> Any:
    """Enrol the user's authenticator: the first code proves the secret was copied right. Administrators also
    give the one-time enrolment code the security administrator issued (`issue_enrolment_code`)."""
    if acting_user is not None and acting_user.pk != user.pk:
        raise NotPermitted("只能为自己的账户绑定动态口令。")
    enrolment = None
    if enrolment_code_required(user):
        enrolment = codes.find(OneTimeCode.Purpose.TOTP_ENROL, enrolment_code, user=user, lock=True)
        if enrolment is None:
            raise InvalidInput("绑定码不正确、已过期或已使用过。管理员绑定验证器须使用安全管理员签发的一次性绑定码。",
                               {"enrolment_code": ["绑定码无效"]})
    step = totp.matching_step(secret, code)
    if step is None:
        raise InvalidInput("动态口令不正确：请核对手机时间是否准确，并输入验证器当前显示的 6 位数字。",
                           {"code": ["动态口令不正确"]})
    if enrolment is not None:
        codes.consume(enrolment)
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
    tokens.revoke_all(acting_user=None, user=user, reason="动态口令被重置")
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
    # One administrator role per person, no business role beside it: enforced by org.actions.grant_role.
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
