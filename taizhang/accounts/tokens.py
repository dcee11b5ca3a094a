"""API tokens (`Authorization: Token <key>`), replacing rest_framework.authtoken's plain-text Token.

* The key is `tz<8 hex>_<43 random characters>`; only its SHA-256 digest is stored, with the first part (`prefix`)
  for identification. The key is shown once, when issued (`issue`), and never again.
* A token has a name, an expiry (`TAIZHANG_API_TOKEN_DAYS`, default 90) and a last-use time; it is revoked when
  its user changes or has reset the password, is locked out, or has the second factor reset.
* `TokenAuthentication` refuses tokens of inactive or locked users, of users who must change their password, and
  administrators' tokens unless the administrator uses the second factor (tokens of administrators are issued only
  after a TOTP check on the web page, or on the server by the CLI).
* Every issue, rotation and revocation is audited (`token_issue`, `token_revoke`).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import authentication, exceptions

from taizhang.accounts import policy
from taizhang.accounts.models import ApiToken
from taizhang.core import audit
from taizhang.core.errors import InvalidInput, NotPermitted

LAST_USED_WRITE_SECONDS = 60
MAX_KEY_LENGTH = 100


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def default_days() -> int:
    return int(getattr(settings, "TAIZHANG_API_TOKEN_DAYS", 90))


def _admin_needs_totp(user: Any) -> bool:
    return policy.totp_required_for_admins() and policy.holds_admin_role(user)


@transaction.atomic
def issue(*, acting_user: Any, user: Any, name: str = "", days: int | None = None,
          totp_checked: bool = False) -> tuple[ApiToken, str]:
    """A new token for `user`; returns it and the key (shown once). acting_user None: the CLI on the server."""
    if acting_user is not None and acting_user.pk != user.pk:
        raise NotPermitted("只能为自己签发接口令牌。")
    if not user.is_active:
        raise InvalidInput("该账户已停用，不能签发接口令牌。")
    if policy.must_change_password(user) or not user.has_usable_password():
        raise InvalidInput("该用户须先修改密码，才能签发接口令牌。")
    if _admin_needs_totp(user):
        if not user.totp_enabled:
            raise InvalidInput("管理员须先绑定动态口令，才能签发接口令牌。")
        if acting_user is not None and not totp_checked:
            raise NotPermitted("管理员签发接口令牌须先验证动态口令。")
    name = (name or "").strip()[:64] or "接口令牌"
    days = days or default_days()
    if not 1 <= days <= 3650:
        raise InvalidInput("有效期应为 1 到 3650 天。", {"days": ["有效期应为 1 到 3650 天"]})
    prefix = "tz" + secrets.token_hex(4)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, digest=digest(key),
        expires_at=timezone.now() + datetime.timedelta(days=days),
        created_by=acting_user,
    )
    audit.record("token_issue", token, user=acting_user, object_repr=f"{user.username} 的接口令牌 {token}",
                 after={"user": user.username, "name": name, "prefix": prefix, "expires_at": token.expires_at},
                 message=f"签发接口令牌“{name}”（{prefix}…，{days} 天后到期）"
                         + ("，命令行" if acting_user is None else ""))
    return token, key


@transaction.atomic
def revoke(*, acting_user: Any, token: ApiToken, reason: str = "") -> ApiToken:
    if acting_user is not None and acting_user.pk != token.user_id:
        from taizhang.org.roles import Cap
        from taizhang.org.scoping import has_cap

        if not has_cap(acting_user, Cap.MANAGE_SECURITY):
            raise NotPermitted("只能作废自己的接口令牌。")
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_reason = (reason or "手动作废")[:100]
    token.save(update_fields=["revoked_at", "revoked_reason"])
    audit.record("token_revoke", token, user=acting_user, object_repr=f"{token.user.username} 的接口令牌 {token}",
                 message=f"作废接口令牌：{token.revoked_reason}")
    return token


def revoke_all(*, acting_user: Any, user: Any, reason: str) -> int:
    """Revoke every live token of the user (password change or reset, lock, second-factor reset)."""
    count = 0
    for token in ApiToken.objects.select_related("user").filter(user=user, revoked_at__isnull=True):
        revoke(acting_user=None if acting_user is None else acting_user, token=token, reason=reason)
        count += 1
    return count


@transaction.atomic
def rotate(*, acting_user: Any, user: Any, name: str = "", days: int | None = None,
           totp_checked: bool = False) -> tuple[ApiToken, str]:
    """Revoke the user's live tokens of this name (all of them when no name is given), then issue a new one."""
    live = ApiToken.objects.select_related("user").filter(user=user, revoked_at__isnull=True)
    if name:
        live = live.filter(name=name.strip()[:64])
    for token in live:
        revoke(acting_user=acting_user, token=token, reason="轮换")
    return issue(acting_user=acting_user, user=user, name=name, days=days, totp_checked=totp_checked)


def check_usable(token: ApiToken) -> str:
    """Why the token cannot be used now ("" = it can)."""
    user = token.user
    if token.revoked_at is not None or token.expires_at <= timezone.now():
        return "令牌无效、已过期或已作废。"
    if not user.is_active:
        return "该账户已停用。"
    reason = policy.must_change_password(user)
    if reason or not user.has_usable_password():
        return (reason or "密码已被重置。") + "请先在网页上修改密码，再重新签发令牌。"
    if _admin_needs_totp(user) and not user.totp_enabled:
        return "管理员须先绑定动态口令，才能使用接口令牌。"
    from taizhang.accounts import lockout

    if lockout.check(user.username, "") is not None:
        return "该账户已被锁定。"
    return ""


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <key>` against the stored digests."""

    keyword = "Token"

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("令牌格式不正确：应为 Authorization: Token <令牌>。")
        try:
            key = parts[1].decode("ascii")
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("令牌格式不正确。") from exc
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        token = None
        if 0 < len(key) <= MAX_KEY_LENGTH:
            token = ApiToken.objects.select_related("user").filter(digest=digest(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("令牌无效、已过期或已作废。")
        reason = check_usable(token)
        if reason:
            raise exceptions.AuthenticationFailed(reason)
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= LAST_USED_WRITE_SECONDS:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token

    def authenticate_header(self, request: Any) -> str:
        return self.keyword


def key_for(user: Any, name: str = "测试") -> str:
    """A key for tests, scripts and benchmarks (as the CLI would issue it). Not for request handlers."""
    return issue(acting_user=None, user=user, name=name)[1]
