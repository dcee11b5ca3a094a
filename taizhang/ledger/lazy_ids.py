"""Record ids behind a value, fetched on first use (the figures function's provenance)."""

from __future__ import annotations

from collections.abc import Callable


class LazyIds:
    """`records` (the ids behind a value) fetched on first use: the value and `count` come from an aggregate
    query, so a figure costs the same whatever the number of records behind it. The query that produces the ids
    is the provenance; reading `records` (a drill-down, a document being written) runs it once."""

    _records: list[int] | None
    _loader: Callable[[], list[int]] | None
    _count: int | None

    def _init_ids(self, records: list[int] | None, count: int | None, loader: Callable[[], list[int]] | None) -> None:
        self._records = list(records) if records is not None else None
        self._loader = loader
        self._count = count if records is None else len(self._records or [])
        if self._records is None and loader is None:
            self._records = []
            self._count = 0

    @property
    def records(self) -> list[int]:
        if self._records is None:
            assert self._loader is not None
            self._records = self._loader()
            self._count = len(self._records)
        return self._records

    @records.setter
    def records(self, value: list[int]) -> None:
        self._records = list(value)
        self._count = len(self._records)

    @property
    def count(self) -> int:
        """How many records (or provider rows) are behind the value, without fetching their ids."""
        if self._count is None:
            return len(self.records)
        return self._count

    @property
    def loaded(self) -> bool:
        return self._records is not None
