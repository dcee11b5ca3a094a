# ruff: noqa: S608 - every statement is built from the constants below; nothing comes from input
"""The monthly summary of effective figures (`FigureMonth`), kept exact by database triggers.

Figures are written from several places (`ledger.actions` when a record is saved, approved or superseded, the bulk
import, cascades when a record is deleted, a restore), so the summary is kept by the database itself, in the
transaction that writes the figures: whatever writes `ledger_recordfigure`, the summary moves with it.

- SQLite: row triggers. An effective figure inserted adds its value × 10⁴ and 1 to its (metric, month, unit, level)
  row (an UPSERT); one deleted subtracts them (an UPDATE only, so deleting figures never makes summary rows: a test
  flush that empties the summary first leaves nothing behind); an update subtracts the old row and adds the new one.
- PostgreSQL: statement triggers with transition tables: one aggregate per statement (a bulk import of thousands of
  figures is one UPSERT of its few summary rows, in key order), and TRUNCATE empties the summary.

The same triggers keep `FigureMonthTotal`, the summary of the whole tree (metric, month, level: no unit), which a
viewer of the whole tree reads instead of units × months rows:
- SQLite (one writer at a time): one row per key; a figure inserted UPDATEs it (INSERTs it when the key has none),
  one deleted only UPDATEs, as above.
- PostgreSQL: each statement *appends* its grouped changes as new rows (no UPSERT): an UPSERT would lock the tree's
  row of a metric and month until the transaction commits, so two units saving at once would wait for each other and
  could deadlock. Readers add up a key's rows; `compact_totals` (the periodic job "ledger.compact_totals") folds
  them back into one row per key, in one statement that only takes the rows it deletes.

`install` (re)creates the triggers, `rebuild` recomputes the summaries from the figures in one query each (after a
bulk load without triggers), `verify` compares them with the figures. Migration 0007 installs the triggers and
builds the summary; a change to the SQL below needs a new migration that calls `install` again (0008: the maximum;
0009: the whole tree's summary).
"""

from __future__ import annotations

import calendar
import datetime
import itertools
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from django.db import connection as default_connection
from django.db import connections
from django.db.models import Max, Q, QuerySet, Sum

from taizhang.core.periods import Period

SUMMARY = "ledger_figuremonth"
TOTALS = "ledger_figuremonthtotal"
FIGURES = "ledger_recordfigure"
KEY = "metric_id, month, unit_id, outlet_level"
TOTAL_KEY = "metric_id, month, outlet_level"

_SQLITE_ADD = f"""
    INSERT INTO {SUMMARY} (metric_id, month, unit_id, outlet_level, total_e4, n, max_e4)
    VALUES (NEW.metric_id, date(NEW.date, 'start of month'), NEW.unit_id, NEW.outlet_level,
            CAST(round(NEW.value * 10000) AS INTEGER), 1, CAST(round(NEW.value * 10000) AS INTEGER))
    ON CONFLICT ({KEY}) DO UPDATE SET total_e4 = total_e4 + excluded.total_e4, n = n + 1,
        max_e4 = CASE WHEN max_e4 IS NULL OR excluded.max_e4 > max_e4 THEN excluded.max_e4 ELSE max_e4 END;"""
# The key's highest remaining value, when the figure removed held it (the covering index in unit order serves it).
_SQLITE_REMAX = f"""(SELECT CAST(round(MAX(f.value) * 10000) AS INTEGER) FROM {FIGURES} AS f
        WHERE f.metric_id = OLD.metric_id AND f.effective IN (1) AND f.unit_id = OLD.unit_id
          AND f.date >= date(OLD.date, 'start of month') AND f.date < date(OLD.date, 'start of month', '+1 month')
          AND f.outlet_level = OLD.outlet_level)"""
