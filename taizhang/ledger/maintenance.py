"""Keeping the database where production needs it for the figures function: fresh planner statistics (ANALYZE)
and, on PostgreSQL, a vacuumed visibility map so the covering index `ledger_fig_cover` is read by index-only scans.
Run by `taizhang setup`; autovacuum keeps it so afterwards (settings in docs/scale.md)."""

from __future__ import annotations

from django.db import connection

from taizhang.ledger.models import Record, RecordFigure


def refresh_statistics() -> None:
    """ANALYZE (both databases) and VACUUM (PostgreSQL, outside any transaction) of the ledger's figure tables."""
    tables = [RecordFigure._meta.db_table, Record._meta.db_table]
    # VACUUM cannot run inside a transaction: ANALYZE alone then
    vacuum = False if connection.in_atomic_block else connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in tables:
                cursor.execute(f"{'VACUUM (ANALYZE)' if vacuum else 'ANALYZE'} {connection.ops.quote_name(table)}")
        else:
            cursor.execute("ANALYZE")
