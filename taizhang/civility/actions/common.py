"""What the civility actions share: permission checks and small validators."""

from __future__ import annotations

from typing import Any

from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.org.models import Unit
from taizhang.org.scoping import can_in_unit


def require(user: Any, cap: str, unit: Unit, message: str = "您没有执行此操作的权限。") -> None:
    """None = the system (demo, cron): always allowed."""
    if user is not None and not can_in_unit(user, cap, unit):
        raise NotPermitted(message)


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, {field: [message]})


def clean_text(value: Any, field: str, label: str, *, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise invalid(field, f"请填写{label}")
    if len(text) > max_length:
        raise invalid(field, f"{label}不能超过{max_length}个字")
    return text