_SQLITE_SUBTRACT = f"""
    UPDATE {SUMMARY} SET total_e4 = total_e4 - CAST(round(OLD.value * 10000) AS INTEGER), n = n - 1,
        max_e4 = CASE WHEN n <= 1 THEN NULL
                      WHEN CAST(round(OLD.value * 10000) AS INTEGER) >= max_e4 THEN {_SQLITE_REMAX}
                      ELSE max_e4 END
    WHERE metric_id = OLD.metric_id AND month = date(OLD.date, 'start of month') AND unit_id = OLD.unit_id
      AND outlet_level = OLD.outlet_level;"""
# (an UPDATE, then an INSERT when the key has no row: the table has no unique key for ON CONFLICT, as PostgreSQL
# appends rows to it, see above; SQLite has one writer at a time)
_SQLITE_TOTAL_WHERE = (
    "metric_id = {r}.metric_id AND month = date({r}.date, 'start of month') AND outlet_level = {r}.outlet_level"
)
_SQLITE_ADD_TOTAL = f"""
    UPDATE {TOTALS} SET total_e4 = total_e4 + CAST(round(NEW.value * 10000) AS INTEGER), n = n + 1
    WHERE {_SQLITE_TOTAL_WHERE.format(r="NEW")};
    INSERT INTO {TOTALS} (metric_id, month, outlet_level, total_e4, n)
    SELECT NEW.metric_id, date(NEW.date, 'start of month'), NEW.outlet_level,
           CAST(round(NEW.value * 10000) AS INTEGER), 1
    WHERE NOT EXISTS (SELECT 1 FROM {TOTALS} WHERE {_SQLITE_TOTAL_WHERE.format(r="NEW")});"""
_SQLITE_SUBTRACT_TOTAL = f"""
    UPDATE {TOTALS} SET total_e4 = total_e4 - CAST(round(OLD.value * 10000) AS INTEGER), n = n - 1
    WHERE {_SQLITE_TOTAL_WHERE.format(r="OLD")};"""
_COLUMNS = "metric_id, value, unit_id, date, effective, outlet_level"
_ADD, _SUBTRACT = _SQLITE_ADD + _SQLITE_ADD_TOTAL, _SQLITE_SUBTRACT + _SQLITE_SUBTRACT_TOTAL
SQLITE_TRIGGERS = {
    "ledger_figmonth_ins": f"AFTER INSERT ON {FIGURES} WHEN NEW.effective BEGIN {_ADD} END",
    "ledger_figmonth_del": f"AFTER DELETE ON {FIGURES} WHEN OLD.effective BEGIN {_SUBTRACT} END",
    "ledger_figmonth_upd_old": f"AFTER UPDATE OF {_COLUMNS} ON {FIGURES} WHEN OLD.effective BEGIN {_SUBTRACT} END",
    "ledger_figmonth_upd_new": f"AFTER UPDATE OF {_COLUMNS} ON {FIGURES} WHEN NEW.effective BEGIN {_ADD} END",
}

_PG_GROUPED = """SELECT metric_id, date_trunc('month', date)::date AS month, unit_id, outlet_level,
                          sum(e4)::bigint AS t, sum(c)::integer AS c, max(mx)::bigint AS mx
                   FROM ({rows}) AS d GROUP BY 1, 2, 3, 4"""
_PG_NEW = (
    "SELECT metric_id, date, unit_id, outlet_level, round(value * 10000) AS e4, 1 AS c, round(value * 10000) AS mx "
    "FROM new_rows WHERE effective"
)
_PG_OLD = (
    "SELECT metric_id, date, unit_id, outlet_level, -round(value * 10000) AS e4, -1 AS c, NULL::numeric AS mx "
    "FROM old_rows WHERE effective"
)
# (a key's row is written when its sum or count moves or it gains figures: values swapped between figures of one
# key move neither, yet may raise its max)
_PG_UPSERT = f"""INSERT INTO {SUMMARY} AS s (metric_id, month, unit_id, outlet_level, total_e4, n, max_e4)
        SELECT * FROM ({{grouped}}) AS g WHERE g.t <> 0 OR g.c <> 0 OR g.mx IS NOT NULL ORDER BY 1, 2, 3, 4
        ON CONFLICT ({KEY}) DO UPDATE SET total_e4 = s.total_e4 + EXCLUDED.total_e4, n = s.n + EXCLUDED.n,
            max_e4 = GREATEST(s.max_e4, EXCLUDED.max_e4);"""
