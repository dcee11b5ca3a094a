"""Readable names for what the audit log stores as codes: roles ("staff" → 工作人员), channels, object types
("accounts.user" → 用户) and field names (→ the model field's verbose name). core imports no app: role labels
are registered by `org` at start-up (`ROLE_LABELS.update(...)`), models are looked up in Django's registry."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

ROLE_LABELS: dict[str, str] = {}
CHANNEL_LABELS = {"web": "网页", "api": "接口", "cli": "命令行", "job": "后台任务", "system": "系统"}
EXTRA_FIELD_LABELS = {"figures": "数据", "status": "状态", "filters": "筛选条件", "format": "格式", "rows": "行数"}


def roles_label(roles: str) -> str:
    names = [r.strip() for r in (roles or "").split(",") if r.strip()]
    return "、".join(ROLE_LABELS.get(r, r) for r in names)


def channel_label(channel: str) -> str:
    return CHANNEL_LABELS.get(channel or "", channel or "")


def _model(object_type: str) -> type | None:
    if not object_type or "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = _model(object_type)
    return str(model._meta.verbose_name) if model is not None else (object_type or "")  # type: ignore[attr-defined]


def field_label(object_type: str, field: str) -> str:
    model = _model(object_type)
    if model is not None:
        try:
            return str(model._meta.get_field(field).verbose_name)  # type: ignore[attr-defined]
        except FieldDoesNotExist:
            if field.endswith("_id"):
                try:
                    return str(model._meta.get_field(field[:-3]).verbose_name)  # type: ignore[attr-defined]
                except FieldDoesNotExist:
                    pass
    return EXTRA_FIELD_LABELS.get(field, field)
