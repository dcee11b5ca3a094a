"""RestrictedQuerySet: every scoped model's default manager, so a user only ever sees rows they may see."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.http import Http404

from taizhang.core.errors import NotPermitted

M = TypeVar("M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet[M], Generic[M]):
    """Models set `scope_field` (the lookup path to their org.Unit, e.g. "unit" or "record__unit")."""

    def visible_to(self, user: Any, cap: str = "view") -> RestrictedQuerySet[M]:
        """The one permission model: the rows `user` may see (or act on with `cap`)."""
        return self.restrict(user, cap)

    def restrict(self, user: Any, cap: str = "view") -> RestrictedQuerySet[M]:
        from taizhang.core.permissions import unit_ids_for

        field: str = getattr(self.model, "scope_field", "unit")
        ids = unit_ids_for(user, cap)
        if not ids:
            return self.none()
        return self.filter(**{f"{field}__in": ids})


def get_scoped(queryset: RestrictedQuerySet[M], user: Any, cap: str = "view", **lookup: Any) -> M:
    """NetBox semantics: outside the user's view → 404; visible but without `cap` → 403."""
    visible = queryset.restrict(user, "view")
    try:
        obj = visible.get(**lookup)
    except ObjectDoesNotExist as exc:
        raise Http404("未找到该对象，或您无权查看。") from exc
    except (ValueError, TypeError, OverflowError, ValidationError) as exc:  # "abc" or a 30-digit id in the URL
        raise Http404("未找到该对象，或您无权查看。") from exc
    if cap != "view" and not queryset.restrict(user, cap).filter(pk=obj.pk).exists():
        raise NotPermitted("您没有执行此操作的权限。")
    return obj


MAX_ID = 2**63 - 1  # the largest primary key any supported database stores (BIGINT)


def parse_id(raw: Any, *, name: str = "id") -> int:
    """A primary key from user input: ASCII digits, 1..2**63-1; else InvalidInput (400) in Chinese."""
    from taizhang.core.errors import InvalidInput

    text = str(raw).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19 or not 0 < int(text) <= MAX_ID:
        raise InvalidInput(f"{name} 应为正整数（不超过 {MAX_ID}）", {name: ["应为正整数"]})
    return int(text)


def parse_ids(raw: str, *, name: str = "ids", limit: int = 1000) -> list[int]:
    """Comma-separated primary keys (at most ``limit``), each checked like :func:`parse_id`."""
    from taizhang.core.errors import InvalidInput

    parts = [p for p in str(raw).split(",") if p.strip()]
    if len(parts) > limit:
        raise InvalidInput(f"{name} 最多 {limit} 个", {name: [f"最多 {limit} 个"]})
    try:
        return [parse_id(p, name=name) for p in parts]
    except InvalidInput:
        raise InvalidInput(f"{name} 应为逗号分隔的正整数", {name: ["应为逗号分隔的正整数"]}) from None
