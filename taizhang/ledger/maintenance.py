"""Keeping the database where production needs it for the figures function: fresh planner statistics (ANALYZE)
and, on PostgreSQL, a vacuumed visibility map so the covering index `ledger_fig_cover` is read by index-only scans.
Run by `taizhang setup`; autovacuum keeps it so afterwards (settings in docs/scale.md). Apps whose figure providers
read their own tables through covering indexes (cases) add those tables with `register_figure_table`."""

from __future__ import annotations

from django.db import connection

from taizhang.ledger.models import FigureMonth, FigureMonthTotal, Record, RecordFigure

EXTRA_TABLES: list[str] = []


def register_figure_table(table: str) -> None:
    """Vacuum and analyse `table` with the ledger's (call it in your AppConfig.ready())."""
    if table not in EXTRA_TABLES:
        EXTRA_TABLES.append(table)


def refresh_statistics() -> None:
    """ANALYZE (both databases) and VACUUM (PostgreSQL, outside any transaction) of the figure tables: the ledger's
    and those apps registered."""
    tables = [
        RecordFigure._meta.db_table,
        Record._meta.db_table,
        FigureMonth._meta.db_table,
        FigureMonthTotal._meta.db_table,
        *EXTRA_TABLES,
    ]
    # VACUUM cannot run inside a transaction: ANALYZE alone then
    vacuum = False if connection.in_atomic_block else connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"{'VACUUM (ANALYZE)' if vacuum else 'ANALYZE'} {connection.ops.quote_name(table)}")
        else:
            cursor.execute("ANALYZE")
