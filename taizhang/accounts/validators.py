"""Password validators (AUTH_PASSWORD_VALIDATORS) with Chinese messages; the policy comes from accounts.policy."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import CommonPasswordValidator as DjangoCommon
from django.contrib.auth.password_validation import UserAttributeSimilarityValidator
from django.core.exceptions import ValidationError

from taizhang.accounts import policy


def char_classes(password: str) -> set[str]:
    found: set[str] = set()
    for ch in password:
        if ch.isdigit():
            found.add("digit")
        elif ch.isalpha():
            found.add("letter")
        elif not ch.isspace() or ch == " ":
            cat = unicodedata.category(ch)
            if cat[0] in "PSZ":
                found.add("symbol")
    return found


def invisible_characters(password: str) -> list[str]:
    """Characters that do not show or are not the ordinary space: format (Cf: zero-width space, joiners, bidi
    marks, BOM), control (Cc), private use and unassigned (Co, Cn), line/paragraph separators and spaces other
    than U+0020 (Z*), and variation selectors / combining marks standing alone. They would let a password look
    longer or stronger than it is, and make it impossible to type on another device."""
    found = []
    for ch in unicodedata.normalize("NFC", password):
        cat = unicodedata.category(ch)
        selector = 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF
        if (cat in ("Cf", "Cc", "Co", "Cn", "Cs", "Zl", "Zp", "Mn", "Me") or (cat == "Zs" and ch != " ")
                or selector):
            found.append(ch)
    return found


class PolicyValidator:
    """Length and character classes (letters, digits, symbols)."""

    def validate(self, password: str, user: Any = None) -> None:
        errors: list[ValidationError] = []
        if len(password) - len(invisible_characters(password)) < policy.min_length():
            errors.append(ValidationError(f"密码太短：至少 {policy.min_length()} 位。", code="password_too_short"))
        needed = policy.char_classes()
        if len(char_classes(password)) < needed:
            if needed >= 3:
                message = "密码须同时包含字母、数字和符号（如 ! @ # $ % 等）。"
            else:
                message = f"密码须包含字母、数字、符号中的至少 {needed} 类。"
            errors.append(ValidationError(message, code="password_classes"))
        if re.search(r"[\x00-\x1f\x7f]", password):
            errors.append(ValidationError("密码不能包含控制字符。", code="password_control"))
        elif invisible_characters(password):
            errors.append(ValidationError("密码不能包含零宽字符、全角空格等不可见或特殊空白字符，请只使用键盘上能看到的字符。",
                                          code="password_invisible"))
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return "密码" + policy.requirement_text()


class UserAttributeValidator(UserAttributeSimilarityValidator):
    def __init__(self) -> None:
        super().__init__(user_attributes=("username", "display_name", "email"), max_similarity=0.7)

    def validate(self, password: str, user: Any = None) -> None:
        try:
            super().validate(password, user)
        except ValidationError as exc:
            raise ValidationError("密码与用户名、姓名或邮箱过于相似。", code="password_too_similar") from exc
        username = str(getattr(user, "username", "") or "")
        if len(username) >= 3 and username.lower() in password.lower():
            raise ValidationError("密码不能包含用户名。", code="password_contains_username")

    def get_help_text(self) -> str:
        return "密码不能与用户名、姓名或邮箱相似。"


class CommonPasswordValidator(DjangoCommon):
    def validate(self, password: str, user: Any = None) -> None:
        try:
            super().validate(password, user)
        except ValidationError as exc:
            raise ValidationError("该密码过于常见，容易被猜中。", code="password_too_common") from exc

    def get_help_text(self) -> str:
        return "不能使用常见密码。"


class HistoryValidator:
    """Refuses the current password and the last TAIZHANG_PASSWORD_HISTORY ones (accounts.PasswordHistory)."""

    def validate(self, password: str, user: Any = None) -> None:
        count = policy.history()
        if user is None or not getattr(user, "pk", None) or count <= 0:
            return
        from taizhang.accounts.models import PasswordHistory

        hashes = list(PasswordHistory.objects.filter(user_id=user.pk).order_by("-created_at", "-id")
                      .values_list("password", flat=True)[:count])
        current = getattr(user, "password", "")
        if not hashes and current:  # an account from before the history was kept: at least not the current one
            hashes = [current]
        if any(check_password(password, h) for h in hashes if h):
            raise ValidationError(f"不能使用最近 {count} 次用过的密码，请换一个新密码。", code="password_reused")

    def get_help_text(self) -> str:
        count = policy.history()
        return f"不能与最近 {count} 次使用过的密码相同。" if count else ""