# After the sums: every key that lost a figure holding its max (old value × 10⁴ >= the max now stored) gets the
# highest value its remaining figures hold (NULL when none: n = 0), one statement for all of them.
_PG_REMAX = f"""UPDATE {SUMMARY} AS s SET max_e4 = (
            SELECT round(max(f.value) * 10000)::bigint FROM {FIGURES} AS f
            WHERE f.metric_id = s.metric_id AND f.effective AND f.unit_id = s.unit_id
              AND f.date >= s.month AND f.date < (s.month + interval '1 month')::date
              AND f.outlet_level = s.outlet_level)
        FROM (SELECT metric_id, date_trunc('month', date)::date AS month, unit_id, outlet_level,
                     max(round(value * 10000)) AS e4
              FROM old_rows WHERE effective GROUP BY 1, 2, 3, 4) AS o
        WHERE s.metric_id = o.metric_id AND s.month = o.month AND s.unit_id = o.unit_id
          AND s.outlet_level = o.outlet_level AND o.e4 >= s.max_e4;"""
# The whole tree's changes of a statement, appended as rows (one per key that moved)
# (figures deleted: only keys that have rows, as SQLite's UPDATE, so that figures deleted after the summaries were
# emptied bring nothing back)
_PG_TOTALS_APPEND = f"""INSERT INTO {TOTALS} (metric_id, month, outlet_level, total_e4, n)
        SELECT * FROM (SELECT metric_id, date_trunc('month', date)::date AS month, outlet_level, sum(e4)::bigint,
                              sum(c)::integer
                       FROM ({{rows}}) AS d GROUP BY 1, 2, 3 HAVING sum(e4) <> 0 OR sum(c) <> 0) AS g
        {{where}};"""
_PG_KEY_HAS_ROWS = f"""WHERE EXISTS (SELECT 1 FROM {TOTALS} AS t
        WHERE t.metric_id = g.metric_id AND t.month = g.month AND t.outlet_level = g.outlet_level)"""
PG_FUNCTIONS = {
    "ledger_figmonth_apply": f"""
CREATE OR REPLACE FUNCTION ledger_figmonth_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_PG_UPSERT.format(grouped=_PG_GROUPED.format(rows=_PG_NEW))}
        {_PG_TOTALS_APPEND.format(rows=_PG_NEW, where="")}
    ELSIF TG_OP = 'UPDATE' THEN
        {_PG_UPSERT.format(grouped=_PG_GROUPED.format(rows=_PG_NEW + " UNION ALL " + _PG_OLD))}
        {_PG_REMAX}
        {_PG_TOTALS_APPEND.format(rows=_PG_NEW + " UNION ALL " + _PG_OLD, where="")}
    ELSE
        UPDATE {SUMMARY} AS s SET total_e4 = s.total_e4 + g.t, n = s.n + g.c
        FROM ({_PG_GROUPED.format(rows=_PG_OLD)}) AS g
        WHERE s.metric_id = g.metric_id AND s.month = g.month AND s.unit_id = g.unit_id
          AND s.outlet_level = g.outlet_level;
        {_PG_REMAX}
        {_PG_TOTALS_APPEND.format(rows=_PG_OLD, where=_PG_KEY_HAS_ROWS)}
    END IF;
    RETURN NULL;
END $$""",
    "ledger_figmonth_truncate": f"""
CREATE OR REPLACE FUNCTION ledger_figmonth_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {SUMMARY};
    DELETE FROM {TOTALS};
    RETURN NULL;
END $$""",
}
PG_TRIGGERS = {
    "ledger_figmonth_ins": f"AFTER INSERT ON {FIGURES} REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION ledger_figmonth_apply()",
    "ledger_figmonth_upd": f"AFTER UPDATE ON {FIGURES} REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_figmonth_apply()",
    "ledger_figmonth_del": f"AFTER DELETE ON {FIGURES} REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION ledger_figmonth_apply()",
    "ledger_figmonth_trunc": f"AFTER TRUNCATE ON {FIGURES} FOR EACH STATEMENT "
    "EXECUTE FUNCTION ledger_figmonth_truncate()",
}


