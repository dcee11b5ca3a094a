"""Audit rows for logins and logouts (failed logins are written by the login form, which knows why)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from taizhang.core import audit


@receiver(user_logged_in, dispatch_uid="taizhang.accounts.login")
def on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    mfa = "（密码 + 动态口令）" if getattr(user, "totp_enabled", False) else "（密码）"
    audit.record("login", user, user=user, message="登录成功" + mfa)


@receiver(user_logged_out, dispatch_uid="taizhang.accounts.logout")
def on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    reason = getattr(request, "_tz_logout_reason", "") if request is not None else ""
    audit.record("logout", user, user=user, message=reason or "退出登录")
