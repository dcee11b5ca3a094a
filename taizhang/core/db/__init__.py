# ruff: noqa: S608 - the statements name one constant table; nothing comes from input
"""The audit log's append-only guard in the database, and the two database backends that keep it.

The triggers refuse every UPDATE and DELETE of `core_auditentry` (and, on PostgreSQL, TRUNCATE) whoever issues
them: the application, a shell or a stray script. They are installed by migration core.0002. A third trigger
(migration core.0003) refuses an INSERT that is not the next link of the hash chain (core.audit): its id must be
above every existing id, its time not before the last row's, and its `prev_hash` the last row's `row_hash`. That
closes SQLite's `INSERT OR REPLACE` and UPSERT (which would otherwise delete and rewrite a row without firing the
delete trigger) and forged back-dated rows; what a trigger cannot check (the hash itself) `taizhang audit_verify`
does. The only paths that
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
CHAIN_MESSAGE = "审计日志只能按顺序追加：编号、时间或前一条的校验值不符，已拒绝"
_LAST = f"(SELECT {{col}} FROM {TABLE} ORDER BY id DESC LIMIT 1)"
SQLITE_CHAIN_CREATE = [
    f"CREATE TRIGGER IF NOT EXISTS core_auditentry_chain BEFORE INSERT ON {TABLE} "
    f"WHEN NEW.row_hash IS NULL OR NEW.row_hash = '' OR (EXISTS (SELECT 1 FROM {TABLE}) AND ("
    f"NEW.id IS NULL OR NEW.id <= (SELECT max(id) FROM {TABLE}) "
    f"OR NEW.timestamp < {_LAST.format(col='timestamp')} "
    f"OR NEW.prev_hash IS NOT {_LAST.format(col='row_hash')})) "
    f"BEGIN SELECT RAISE(ABORT, '{CHAIN_MESSAGE}'); END",
]
SQLITE_CHAIN_DROP = ["DROP TRIGGER IF EXISTS core_auditentry_chain"]

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
PG_CHAIN_CREATE = [
    f"""CREATE OR REPLACE FUNCTION core_auditentry_chain_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_id bigint;
  last_ts timestamptz;
  last_hash text;
BEGIN
  IF NEW.row_hash IS NULL OR NEW.row_hash = '' THEN
    RAISE EXCEPTION '{CHAIN_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
  END IF;
  SELECT id, "timestamp", row_hash INTO last_id, last_ts, last_hash FROM {TABLE}
    ORDER BY id DESC LIMIT 1;
  IF last_id IS NOT NULL AND (NEW.id <= last_id OR NEW."timestamp" < last_ts
                              OR NEW.prev_hash IS DISTINCT FROM last_hash) THEN
    RAISE EXCEPTION '{CHAIN_MESSAGE}' USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$""",
    f"DROP TRIGGER IF EXISTS core_auditentry_chain ON {TABLE}",
    f"CREATE TRIGGER core_auditentry_chain BEFORE INSERT ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION core_auditentry_chain_check()",
]
PG_CHAIN_DROP = [
    f"DROP TRIGGER IF EXISTS core_auditentry_chain ON {TABLE}",
    "DROP FUNCTION IF EXISTS core_auditentry_chain_check()",
]
PG_DROP = [
    f"DROP TRIGGER IF EXISTS core_auditentry_no_change ON {TABLE}",
    f"DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON {TABLE}",
    "DROP FUNCTION IF EXISTS core_auditentry_append_only()",
]
# Inside one transaction (ALTER TABLE holds an exclusive lock on the table until it ends).
PG_TRIGGERS = ("core_auditentry_no_change", "core_auditentry_no_truncate", "core_auditentry_chain")
PG_LIFT = [f"ALTER TABLE {TABLE} DISABLE TRIGGER {name}" for name in PG_TRIGGERS]
PG_RESTORE = [f"ALTER TABLE {TABLE} ENABLE TRIGGER {name}" for name in PG_TRIGGERS]
TRIGGER_COUNT = 3


def base_create_statements(vendor: str) -> list[str]:
    """The UPDATE/DELETE/TRUNCATE guard alone (migration core.0002, before the chain columns exist)."""
    return {"sqlite": SQLITE_CREATE, "postgresql": PG_CREATE}.get(vendor, [])


def base_drop_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_DROP, "postgresql": PG_DROP}.get(vendor, [])


def chain_create_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_CHAIN_CREATE, "postgresql": PG_CHAIN_CREATE}.get(vendor, [])


def chain_drop_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_CHAIN_DROP, "postgresql": PG_CHAIN_DROP}.get(vendor, [])


def create_statements(vendor: str) -> list[str]:
    return base_create_statements(vendor) + chain_create_statements(vendor)


def drop_statements(vendor: str) -> list[str]:
    return chain_drop_statements(vendor) + base_drop_statements(vendor)


def lift_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_DROP + SQLITE_CHAIN_DROP, "postgresql": PG_LIFT}.get(vendor, [])


def restore_statements(vendor: str) -> list[str]:
    return {"sqlite": SQLITE_CREATE + SQLITE_CHAIN_CREATE, "postgresql": PG_RESTORE}.get(vendor, [])


def installed_triggers(connection: Any) -> set[str]:
    """Names of the audit table's enabled triggers."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name=%s", [TABLE])
            return {row[0] for row in cursor.fetchall()}
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
                "AND tgenabled <> 'D'", [TABLE]
            )
            return {row[0] for row in cursor.fetchall()}
    return set()


EXPECTED_TRIGGERS = {
    "sqlite": {"core_auditentry_no_update", "core_auditentry_no_delete", "core_auditentry_chain"},
    "postgresql": set(PG_TRIGGERS),
}


def missing_triggers(connection: Any) -> set[str]:
    return EXPECTED_TRIGGERS.get(connection.vendor, set()) - installed_triggers(connection)


def guard_installed(connection: Any) -> bool:
    return connection.vendor in EXPECTED_TRIGGERS and not missing_triggers(connection)


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
