"""Capability checks behind an interface, so that ``core`` depends on no app.

The org app owns the unit tree and the roles; at start-up (``OrgConfig.ready``) it registers its scoping functions
here with :func:`register_backend`. Core code (restricted querysets, the menu, the API permission class, the
``cap_required`` view decorator) calls the functions of this module, never ``taizhang.org`` directly. A test checks
that no module of ``taizhang/core`` imports an app (``core/tests/test_core_imports.py``).

Capabilities are strings (``org.roles.Cap`` is a ``StrEnum``): ``view``, ``edit_records``, ``review_records``,
``manage_work``, ``manage_org``, ``manage_security``, ``view_audit``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render

from taizhang.core.errors import NotPermitted

VIEW = "view"
MANAGE_ORG = "manage_org"
MANAGE_SECURITY = "manage_security"
VIEW_AUDIT = "view_audit"


@dataclass(frozen=True)
class ScopingBackend:
    """What the org app provides: capability anywhere, unit ids where a capability is held, and per unit."""

    has_cap: Callable[[Any, str], bool]
    unit_ids_for: Callable[[Any, str], Collection[int]]
    can_in_unit: Callable[[Any, str, Any], bool]


_backend: ScopingBackend | None = None


def register_backend(backend: ScopingBackend) -> None:
    global _backend
    _backend = backend


def _get() -> ScopingBackend:
    if _backend is None:
        raise RuntimeError("没有注册权限范围（org 应用未加载）")
    return _backend


def has_cap(user: Any, cap: str) -> bool:
    """Does the user hold the capability in at least one unit?"""
    return _get().has_cap(user, str(cap))


def unit_ids_for(user: Any, cap: str) -> Collection[int]:
    """Ids of the units where the user holds the capability (a role extends to the unit's subtree)."""
    return _get().unit_ids_for(user, str(cap))


def can_in_unit(user: Any, cap: str, unit: Any) -> bool:
    """Does the user hold the capability over this unit (the object's unit)?"""
    return unit is not None and _get().can_in_unit(user, str(cap), unit)


def forbidden(request: HttpRequest, message: str = "") -> HttpResponseBase:
    return render(request, "org/forbidden.html", {"message": message or "您没有执行此操作的权限。"}, status=403)


V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def cap_required(cap: str) -> Callable[[V], V]:
    """Login required; the capability must be held somewhere (else 403); NotPermitted from actions → 403.
    Views of scoped objects then check the object's unit (``get_scoped`` or ``can_in_unit``)."""

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_cap(request.user, cap):
                return forbidden(request)
            try:
                return view(request, *args, **kwargs)
            except NotPermitted as exc:
                return forbidden(request, exc.message)

        return cast(V, wrapper)

    return decorator


def session_policy() -> Any:
    """The session policy module (``idle_minutes()``, ``must_change_password(user)``, ``requires_totp(user)``),
    named by the setting TAIZHANG_SESSION_POLICY (the accounts app's ``policy``): core's session middleware
    applies it without importing the accounts app."""
    from importlib import import_module

    from django.conf import settings

    return import_module(settings.TAIZHANG_SESSION_POLICY)


def mfa_session_key() -> str:
    """The session flag set once this session passed the second factor (setting TAIZHANG_MFA_SESSION_FLAG)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    return str(import_string(settings.TAIZHANG_MFA_SESSION_FLAG))
