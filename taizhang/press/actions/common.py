"""Permission and validation helpers shared by the press actions."""

from __future__ import annotations

from typing import Any

from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit


def user_or_none(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def require(user: Any, cap: str, unit: Unit, message: str) -> None:
    """acting_user None is the system (demo, cron, CLI run by an operator)."""
    if user is not None and not can_in_unit(user, cap, unit):
        raise NotPermitted(message)


def require_staff(user: Any, unit: Unit, message: str = "只有宣传部工作人员可以执行此操作。") -> None:
    require(user, Cap.MANAGE_WORK, unit, message)


def require_unit(user: Any, unit: Unit, message: str = "您不能代该单位办理。") -> None:
    if user is not None and not (can_in_unit(user, Cap.EDIT_RECORDS, unit) or can_in_unit(user, Cap.MANAGE_WORK, unit)):
        raise NotPermitted(message)


def text(value: Any, field: str, label: str, *, max_length: int, required: bool = True) -> str:
    cleaned = str(value or "").strip()
    if required and not cleaned:
        raise InvalidInput(f"请填写{label}", {field: [f"请填写{label}"]})
    if len(cleaned) > max_length:
        raise InvalidInput(f"{label}过长：最多 {max_length} 字（现为 {len(cleaned)} 字）", {field: ["过长"]})
    return cleaned
