"""Optimistic locking and idempotency keys."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import F

from taizhang.core.errors import StaleObjectError

M = TypeVar("M", bound=models.Model)

STALE_MESSAGE = "保存失败：该内容已被他人修改（您看到的是旧版本）。您的输入没有丢失，请核对最新内容后重新提交。"


def save_versioned(obj: M, expected_version: int, fields: list[str]) -> M:
    """Write `fields` of obj only if its stored version is still `expected_version`; bump the version.

    Raises StaleObjectError when someone else saved in between: nothing is overwritten.
    """
    values: dict[str, Any] = {f: getattr(obj, f) for f in fields}
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        from django.utils import timezone

        values["updated_at"] = timezone.now()
        obj.updated_at = values["updated_at"]  # type: ignore[attr-defined]
    changed = (
        type(obj)
        ._default_manager.filter(pk=obj.pk, version=expected_version)
        .update(version=F("version") + 1, **values)
    )
    if changed != 1:
        raise StaleObjectError(STALE_MESSAGE)
    obj.version = expected_version + 1  # type: ignore[attr-defined]
    return obj
