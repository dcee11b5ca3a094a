"""Forms of the account pages. The login form applies the lockout and writes the failed-login audit rows."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import forms as auth_forms

from taizhang.accounts import lockout, policy
from taizhang.core import audit
from taizhang.core.middleware import client_address
from taizhang.org.fields import UnitChoiceField
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
    """A wrong old password counts toward the account's lockout like a failed login (someone at an unlocked
    screen cannot try passwords without limit); when the account locks, the view ends the session."""

    error_messages = {
        **auth_forms.SetPasswordForm.error_messages,
        "password_incorrect": "原密码不正确。",
        "password_mismatch": "两次输入的新密码不一致。",
    }

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        self.request = request
        self.locked = False
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password1"].help_text = "新密码" + policy.requirement_text()
        self.fields["new_password2"].label = "确认新密码"
        self.fields["new_password2"].help_text = ""

    def validate_password_for_user(self, user: Any, password_field_name: str = "password2") -> None:  # noqa: S107
        """The policy is checked once, by accounts.actions.change_password (the history check is costly)."""

    def clean_old_password(self) -> str:
        address = client_address(self.request) if self.request is not None else ""
        refusal = lockout.check(self.user.username, address)
        if refusal is not None:
            self.locked = True
            raise forms.ValidationError(refusal.message, code="locked")
        old = str(self.cleaned_data.get("old_password") or "")
        if self.user.check_password(old):
            return old
        locks = lockout.register_failure(self.user.username, address)
        audit_login_failure(self.user.username, "修改密码时原密码错误", user_id=self.user.pk)
        audit_locks(locks)
        refusal = lockout.check(self.user.username, address)
        if refusal is not None:
            self.locked = True
            raise forms.ValidationError(refusal.message, code="locked")
        left = lockout.remaining_attempts(self.user.username)
        message = "原密码不正确。"
        if left is not None:
            message += f"再连续输错 {left} 次，账户将被锁定 {policy.lockout_minutes()} 分钟。"
        raise forms.ValidationError(message, code="password_incorrect")


class SetNewPasswordForm(forms.Form):
    """The page a password reset link opens: the user chooses the new password (checked by the action)."""

    new_password1 = forms.CharField(label="新密码", strip=False, max_length=128,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label="确认新密码", strip=False, max_length=128,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data


class EnrolForm(CodeForm):
    """Binding an authenticator; administrators also give the one-time enrolment code."""

    enrolment_code = forms.CharField(label="绑定码", max_length=32, required=False, widget=forms.TextInput(attrs={
        "autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
    }))

    def __init__(self, *args: Any, need_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.need_code = need_code
        if need_code:
            self.fields["enrolment_code"].required = True
            self.fields["enrolment_code"].help_text = "安全管理员签发的一次性绑定码，如 ABCD-EFGH-JKLM"
        else:
            del self.fields["enrolment_code"]


class TokenForm(forms.Form):
    name = forms.CharField(label="名称（用途）", max_length=64, help_text="如“数据报送脚本”")
    days = forms.IntegerField(label="有效期（天）", min_value=1, max_value=3650, required=False)
    code = forms.CharField(label="动态口令", max_length=12, required=False, widget=forms.TextInput(attrs={
        "autocomplete": "one-time-code", "inputmode": "numeric", "pattern": r"[0-9 ]*",
    }))


class AdminRoleForm(forms.Form):
    user = forms.ModelChoiceField(label="用户", queryset=get_user_model().objects.filter(is_active=True),
                                  empty_label="请选择用户")
    unit = UnitChoiceField(Unit.objects.filter(is_active=True), label="单位")
    role = forms.ChoiceField(label="管理员角色",
                             choices=[("", "请选择"), *((r.value, r.label) for r in Role if r in ADMIN_ROLES)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].label_from_instance = lambda u: f"{u}（{u.username}）"  # type: ignore[attr-defined]