def _month_sql(vendor: str) -> str:
    return "date(date, 'start of month')" if vendor == "sqlite" else "date_trunc('month', date)::date"


def _e4_sql(vendor: str) -> str:
    return "CAST(round(value * 10000) AS INTEGER)" if vendor == "sqlite" else "round(value * 10000)::bigint"


def uninstall(connection: Any = None) -> None:
    """Drop the triggers (a bulk load runs without them, then calls `rebuild` and `install`)."""
    connection = connection or default_connection
    pg = connection.vendor == "postgresql"
    with connection.cursor() as cur:
        for name in PG_TRIGGERS if pg else SQLITE_TRIGGERS:
            cur.execute(f"DROP TRIGGER IF EXISTS {name} ON {FIGURES}" if pg else f"DROP TRIGGER IF EXISTS {name}")


def _ready(connection: Any) -> bool:
    """The summary table has its `max_e4` column and the whole tree's summary exists: migration 0007 (which calls
    `rebuild` and `install` with this code) runs before 0008 adds the column, and 0008 before 0009 adds the table;
    0009 installs and rebuilds then."""
    with connection.cursor() as cur:
        columns = connection.introspection.get_table_description(cur, SUMMARY)
        tables = connection.introspection.table_names(cur)
    return any(c.name == "max_e4" for c in columns) and TOTALS in tables


def install(connection: Any = None) -> None:
    """(Re)create the triggers that keep the summaries exact (nothing before migration 0009, see `_ready`)."""
    connection = connection or default_connection
    uninstall(connection)
    if not _ready(connection):
        return
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for sql in PG_FUNCTIONS.values():
                cur.execute(sql)
            for name, body in PG_TRIGGERS.items():
                cur.execute(f"CREATE TRIGGER {name} {body}")
        else:
            for name, body in SQLITE_TRIGGERS.items():
                cur.execute(f"CREATE TRIGGER {name} {body}")


def installed(connection: Any = None) -> list[str]:
    """The summary triggers present in the database."""
    connection = connection or default_connection
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY 1", [FIGURES]
            )
        else:
            cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s ORDER BY 1", [FIGURES])
        return [r[0] for r in cur.fetchall() if r[0].startswith("ledger_figmonth_")]


def _grouped_figures_sql(vendor: str) -> str:
    return (
        f"SELECT metric_id, {_month_sql(vendor)} AS month, unit_id, outlet_level, SUM({_e4_sql(vendor)}) AS t, "
        f"COUNT(*) AS c, MAX({_e4_sql(vendor)}) AS mx FROM {FIGURES} WHERE effective GROUP BY 1, 2, 3, 4"
    )


def _grouped_totals_sql(vendor: str) -> str:
    return (
        f"SELECT metric_id, {_month_sql(vendor)} AS month, outlet_level, SUM({_e4_sql(vendor)}) AS t, COUNT(*) AS c "
        f"FROM {FIGURES} WHERE effective GROUP BY 1, 2, 3"
    )


def rebuild(connection: Any = None) -> int:
    """Recompute both summaries from the effective figures (one grouped scan each); returns the summary's rows (0
    before migration 0009, see `_ready`)."""
    connection = connection or default_connection
    if not _ready(connection):
        return 0
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {SUMMARY}")
        cur.execute(
            f"INSERT INTO {SUMMARY} (metric_id, month, unit_id, outlet_level, total_e4, n, max_e4) "
            f"{_grouped_figures_sql(connection.vendor)} ORDER BY 1, 2, 3, 4"  # a metric's months side by side on disk
        )
        cur.execute(f"DELETE FROM {TOTALS}")
        cur.execute(
            f"INSERT INTO {TOTALS} (metric_id, month, outlet_level, total_e4, n) "
            f"{_grouped_totals_sql(connection.vendor)} ORDER BY 1, 2, 3"
        )
        cur.execute(f"SELECT COUNT(*) FROM {SUMMARY}")
        return int(cur.fetchone()[0])


