"""Shared pieces of every app's API: capability permissions and scoped viewsets."""

from __future__ import annotations

from typing import Any

from rest_framework import permissions
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from taizhang.core.errors import InvalidInput
from taizhang.core.pagination import COUNT_CAP, capped_count
from taizhang.core.permissions import has_cap
from taizhang.core.querysets import MAX_ID


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


# --- bad input: bounded JSON, bounded pages -------------------------------------------------------------------------
MAX_JSON_DEPTH = 32
MAX_PAGE_SIZE = 500
MAX_OFFSET = 10_000_000


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when ``value`` nests lists/objects deeper than ``limit`` (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


NOT_AN_OBJECT_MESSAGE = '请求体应为 JSON 对象，例如 {"reason": "…"}'


class SafeJSONParser(JSONParser):
    """DRF's JSON parser with a nesting limit: a body nested thousands of levels deep is a 400 in Chinese, never a
    RecursionError (500), and no valid request of this API nests deeper than a few levels.

    The body must be a JSON object: every endpoint reads named fields (``request.data.get(…)``, serializers), and
    ``null``, ``[]``, ``"s"`` or ``123`` crashed them (AttributeError, TypeError). No endpoint takes a top-level
    array; one that ever does should say so on the view rather than lose this check for every other."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）。") from None
        except ParseError:
            raise ParseError("请求体不是有效的 JSON。") from None
        if json_depth_exceeds(data):
            raise ParseError(f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）。")
        if not isinstance(data, dict):
            raise ParseError(NOT_AN_OBJECT_MESSAGE)
        return data


def int_field(data: Any, name: str, *, required: bool = True, label: str = "") -> int | None:
    """A positive integer id from a request body field (a JSON number or a string of digits, as a form sends it),
    for an ORM lookup: a list, an object, ``true``, ``1.5``, ``"abc"`` or a number beyond 64 bits is an
    InvalidInput (400) naming the field, never a TypeError or an OverflowError in the query. Missing (absent,
    ``null`` or ``""``) is None, or an InvalidInput when ``required``. ``label`` says in Chinese what the id is."""
    raw = data.get(name) if hasattr(data, "get") else None
    what = f"（{label}）" if label else ""
    if raw is None or raw == "":
        if required:
            raise InvalidInput(f"请填写 {name}{what}", {name: ["必填，应为正整数"]})
        return None
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit() and len(raw.strip()) <= 19:
        value = int(raw.strip())
    if value is None or not 0 < value <= MAX_ID:
        raise InvalidInput(f"{name} 应为正整数{what}", {name: ["应为正整数"]})
    return value


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """limit/offset paging with a maximum page size; a limit or offset that is not a number in range is a 400
    (a number beyond 64 bits would otherwise overflow the database driver).

    The count stops at `COUNT_CAP` rows, or at the end of the page asked for when that is further (as the list
    pages do, core/pagination.py): on the ledger at 10 million records the exact `COUNT(*)` of every page cost
    about half a second. `count_capped` is true when more rows match than `count`; `next` is then still given, so
    a client that follows `next` reads every row."""

    default_limit = 50
    max_limit = MAX_PAGE_SIZE
    count_capped = False
    page_end = 0

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list[Any] | None:
        self.request = request
        limit = self.get_limit(request)
        if limit is None:
            return None
        self.limit = limit
        self.offset = self.get_offset(request)
        self.page_end = self.offset + limit
        self.count, self.count_capped = capped_count(queryset, max(COUNT_CAP, self.page_end))
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        if self.count == 0 or self.offset > self.count:
            return []
        return list(queryset[self.offset : self.offset + self.limit])

    def get_next_link(self) -> str | None:
        if self.count_capped:
            count, self.count = self.count, self.page_end + 1  # more rows exist past this page
            try:
                return super().get_next_link()
            finally:
                self.count = count
        return super().get_next_link()

    def get_paginated_response(self, data: Any) -> Response:
        return Response({
            "count": self.count,
            "count_capped": self.count_capped,
            "next": self.get_next_link(),
            "previous": self.get_previous_link(),
            "results": data,
        })

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        out = super().get_paginated_response_schema(schema)
        out["properties"]["count"]["description"] = f"匹配的条数，最多数到 {COUNT_CAP:,} 条（或本页末尾）"
        out["properties"]["count_capped"] = {"type": "boolean", "description": "匹配的条数超过 count"}
        out["required"] = ["count", "count_capped", "results"]
        return out

    def _bounded(self, request: Request, name: str, default: int | None, maximum: int) -> int | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        if not raw.isascii() or not raw.isdigit() or len(raw) > 12:
            raise ValidationError({name: [f"{name} 应为 0–{maximum} 之间的整数"]})
        value = int(raw)
        if value > maximum:
            raise ValidationError({name: [f"{name} 应为 0–{maximum} 之间的整数"]})
        return value

    def get_limit(self, request: Request) -> int | None:
        limit = self._bounded(request, self.limit_query_param, self.default_limit, MAX_PAGE_SIZE)
        return self.default_limit if limit == 0 else limit

    def get_offset(self, request: Request) -> int:
        return self._bounded(request, self.offset_query_param, 0, MAX_OFFSET) or 0
