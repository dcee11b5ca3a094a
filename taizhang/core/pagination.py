"""Pages of long lists whose exact length would cost a scan of millions of rows.

Django's `Paginator` counts every matching row (`SELECT COUNT(*)`) to number the pages. On the ledger at 10 million
records a district viewer's record list spent 0.75 s on that count, and 5.5 s when filtered by line of work (a join
over every record), for a page of 20 rows read in under 0.1 s. `CappedPaginator` counts at most `cap` rows
(`SELECT COUNT(*) FROM (… LIMIT cap + 1)`): pages beyond the cap are not numbered, and the list says "超过 N 条"
instead of an exact total; the filters narrow it. Lists below the cap get the exact count, as before.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000
"""Rows counted at most; 500 pages of 20."""


def capped_count(object_list: Any, cap: int) -> tuple[int, bool]:
    """(rows counted, up to `cap`; whether more match). A query counts at most `cap` + 1 rows; a list exactly."""
    if isinstance(object_list, QuerySet):
        n = object_list.order_by()[: cap + 1].count()
        return min(n, cap), n > cap
    n = len(object_list)
    return min(n, cap), n > cap


class CappedPaginator(Paginator):
    """A `Paginator` whose count stops at `cap` rows (`capped` tells whether there are more)."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        """(rows counted, up to the cap; whether more match). A list is counted exactly."""
        if isinstance(self.object_list, QuerySet):
            return capped_count(self.object_list, self.cap)
        return len(self.object_list), False

    @cached_property
    def count(self) -> int:
        return self._counted[0]

    @property
    def capped(self) -> bool:
        """More rows than `cap` match: only the first `cap` are paged."""
        return self._counted[1]

    @property
    def count_label(self) -> str:
        """"共 N 条", or "超过 N 条" when the count stopped at the cap."""
        return f"超过 {self.cap:,} 条" if self.capped else f"共 {self.count} 条"