# PostgreSQL: the keys with more than one row, replaced by one row of their sums (none when they add up to nothing).
# One statement: the DELETE takes only the rows it returns (a row appended meanwhile stays, and a second compaction
# at the same time skips the rows this one deleted), so nothing is counted twice or lost.
_PG_COMPACT = f"""WITH many AS (SELECT {TOTAL_KEY} FROM {TOTALS} GROUP BY 1, 2, 3 HAVING count(*) > 1),
    gone AS (DELETE FROM {TOTALS} AS t USING many AS m
             WHERE t.metric_id = m.metric_id AND t.month = m.month AND t.outlet_level = m.outlet_level
             RETURNING t.metric_id, t.month, t.outlet_level, t.total_e4, t.n)
    INSERT INTO {TOTALS} (metric_id, month, outlet_level, total_e4, n)
    SELECT metric_id, month, outlet_level, sum(total_e4), sum(n) FROM gone GROUP BY 1, 2, 3
    HAVING sum(total_e4) <> 0 OR sum(n) <> 0 ORDER BY 1, 2, 3"""


def compact_totals(connection: Any = None) -> int:
    """Fold the whole tree's summary back into one row per key (PostgreSQL appends a row per change); returns the
    rows removed. Nothing to do on SQLite, which keeps one row per key."""
    connection = connection or default_connection
    if connection.vendor != "postgresql" or not _ready(connection):
        return 0
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {TOTALS}")
        before = int(cur.fetchone()[0])
        cur.execute(_PG_COMPACT)
        cur.execute(f"SELECT COUNT(*) FROM {TOTALS}")
        return before - int(cur.fetchone()[0])


class Difference(tuple[Any, ...]):
    """A summary row that differs from the figures: (metric, month, unit, level, summary sum, summary n, figures'
    sum, figures' n), sums × 10⁴; `kept_max` and `real_max` are the summary's and the figures' maxima × 10⁴ (None
    without figures)."""

    kept_max: int | None
    real_max: int | None


WHOLE_TREE = "*"  # the unit of a `Difference` in the whole tree's summary


def verify(connection: Any = None) -> list[Difference]:
    """Summary rows that differ from the figures in sum, count or maximum (`Difference`; the whole tree's summary's
    rows with the unit `WHOLE_TREE` and no maximum). Empty when exact."""
    connection = connection or default_connection
    vendor = connection.vendor
    nothing: tuple[int, int, int | None] = (0, 0, None)

    def sums(row: Any) -> tuple[int, int, int | None]:
        return int(row[4]), int(row[5]), None if row[6] is None else int(row[6])

    with connection.cursor() as cur:
        cur.execute(
            f"SELECT metric_id, month, unit_id, outlet_level, total_e4, n, max_e4 FROM {SUMMARY} "
            "WHERE n <> 0 OR total_e4 <> 0 OR max_e4 IS NOT NULL"
        )
        kept = {tuple(str(x) for x in r[:4]): sums(r) for r in cur.fetchall()}
        cur.execute(_grouped_figures_sql(vendor))
        real = {tuple(str(x) for x in r[:4]): sums(r) for r in cur.fetchall()}
        # the whole tree's: a key's rows added up (PostgreSQL appends, see `compact_totals`)
        cur.execute(
            f"SELECT metric_id, month, outlet_level, SUM(total_e4), SUM(n) FROM {TOTALS} GROUP BY 1, 2, 3 "
            "HAVING SUM(n) <> 0 OR SUM(total_e4) <> 0"
        )
        kept.update({(str(r[0]), str(r[1]), WHOLE_TREE, str(r[2])): (int(r[3]), int(r[4]), None) for r in cur})
        cur.execute(_grouped_totals_sql(vendor))
        real.update({(str(r[0]), str(r[1]), WHOLE_TREE, str(r[2])): (int(r[3]), int(r[4]), None) for r in cur})
    out = []
    for key in sorted(kept.keys() | real.keys()):
        (t, n, mx), (rt, rn, rmx) = kept.get(key, nothing), real.get(key, nothing)
        if (t, n, mx) != (rt, rn, rmx):
            row = Difference((*key, t, n, rt, rn))
            row.kept_max, row.real_max = mx, rmx
            out.append(row)
    return out


