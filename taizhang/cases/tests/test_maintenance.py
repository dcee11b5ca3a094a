"""`taizhang setup` leaves the cases table analysed (and vacuumed on PostgreSQL) with the ledger's, so 办结率 by unit
is read from the covering index alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from taizhang.cases.models import Case
from taizhang.ledger import maintenance


def test_the_cases_table_is_a_registered_figure_table() -> None:
    assert Case._meta.db_table in maintenance.EXTRA_TABLES


@pytest.mark.django_db
def test_refresh_statistics_analyses_the_cases_table(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real = connection.cursor

    class Spy:
        def __init__(self) -> None:
            self.inner = real()

        def __enter__(self) -> Spy:
            self.inner.__enter__()
            return self

        def __exit__(self, *exc: Any) -> None:
            self.inner.__exit__(*exc)

        def execute(self, sql: str, *args: Any) -> None:
            seen.append(sql)
            self.inner.execute(sql, *args)

    monkeypatch.setattr(connection, "cursor", Spy)
    maintenance.refresh_statistics()
    if connection.vendor == "postgresql":
        assert any(Case._meta.db_table in sql for sql in seen)
    else:
        assert seen == ["ANALYZE"]  # SQLite analyses every table at once
