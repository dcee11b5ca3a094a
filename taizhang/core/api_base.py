"""Shared pieces of every app's API: capability permissions and scoped viewsets."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.request import Request

from taizhang.org.scoping import has_cap


class HasCap(permissions.BasePermission):
    """Views declare `read_cap` and `write_cap`; a user without the capability anywhere gets 403."""

    message = "您没有执行此操作的权限。"

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        cap = getattr(view, "read_cap", "view") if request.method in permissions.SAFE_METHODS else getattr(
            view, "write_cap", "view"
        )
        return has_cap(request.user, cap)