# ---- reading: whole months from the summary, the edges of a period from the figures -------------------------------
def split_months(period: Period) -> tuple[tuple[datetime.date, datetime.date] | None, list[Period]]:
    """The whole months inside `period` (first days of the first and the last) and the partial months at its edges
    (periods read from the figures' covering index). A year is twelve whole months and no edge."""
    start, end = period.start, period.end
    first = start if start.day == 1 else _next_month(start)
    after = _next_month(end) if end.day == calendar.monthrange(end.year, end.month)[1] else end.replace(day=1)
    if first >= after:  # no whole month inside: all of it is an edge
        return None, [period]
    edges = []
    if start < first:
        edges.append(_range(start, first - datetime.timedelta(days=1)))
    if after <= end:
        edges.append(_range(after, end))
    last = (after - datetime.timedelta(days=1)).replace(day=1)
    return (first, last), edges


def _next_month(day: datetime.date) -> datetime.date:
    return datetime.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _range(start: datetime.date, end: datetime.date) -> Period:
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")


_DIMS = {"unit_id": "unit_id", "date": "month", "outlet_level": "outlet_level"}


def _mx(value: Any) -> Decimal | None:
    return None if value is None else Decimal(int(value)).scaleb(-4)


USE_WHOLE_TREE = True  # False: the units' rows for every reader (the previous path; bench_dashboard --per-unit-summary)


def _rows(whole_tree: bool) -> QuerySet[Any]:
    """The summary rows to read: the whole tree's when nothing is asked by unit for a viewer of the whole tree (a
    key may have several rows there: callers add them up and drop the sums of no figure), else the units' (those of
    no figure left out)."""
    from taizhang.ledger.models import FigureMonth, FigureMonthTotal

    return FigureMonthTotal.rows.all() if whole_tree and USE_WHOLE_TREE else FigureMonth.rows.filter(n__gt=0)


def month_rows(
    metric_id: int,
    months: tuple[datetime.date, datetime.date],
    unit_ids: list[int] | None,
    outlet_level: str | None,
    dims: tuple[str, ...],
    with_max: bool = False,
) -> list[dict[str, Any]]:
    """Summary rows of whole months as `LedgerQuery.grouped(*dims)` gives them ("date" is the month's first day):
    dicts of the dims with total (Decimal), n and mx (the highest value, Decimal; None unless `with_max`: maximum
    metrics, whose rows are then by unit too, as the index gives them)."""
    if with_max and "unit_id" not in dims:
        dims = (*dims, "unit_id")
    qs = _rows(unit_ids is None and "unit_id" not in dims).filter(
        metric_id=metric_id, month__gte=months[0], month__lte=months[1]
    )
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    if outlet_level is not None:
        qs = qs.filter(outlet_level=outlet_level)
    columns = [_DIMS[d] for d in dims]
    aggregates: dict[str, Any] = {"t": Sum("total_e4"), "c": Sum("n")}
    if with_max:
        aggregates["mx"] = Max("max_e4")
    got = qs.order_by().values(*columns).annotate(**aggregates) if columns else [qs.order_by().aggregate(**aggregates)]
    return [
        {
            **{d: row[_DIMS[d]] for d in dims},
            "total": Decimal(int(row["t"])).scaleb(-4),
            "n": int(row["c"]),
            "mx": _mx(row.get("mx")),
        }
        for row in got
        if row["c"]
    ]


