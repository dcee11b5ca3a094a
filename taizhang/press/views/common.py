"""Helpers shared by the press pages."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from taizhang.core.errors import InvalidInput
from taizhang.ledger.forms import parse_ids
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, has_cap

PAGE_SIZE = 50
MAX_ID = 2**63


Q = TypeVar("Q", bound=QuerySet[Any])


def ids_filter(request: HttpRequest, qs: Q) -> tuple[Q, bool]:
    """`?ids=1,2,3` (a figure's rows): only those, still within what the user may see."""
    raw = request.GET.get("ids", "")
    if not raw:
        return qs, False
    # ids past 64 bits cannot exist (and the database driver refuses them): they match nothing
    return qs.filter(pk__in=[i for i in parse_ids(raw) if 0 < i < MAX_ID]), True


def paginate(request: HttpRequest, qs: QuerySet[Any]) -> Page:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def is_staff(user: Any, unit: Any = None) -> bool:
    return can_in_unit(user, Cap.MANAGE_WORK, unit) if unit is not None else has_cap(user, Cap.MANAGE_WORK)


def can_act(user: Any, unit: Any) -> bool:
    return can_in_unit(user, Cap.EDIT_RECORDS, unit) or can_in_unit(user, Cap.MANAGE_WORK, unit)


def error(request: HttpRequest, exc: InvalidInput | Any) -> None:
    messages.error(request, getattr(exc, "message", str(exc)))


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
