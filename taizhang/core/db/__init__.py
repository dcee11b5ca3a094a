"""The audit log's append-only guard in the database, and the two database backends that keep it.

The triggers refuse every UPDATE and DELETE of `core_auditentry` (and, on PostgreSQL, TRUNCATE) whoever issues
them: the application, a shell or a stray script. They are installed by migration core.0002. The only paths that
remove audit rows are whole-database maintenance, each of which says so in docs/security.md:

* `flush` (the test runner between transactional tests, `taizhang demo` on PostgreSQL): our backends' `sql_flush`
  lifts the guard for that one transaction and puts it back in the same transaction;
* `taizhang audit_prune`: archives rows older than the retention into a checksummed file, then deletes exactly
  those rows inside one transaction that lifts and restores the guard (`maintenance_window`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

TABLE = "core_auditentry"
MESSAGE = "审计日志只能追加，不能修改或删除"

SQLITE_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER IF NOT EXISTS core_auditentry_no_delete BEFORE DELETE ON {TABLE} "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete",
]

PG_CREATE = [
    f"""CREATE OR REPLACE FUNCTION core_auditentry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END;
$$""",
    f"DROP TRIGGER IF EXISTS core_auditentry_no_change ON {TABLE}",
    f"CREATE TRIGGER core_auditentry_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION core_auditentry_append_only()",
    f"DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON {TABLE}",
    f"CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_append_only()",
]
PG_DROP = [
    f"DROP TRIGGER IF EXISTS core_auditentry_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON {TABLE}",
    "DROP FUNCTION IF EXISTS core_auditentry_append_only()",
]
# Inside one transaction (ALTER TABLE holds an exclusive lock on the table until it ends).
PG_LIFT = [f"ALTER TABLE {TABLE} DISABLE TRIGGER core_auditentry_no_change",
           f"ALTER TABLE {TABLE} DISABLE TRIGGER core_auditentry_no_truncate"]
PG_RESTORE = [f"ALTER TABLE {TABLE} ENABLE TRIGGER core_auditentry_no_change",
              f"ALTER TABLE {TABLE} ENABLE TRIGGER core_auditentry_no_truncate"]


def create_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_CREATE, "postgresql": PG_CREATE}.get(vendor, [])


def drop_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_DROP, "postgresql": PG_DROP}.get(vendor, [])


def lift_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_DROP, "postgresql": PG_LIFT}.get(vendor, [])


def restore_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_CREATE, "postgresql": PG_RESTORE}.get(vendor, [])


def guard_installed(connection: Any) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type='trigger' AND tbl_name=%s", [TABLE])
            return bool(cursor.fetchone()[0] == 2)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
                "AND tgenabled <> 'D'", [TABLE]
            )
            return bool(cursor.fetchone()[0] == 2)
    return False


@contextlib.contextmanager
def maintenance_window(connection: Any) -> Iterator[None]:
    """Lift the guard for the current transaction only (callers hold `transaction.atomic`)."""
    if not connection.in_atomic_block:
        raise RuntimeError("maintenance_window 必须在事务中使用")
    with connection.cursor() as cursor:
        for sql in lift_statements(connection.vendor):
            cursor.execute(sql)
    try:
        yield
    finally:
        # On an exception the whole transaction rolls back, the guard included; on success it is put back.
        if not connection.needs_rollback:
            with connection.cursor() as cursor:
                for sql in restore_statements(connection.vendor):
                    cursor.execute(sql)


def wrap_flush(vendor: str, tables: Any, statements: list[str]) -> list[str]:
    if TABLE not in tables or not statements:
        return statements
    return [*lift_statements(vendor), *statements, *restore_statements(vendor)]