def _fetch(qs: QuerySet[Any]) -> Iterator[dict[str, Any]]:
    """The rows of a `values(...).annotate(...)` query as dicts, run on a plain cursor: the ORM's per-row work
    (converters, the values iterable) was about 4 µs of a row's 6 µs, and a district's by-unit charts read thousands
    of rows per visit. Months come back as dates on both databases (SQLite gives the ISO text)."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cur:
        cur.execute(sql, params)
        names = [c[0] for c in cur.description]
        at = names.index("month") if "month" in names else None
        for values in cur.fetchall():
            got = dict(zip(names, values, strict=True))
            if at is not None and isinstance(values[at], str):
                got["month"] = datetime.date.fromisoformat(values[at])
            yield got


def month_groups(
    metric_ids: list[int],
    spans: list[tuple[datetime.date, datetime.date]],
    unit_ids: list[int] | None,
    dim: str | None,
    *,
    with_max: bool = False,
    owners: Mapping[int, int] | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Summary rows of many metrics over the whole months of several spans (first days of their first and last
    months; the spans do not overlap) from one query: (span index, row), a row as `LedgerQuery.grouped(dim)` gives
    it (`metric_id`, the dim, total (Decimal), n, mx), grouped by metric and `dim` (None: a total per metric;
    "unit_id", "date" (the month's first day) or "outlet_level"). A total or a month: grouped by metric and month,
    the month tells its span (a total adds its months up here: a FILTER per span cost PostgreSQL twice the scan);
    by unit or level: one filtered SUM per span. `with_max` (maximum metrics): rows also by unit (`unit_id`) with
    mx, the highest value (Decimal) of the unit's rows; a total is then the rows by unit.

    `owners` (by "unit_id", summed and averaged metrics only): unit id → the id of the unit its rows roll up to (a
    child of the scope, or the scope itself); the units' rows are added up per owner as integers before any row is
    made, and the rows come by owner (`unit_id` is the owner's id; units not in `owners` are left out). A district's
    by-unit chart needs its children's rows, not each of its 500 units' (about 4 µs of Python a row)."""
    if owners is not None and (dim != "unit_id" or with_max):
        raise ValueError("owners folds summed rows by unit only")
    if not metric_ids or not spans or (unit_ids is not None and not unit_ids):
        return
    qs, column = _groups_query(metric_ids, spans, unit_ids, dim, with_max)

    def row(r: dict[str, Any], key: Any, total: Any, n: Any, mx: Any = None) -> dict[str, Any]:
        out = {"metric_id": r["metric_id"], "total": Decimal(int(total)).scaleb(-4), "n": int(n), "mx": _mx(mx)}
        if dim:
            out[dim] = key
        if with_max:
            out["unit_id"] = r["unit_id"]
        return out

    if column == "month":
        totals: dict[tuple[int, int], list[int]] = {}
        for r in _fetch(qs.annotate(**_aggregates(with_max))):
            if not r["c"]:
                continue
            at = next(i for i, (a, b) in enumerate(spans) if a <= r["month"] <= b)
            if dim:
                yield at, row(r, r["month"], r["t"], r["c"], r.get("mx"))
            else:
                got = totals.setdefault((at, r["metric_id"]), [0, 0])
                got[0] += int(r["t"])
                got[1] += int(r["c"])
        for (at, metric_id), (t, c) in totals.items():
            yield at, row({"metric_id": metric_id}, None, t, c)
        return
    if owners is None:
        for at, r, t, c, mx in _span_rows(qs, spans, with_max):
            yield at, row(r, r[column], t, c, mx)
        return
    folded: dict[tuple[int, int, int], list[int]] = {}
    for at, r, t, c, _mx_value in _span_rows(qs, spans, with_max):
        owner = owners.get(r["unit_id"])
        if owner is not None:
            got = folded.setdefault((at, r["metric_id"], owner), [0, 0])
            got[0] += int(t)
            got[1] += int(c)
    for (at, metric_id, owner), (t, c) in folded.items():
        yield at, row({"metric_id": metric_id}, owner, t, c)


