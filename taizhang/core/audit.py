"""Writing the audit log. Actions call `record` (one object) or `record_many` (bulk paths: one row per changed row)."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

from taizhang.core import context
from taizhang.core.crypto import audit_safe_value
from taizhang.core.models import AuditEntry

# The named actions (a registry, as Wagtail's log_actions): what the audit viewer shows for each.
ACTIONS: dict[str, str] = {
    "create": "新增",
    "update": "修改",
    "delete": "删除",
    "submit": "报送",
    "approve": "审核通过",
    "return": "退回",
    "revise": "更正",
    "withdraw": "撤回",
    "import": "导入",
    "export": "导出",
    "download": "下载",
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出",
    "lockout": "账户锁定",
    "unlock": "解除锁定",
    "password_change": "修改密码",
    "password_reset": "重置密码",
    "permission": "权限变更",
    "publish": "发布",
    "run": "运行",
    "assign": "交办",
    "respond": "回应",
    "close": "办结",
    "config": "配置变更",
    "backup": "备份",
    "restore": "恢复",
}


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_json_safe(v) for v in value]
    return str(value)


SECRET_FIELDS = {"password", "totp_secret", "key"}


def snapshot(obj: models.Model, fields: Sequence[str] | None = None) -> dict[str, Any]:
    """A JSON-safe dict of the object's concrete fields (secrets left out)."""
    data: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in SECRET_FIELDS:
            continue
        # Personal data in encrypted fields reaches the log masked (138****5678), never in clear.
        data[field.attname] = _json_safe(audit_safe_value(field, getattr(obj, field.attname)))
    return data


def _user_fields(user: Any) -> dict[str, Any]:
    if user is None or not getattr(user, "is_authenticated", False):
        return {"user_id": None, "username": getattr(user, "username", "") or "", "roles": ""}
    roles = getattr(user, "role_names", None)
    role_text = ",".join(roles()) if callable(roles) else ""
    return {"user_id": user.pk, "username": user.get_username(), "roles": role_text[:200]}


def record(
    action: str,
    obj: models.Model | None = None,
    *,
    user: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    success: bool = True,
    message: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    ctx = context.current()
    entry = AuditEntry(
        action=action,
        object_type=object_type or (obj._meta.label_lower if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None and obj.pk is not None else ""),
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:300],
        success=success,
        before=_json_safe(before) if before is not None else None,
        after=_json_safe(after) if after is not None else None,
        message=message,
        address=ctx.address,
        channel=ctx.channel,
        request_id=ctx.request_id,
        **_user_fields(user),
    )
    entry.save()
    return entry


def record_many(
    action: str,
    objects: Iterable[models.Model],
    *,
    user: Any,
    before: dict[Any, dict[str, Any]] | None = None,
    message: str = "",
    fields: Sequence[str] | None = None,
) -> int:
    """One audit row per object of a bulk change, written with bulk_create. Returns the count."""
    ctx = context.current()
    who = _user_fields(user)
    rows = [
        AuditEntry(
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:300],
            before=(before or {}).get(obj.pk),
            after=snapshot(obj, fields),
            message=message,
            address=ctx.address,
            channel=ctx.channel,
            request_id=ctx.request_id,
            **who,
        )
        for obj in objects
    ]
    AuditEntry.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
