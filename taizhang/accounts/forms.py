"""Forms of the account pages. The login form applies the lockout and writes the failed-login audit rows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import forms as auth_forms

from taizhang.accounts import lockout, policy
from taizhang.core import audit
from taizhang.core.middleware import client_address
from taizhang.org.models import Unit
from taizhang.org.roles import ADMIN_ROLES, Role


class AttemptedUser:
    """Stands for the person behind a failed login in the audit log: the name they typed, not authenticated."""

    is_authenticated = False

    def __init__(self, username: str) -> None:
        self.username = username[:150]


def audit_login_failure(username: str, message: str, *, user_id: Any = None) -> None:
    audit.record("login_failed", None, user=AttemptedUser(username), success=False, message=message,
                 object_type="accounts.user", object_id=str(user_id or ""), object_repr=username[:300])


def audit_locks(locks: list[Any]) -> None:
    for lock in locks:
        until = f"{lock.locked_until:%Y-%m-%d %H:%M:%S}"
        audit.record("lockout", lock, user=None, success=True,
                     message=f"{lock.get_kind_display()}“{lock.key}”登录失败次数过多，锁定至 {until}",
                     after={"kind": lock.kind, "key": lock.key, "locked_until": lock.locked_until})


class LoginForm(auth_forms.AuthenticationForm):
    """Django's form, with the lock checked before the password and failures counted after it."""

    error_messages = {
        "invalid_login": "用户名或密码错误。",
        "inactive": "该账户已停用，请联系系统管理员。",
    }

    def clean(self) -> dict[str, Any]:
        username = str(self.cleaned_data.get("username") or "")
        password = self.cleaned_data.get("password")
        if not username or password is None:
            return self.cleaned_data
        address = client_address(self.request) if self.request is not None else ""
        refusal = lockout.check(username, address)
        if refusal is not None:
            audit_login_failure(username, f"登录被拒绝：{refusal.message}")
            raise forms.ValidationError(refusal.message, code="locked")
        self.user_cache = authenticate(self.request, username=username, password=password)
        if self.user_cache is None:
            existing = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
            locks = lockout.register_failure(username, address)
            audit_login_failure(username, "用户名或密码错误", user_id=existing)
            audit_locks(locks)
            refusal = lockout.check(username, address)
            if refusal is not None:
                raise forms.ValidationError(refusal.message, code="locked")
            left = lockout.remaining_attempts(username)
            message = "用户名或密码错误。"
            if left is not None:
                message += f"再连续失败 {left} 次，账户将被锁定 {policy.lockout_minutes()} 分钟。"
            raise forms.ValidationError(message, code="invalid_login")
        try:
            self.confirm_login_allowed(self.user_cache)
        except forms.ValidationError:
            audit_login_failure(username, "账户已停用", user_id=self.user_cache.pk)
            raise
        return self.cleaned_data


class CodeForm(forms.Form):
    code = forms.CharField(label="动态口令", max_length=12, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "pattern": r"[0-9 ]*",
    }))


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    error_messages = {
        **auth_forms.SetPasswordForm.error_messages,
        "password_incorrect": "原密码不正确。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password1"].help_text = "新密码" + policy.requirement_text()
        self.fields["new_password2"].label = "确认新密码"
        self.fields["new_password2"].help_text = ""

    def validate_password_for_user(self, user: Any, password_field_name: str = "password2") -> None:  # noqa: S107
        """The policy is checked once, by accounts.actions.change_password (the history check is costly)."""


class AdminRoleForm(forms.Form):
    user = forms.ModelChoiceField(label="用户", queryset=get_user_model().objects.filter(is_active=True),
                                  empty_label="请选择用户")
    unit = forms.ModelChoiceField(label="单位", queryset=Unit.objects.filter(is_active=True), empty_label="请选择单位")
    role = forms.ChoiceField(label="管理员角色",
                             choices=[("", "请选择"), *((r.value, r.label) for r in Role if r in ADMIN_ROLES)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].label_from_instance = lambda u: f"{u}（{u.username}）"  # type: ignore[attr-defined]
        self.fields["unit"].label_from_instance = (  # type: ignore[attr-defined]
            lambda u: "　" * u.depth + f"{u.name}（{u.code}）"
        )
