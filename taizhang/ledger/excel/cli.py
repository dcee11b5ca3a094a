"""Helpers shared by the import, export and excel_template commands."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model

from taizhang.core.errors import InvalidInput
from taizhang.ledger.models import ActivityType
from taizhang.org.models import Unit


def user_by_name(username: str | None) -> Any:
    """The acting user for --user; None (the system, all units) when not given."""
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise InvalidInput(f"用户“{username}”不存在")
    if not user.is_active:
        raise InvalidInput(f"用户“{username}”已停用")
    return user


def unit_by_code(code: str | None) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise InvalidInput(f"单位代码“{code}”不存在（可用 taizhang units 查看全部单位）")
    return unit


def type_by_key(key: str | None) -> ActivityType | None:
    if not key:
        return None
    atype = ActivityType.objects.select_related("line").filter(key=key).first()
    if atype is None:
        raise InvalidInput(f"活动类型“{key}”不存在（可用 taizhang metrics 查看指标体系）")
    return atype


def write_atomically(path: str, data: bytes) -> Path:
    """Write to a temporary file next to `path`, then rename: a failed export never leaves half a file."""
    target = Path(path).expanduser().resolve()
    if not target.parent.is_dir():
        raise InvalidInput(f"输出目录不存在：{target.parent}")
    fd, tmp = tempfile.mkstemp(prefix=".taizhang-", suffix=".xlsx", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
