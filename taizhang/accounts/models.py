"""User accounts. Roles are per unit (org.Membership); the security fields serve the MLPS controls.

* `must_change_password`, `password_changed_at`: the forced change (first login, after a reset) and expiry.
* `PasswordHistory`: the last hashes, so a password is not reused (accounts.validators.HistoryValidator).
* `totp_*`: the TOTP second factor; the secret is SM4-encrypted (core.crypto) and a code is accepted once.
* `LoginLock`: failed logins per account name and per client address, and the locks they cause.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from taizhang.core.crypto import EncryptedCharField

HISTORY_KEEP = 24  # rows kept per user; the policy looks at the last TAIZHANG_PASSWORD_HISTORY of them


class User(AbstractUser):
    display_name = models.CharField("姓名", max_length=64, blank=True)
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    totp_secret = EncryptedCharField("动态口令密钥", blank=True, default="")
    totp_confirmed_at = models.DateTimeField("动态口令启用时间", null=True, blank=True)
    totp_last_step = models.BigIntegerField("动态口令最近使用的时间步", default=0)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def totp_enabled(self) -> bool:
        return bool(self.totp_secret) and self.totp_confirmed_at is not None

    def role_names(self) -> list[str]:
        cached = getattr(self, "_tz_role_names", None)
        if cached is None:
            cached = sorted({m.role for m in self.memberships.all()})
            self._tz_role_names = cached
        return list(cached)

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def save(self, *args: Any, **kwargs: Any) -> None:
        raw_password = self._password  # type: ignore[attr-defined]
        password_changed = raw_password is not None
        adding = self._state.adding
        if adding and self.password_changed_at is None:
            self.password_changed_at = timezone.now()  # UserManager.create_user sets the hash directly
        update_fields = kwargs.get("update_fields")
        if password_changed and update_fields is not None and "password" in update_fields:
            kwargs["update_fields"] = {*update_fields, "password_changed_at"}
        super().save(*args, **kwargs)
        if not self.has_usable_password():
            return
        if password_changed:
            from taizhang.accounts.hashers import history_hash

            PasswordHistory.objects.create(user=self, password=history_hash(raw_password))
        elif adding:
            PasswordHistory.objects.create(user=self, password=self.password)
        else:
            return
        stale = PasswordHistory.objects.filter(user=self).order_by("-created_at", "-id")[HISTORY_KEEP:]
        stale_ids = list(stale.values_list("id", flat=True))
        if stale_ids:
            PasswordHistory.objects.filter(id__in=stale_ids).delete()


class PasswordHistory(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", related_name="password_history",
                             on_delete=models.CASCADE)
    password = models.CharField("密码散列", max_length=128)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.created_at:%Y-%m-%d}"


class LoginLock(models.Model):
    """Failed logins of one account name (kind=user) or one client address (kind=address)."""

    class Kind(models.TextChoices):
        USER = "user", "账户"
        ADDRESS = "address", "地址"

    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    key = models.CharField("账户或地址", max_length=150)
    failures = models.PositiveIntegerField("失败次数", default=0)
    first_failure_at = models.DateTimeField("首次失败时间", null=True, blank=True)
    last_failure_at = models.DateTimeField("最近失败时间", null=True, blank=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True, db_index=True)
    lock_count = models.PositiveIntegerField("累计锁定次数", default=0)

    class Meta:
        verbose_name = "登录锁定"
        verbose_name_plural = "登录锁定"
        ordering = ["-locked_until", "kind", "key"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="accounts_loginlock_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


class ApiToken(models.Model):
    """An API token (`Authorization: Token <key>`). Only a digest of the key is stored; the key is shown once,
    when issued. Tokens expire, are named, and are revoked on a password change or reset and on an account lock
    (accounts.tokens)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", related_name="api_tokens",
                             on_delete=models.CASCADE)
    name = models.CharField("名称", max_length=64)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    digest = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("签发时间", default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签发人", null=True, blank=True,
                                   related_name="+", on_delete=models.SET_NULL)
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True, db_index=True)
    revoked_reason = models.CharField("作废原因", max_length=100, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class OneTimeCode(models.Model):
    """A single-use code with an expiry: a password reset link delivered to the user, or the enrolment code an
    administrator needs to bind an authenticator. Only a digest is stored."""

    class Purpose(models.TextChoices):
        PASSWORD_RESET = "password_reset", "密码重置"
        TOTP_ENROL = "totp_enrol", "动态口令绑定"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", related_name="one_time_codes",
                             on_delete=models.CASCADE)
    purpose = models.CharField("用途", max_length=16, choices=Purpose.choices)
    digest = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("签发时间", default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签发人", null=True, blank=True,
                                   related_name="+", on_delete=models.SET_NULL)
    expires_at = models.DateTimeField("到期时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "一次性验证码"
        verbose_name_plural = "一次性验证码"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.user_id}"

    @property
    def usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()
