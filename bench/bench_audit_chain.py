"""Benchmark of the audit log's hash chain (issue 10): rows written per second through `core.audit.record`
(one row per transaction, as actions do), through `record_many` (bulk), and rows verified per second by
`audit_verify`, with SHA-256 and SM3.

    .venv/bin/python bench/bench_audit_chain.py                     # SQLite under bench/var/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_audit .venv/bin/python bench/bench_audit_chain.py
Options: -n rows per measurement (default 2000). The database is migrated first; rows are added, never removed.
"""

from __future__ import annotations

import argparse
import time

from _setup import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=2000)
    args = parser.parse_args()
    setup_django("audit_chain.sqlite3")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    from taizhang.core import audit
    from taizhang.core.models import AuditEntry

    call_command("migrate", verbosity=0)
    n = args.n
    print(f"database: {connection.vendor}, rows before: {AuditEntry.objects.count()}")
    for algorithm in ("sha256", "sm3"):
        settings.TAIZHANG_AUDIT_HASH = algorithm
        start = time.perf_counter()
        for i in range(n):
            with transaction.atomic():
                audit.record("update", None, user=None, object_type="bench.row", object_id=str(i),
                             object_repr=f"基准 {i}", before={"a": i, "b": "旧值"}, after={"a": i + 1, "b": "新值"})
        single = n / (time.perf_counter() - start)
        from django.contrib.contenttypes.models import ContentType

        objs = list(ContentType.objects.all()[:50])
        start = time.perf_counter()
        written = 0
        while written < n:
            with transaction.atomic():
                written += audit.record_many("update", objs, user=None, message="基准批量")
        bulk = written / (time.perf_counter() - start)
        print(f"{algorithm:6s} record (1 row per transaction): {single:8.0f} rows/s   "
              f"record_many ({len(objs)} rows per transaction): {bulk:8.0f} rows/s")
    start = time.perf_counter()
    report = audit.verify_chain()
    elapsed = time.perf_counter() - start
    print(f"audit_verify: {report.rows} rows in {elapsed:.2f} s ({report.rows / elapsed:.0f} rows/s), "
          f"{'intact' if report.ok else 'BROKEN at ' + str(report.breaks[0].entry_id)}")


if __name__ == "__main__":
    main()
