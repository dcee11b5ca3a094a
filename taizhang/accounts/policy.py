"""The account security policy, read from settings at run time (so tests and the policy page see the same values).

Defaults follow evaluators' practice for MLPS level 3 (GB/T 22239-2019 8.1.4.1): passwords of at least 8
characters mixing letters, digits and symbols, not one of the last 5, changed every 90 days and at first login;
5 failed logins lock for 15 minutes; idle sessions end after 15 minutes; administrators use a second factor.
`TAIZHANG_DEV_RELAXED=true` relaxes all of it for a development install (see settings.py).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone


def min_length() -> int:
    return int(settings.TAIZHANG_PASSWORD_MIN_LENGTH)


def char_classes() -> int:
    return int(settings.TAIZHANG_PASSWORD_CLASSES)


def history() -> int:
    return int(settings.TAIZHANG_PASSWORD_HISTORY)


def max_age_days() -> int:
    return int(settings.TAIZHANG_PASSWORD_MAX_AGE_DAYS)


def lockout_attempts() -> int:
    return int(settings.TAIZHANG_LOCKOUT_ATTEMPTS)


def lockout_address_attempts() -> int:
    return int(settings.TAIZHANG_LOCKOUT_ADDRESS_ATTEMPTS)


def lockout_minutes() -> int:
    return int(settings.TAIZHANG_LOCKOUT_MINUTES)


def idle_minutes() -> int:
    return int(settings.TAIZHANG_SESSION_IDLE_MINUTES)


def totp_required_for_admins() -> bool:
    return bool(settings.TAIZHANG_REQUIRE_TOTP_FOR_ADMINS)


def holds_admin_role(user: Any) -> bool:
    """Through the scoping cache the views load anyway (one query per request for both)."""
    from taizhang.org.roles import Cap
    from taizhang.org.scoping import has_cap

    return any(has_cap(user, cap) for cap in (Cap.MANAGE_ORG, Cap.MANAGE_SECURITY, Cap.VIEW_AUDIT))


def requires_totp(user: Any) -> bool:
    """Must this user pass a second factor? Administrators when the policy says so; anyone who enrolled."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "totp_enabled", False):
        return True
    return totp_required_for_admins() and holds_admin_role(user)


def password_changed_on(user: Any) -> datetime.datetime | None:
    return getattr(user, "password_changed_at", None) or getattr(user, "date_joined", None)


def password_expires_at(user: Any) -> datetime.datetime | None:
    days = max_age_days()
    changed = password_changed_on(user)
    if days <= 0 or changed is None:
        return None
    return changed + datetime.timedelta(days=days)


def password_expired(user: Any) -> bool:
    expires = password_expires_at(user)
    return expires is not None and expires <= timezone.now()


def must_change_password(user: Any) -> str:
    """Why the user must change the password now ("" = no need)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    if getattr(user, "must_change_password", False):
        return "首次登录或密码被重置后，须先修改密码。"
    if password_expired(user):
        return f"您的密码已使用超过 {max_age_days()} 天，须修改后才能继续使用。"
    return ""


def requirement_text() -> str:
    """The rule in one Chinese sentence, for help texts."""
    classes = char_classes()
    mix = {1: "", 2: "，须包含字母、数字、符号中的至少两类", 3: "，须同时包含字母、数字和符号"}[classes]
    text = f"至少 {min_length()} 位{mix}"
    if history():
        text += f"，不能与最近 {history()} 次使用过的密码相同"
    return text + "。"


@dataclass(frozen=True)
class PolicyRow:
    label: str
    value: str
    setting: str


def describe() -> list[PolicyRow]:
    """The policy in force, for the security administrator's page and docs."""
    def onoff(flag: bool) -> str:
        return "是" if flag else "否"

    age = max_age_days()
    hasher = "PBKDF2-SM3" if settings.TAIZHANG_PASSWORD_HASHER == "pbkdf2_sm3" else "PBKDF2-SHA256"  # noqa: S105
    attempts = lockout_attempts()
    rows = [
        PolicyRow("密码最小长度", f"{min_length()} 位", "TAIZHANG_PASSWORD_MIN_LENGTH"),
        PolicyRow("密码字符类别（字母/数字/符号）", f"至少 {char_classes()} 类", "TAIZHANG_PASSWORD_CLASSES"),
        PolicyRow("不得重复使用最近的密码", f"{history()} 个" if history() else "不限制", "TAIZHANG_PASSWORD_HISTORY"),
        PolicyRow("密码有效期", f"{age} 天" if age else "不过期", "TAIZHANG_PASSWORD_MAX_AGE_DAYS"),
        PolicyRow("首次登录及重置后强制修改密码", "是", "—"),
        PolicyRow("账户连续登录失败锁定", f"{attempts} 次后锁定" if attempts else "不锁定",
                  "TAIZHANG_LOCKOUT_ATTEMPTS"),
        PolicyRow("同一地址登录失败锁定", f"{lockout_address_attempts()} 次后锁定" if lockout_address_attempts()
                  else "不锁定", "TAIZHANG_LOCKOUT_ADDRESS_ATTEMPTS"),
        PolicyRow("锁定时长", f"{lockout_minutes()} 分钟", "TAIZHANG_LOCKOUT_MINUTES"),
        PolicyRow("会话空闲超时", f"{idle_minutes()} 分钟", "TAIZHANG_SESSION_IDLE_MINUTES"),
        PolicyRow("管理员须使用双因素认证（动态口令）", onoff(totp_required_for_admins()),
                  "TAIZHANG_REQUIRE_TOTP_FOR_ADMINS"),
        PolicyRow("口令散列算法", hasher, "TAIZHANG_PASSWORD_HASHER"),
        PolicyRow("个人信息字段加密", "SM4-GCM（密钥来自环境变量）" if settings.TAIZHANG_SM4_KEY_FROM_ENV
                  else "SM4-GCM（密钥文件，建议改用环境变量）", "TAIZHANG_SM4_KEY"),
        PolicyRow("审计日志最短保存期", f"{settings.TAIZHANG_AUDIT_RETENTION_DAYS} 天",
                  "TAIZHANG_AUDIT_RETENTION_DAYS"),
        PolicyRow("接口访问频率上限（每用户）", str(settings.TAIZHANG_API_RATE), "TAIZHANG_API_RATE"),
        PolicyRow("HTTPS（安全 Cookie、HSTS）", onoff(bool(settings.SECURE_HTTPS)), "TAIZHANG_HTTPS"),
        PolicyRow("开发模式放宽", onoff(bool(settings.TAIZHANG_DEV_RELAXED)), "TAIZHANG_DEV_RELAXED"),
    ]
    return rows