def max_totals(
    metric_ids: list[int], spans: list[tuple[datetime.date, datetime.date]], unit_ids: list[int] | None
) -> dict[tuple[int, int], tuple[Decimal, int]]:
    """Maximum (stock) metrics over the whole months of the spans: (span index, metric id) → (the sum of each
    unit's highest value, the number of units with figures), what `figures.fold_rows` makes of
    `month_groups(..., None, with_max=True)`'s rows by unit, added up as integers (no row per unit is made). Only
    for spans of whole months: rows of partial months must be merged with these by unit."""
    out: dict[tuple[int, int], list[int]] = {}
    if not metric_ids or not spans or (unit_ids is not None and not unit_ids):
        return {}
    qs, _column = _groups_query(metric_ids, spans, unit_ids, None, True)
    for at, r, _t, _c, mx in _span_rows(qs, spans, True):
        got = out.setdefault((at, r["metric_id"]), [0, 0])
        got[0] += int(mx or 0)
        got[1] += 1
    return {key: (Decimal(t).scaleb(-4), units) for key, (t, units) in out.items()}


def _groups_query(
    metric_ids: list[int],
    spans: list[tuple[datetime.date, datetime.date]],
    unit_ids: list[int] | None,
    dim: str | None,
    with_max: bool,
) -> tuple[QuerySet[Any], str]:
    """`month_groups`' query before its aggregates, and the column it groups by besides the metric."""
    ordered = sorted(spans)
    whole_tree = unit_ids is None and not with_max and dim != "unit_id"
    qs = _rows(whole_tree).filter(metric_id__in=metric_ids, month__gte=ordered[0][0], month__lte=ordered[-1][1])
    if any(_next_month(a[1]) != b[0] for a, b in itertools.pairwise(ordered)):  # months between spans
        within = Q()
        for first, last in spans:
            within |= Q(month__gte=first, month__lte=last)
        qs = qs.filter(within)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    column = "unit_id" if with_max and dim is None else "month" if dim is None or dim == "date" else _DIMS[dim]
    per_unit = with_max and column != "unit_id"
    return qs.order_by().values("metric_id", column, *(["unit_id"] if per_unit else [])), column


def _aggregates(with_max: bool, inside: Q | None = None, suffix: str = "") -> dict[str, Any]:
    got: dict[str, Any] = {f"t{suffix}": Sum("total_e4", filter=inside), f"c{suffix}": Sum("n", filter=inside)}
    if with_max:
        got[f"mx{suffix}"] = Max("max_e4", filter=inside)
    return got


def _span_rows(
    qs: QuerySet[Any], spans: list[tuple[datetime.date, datetime.date]], with_max: bool
) -> Iterator[tuple[int, dict[str, Any], Any, Any, Any]]:
    """(span index, raw row, total × 10⁴, n, max × 10⁴) of a query grouped by something other than the month: one
    filtered SUM per span (one span: a plain SUM); rows without figures in a span are left out."""
    if len(spans) == 1:
        for r in _fetch(qs.annotate(**_aggregates(with_max))):
            if r["c"]:
                yield 0, r, r["t"], r["c"], r.get("mx")
        return
    ordered = sorted(spans)
    annotations: dict[str, Any] = {}
    for i, (first, last) in enumerate(spans):
        # within the query's months, the earliest span is `month <= its last`, the latest `month >= its first`
        inside = (
            Q(month__lte=last)
            if (first, last) == ordered[0]
            else Q(month__gte=first)
            if (first, last) == ordered[-1]
            else Q(month__gte=first, month__lte=last)
        )
        annotations.update(_aggregates(with_max, inside, str(i)))
    for r in _fetch(qs.annotate(**annotations)):
        for i in range(len(spans)):
            if r[f"c{i}"]:
                yield i, r, r[f"t{i}"], r[f"c{i}"], r.get(f"mx{i}")
