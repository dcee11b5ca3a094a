"""Press benchmarks (run by hand, prints figures):

    .venv/bin/python bench/bench_press.py [--accounts 5000] [--weeks 52] [--page-accounts 2000] [--repeat 20]
                                            [--reimport]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_press .venv/bin/python bench/bench_press.py

1. statistics import of ACCOUNTS × WEEKS rows from one CSV (validate every row, then store all in one transaction);
2. the accounts page (/press/accounts/) for PAGE_ACCOUNTS accounts as district staff: p50/p95;
3. the quarterly new-media bulletin (document built from the providers and written as .docx).
The database (a fresh SQLite file under bench/var/ by default) is rebuilt on every run.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import io
import random
import time

from _setup import percentiles, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--page-accounts", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reimport", action="store_true", help="also time importing the same file again")
    args = parser.parse_args()
    import os

    os.environ.setdefault("TAIZHANG_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    from pathlib import Path

    db = Path(__file__).resolve().parent / "var" / "press.sqlite3"
    if "DATABASE_URL" not in os.environ and db.exists():
        db.unlink()
    setup_django("press.sqlite3")
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from taizhang.core.testing import make_user
    from taizhang.org import actions as org
    from taizhang.org.models import Unit
    from taizhang.press import bulletin, imports
    from taizhang.press.models import AccountStat, NewMediaAccount
    from taizhang.reports.docwriter import write_docx

    call_command("migrate", verbosity=0)
    call_command("load_defaults", verbosity=0)
    NewMediaAccount.objects.all().delete()
    root = Unit.objects.filter(parent=None).first() or org.create_unit(acting_user=None, code="ROOT",
                                                                       name="基准区委宣传部", kind="district")
    streets = list(Unit.objects.filter(parent=root)) or [
        org.create_unit(acting_user=None, code=f"S{i:02d}", name=f"街道{i}", kind="street", parent=root)
        for i in range(20)]
    rng = random.Random(3)
    platforms = list(dict(NewMediaAccount._meta.get_field("platform").choices))
    today = datetime.date(2026, 12, 6)
    NewMediaAccount.objects.bulk_create([
        NewMediaAccount(unit=streets[i % len(streets)], platform=platforms[i % len(platforms)], name=f"账号{i:05d}",
                        state="active", opened_on=datetime.date(2024, 1, 1),
                        last_post_date=today - datetime.timedelta(days=rng.randint(0, 30)))
        for i in range(args.accounts)])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(imports.HEADERS)
    names = dict(NewMediaAccount._meta.get_field("platform").choices)
    monday = datetime.date(2025, 12, 1)
    for account in NewMediaAccount.objects.all():
        for w in range(args.weeks):
            start = monday + datetime.timedelta(weeks=w)
            end = start + datetime.timedelta(days=6)
            writer.writerow([names[account.platform], account.name, start, end, rng.randint(0, 20),
                             rng.randint(0, 9999), 1, 1, 1, 1, rng.randint(100, 99999), end, "", ""])
    data = out.getvalue().encode("utf-8")
    rows = args.accounts * args.weeks
    t0 = time.perf_counter()
    result = imports.import_stats(data, "stats.csv", acting_user=None, accounts=NewMediaAccount.objects.all())
    t1 = time.perf_counter()
    print(f"statistics import: {rows:,} rows ({len(data) / 1e6:.1f} MB CSV) in {t1 - t0:.1f} s "
          f"({rows / (t1 - t0):,.0f} rows/s); created {result.created:,}")
    if args.reimport:
        t0 = time.perf_counter()
        again = imports.import_stats(data, "stats.csv", acting_user=None, accounts=NewMediaAccount.objects.all())
        t1 = time.perf_counter()
        print(f"re-import (all replaced): {t1 - t0:.1f} s; updated {again.updated:,}; rows stored "
              f"{AccountStat.objects.count():,}")

    # the accounts page with PAGE_ACCOUNTS accounts visible
    NewMediaAccount.objects.filter(pk__in=list(NewMediaAccount.objects.values_list("id", flat=True)[
        args.page_accounts:])).update(state="closed")
    staff = make_user("staff", root, username=f"bench_staff_{rng.randint(0, 10**9)}")
    client = Client()
    client.force_login(staff)
    samples = []
    with CaptureQueriesContext(connection) as queries:
        client.get("/press/accounts/")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        response = client.get("/press/accounts/?state=active")
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    print(f"accounts page, {args.page_accounts:,} running accounts: {percentiles(samples)}; "
          f"{len(queries.captured_queries)} queries; {len(response.content) / 1024:.0f} KB")
    from taizhang.core.periods import parse_period

    samples = []
    for _ in range(max(3, args.repeat // 4)):
        t0 = time.perf_counter()
        doc = bulletin.newmedia_bulletin(root, parse_period("2026Q3"), issued_on=today)
        write_docx(doc, io.BytesIO(), appendix=True)
        samples.append((time.perf_counter() - t0) * 1000)
    print(f"quarterly bulletin ({sum(1 for _ in doc.figures())} figures): {percentiles(samples)}")



if __name__ == "__main__":
    main()
