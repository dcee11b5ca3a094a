"""User accounts. Roles are per unit (org.Membership); security fields serve the MLPS controls."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    display_name = models.CharField("姓名", max_length=64, blank=True)
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    def role_names(self) -> list[str]:
        cached = getattr(self, "_tz_role_names", None)
        if cached is None:
            cached = sorted({m.role for m in self.memberships.all()})  # type: ignore[attr-defined]
            self._tz_role_names = cached
        return list(cached)
