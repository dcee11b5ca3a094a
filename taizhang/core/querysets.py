"""RestrictedQuerySet: every scoped model's default manager, so a user only ever sees rows they may see."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.core.exceptions import ObjectDoesNotExist
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
        from taizhang.org.scoping import unit_ids_for

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
    if cap != "view" and not queryset.restrict(user, cap).filter(pk=obj.pk).exists():
        raise NotPermitted("您没有执行此操作的权限。")
    return obj
