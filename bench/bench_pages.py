"""Benchmark of the staff site's pages at scale: every menu page of a staff account of the root unit (or the URLs
given), rendered N times with the Django test client against whatever database DATABASE_URL points to; prints each
page's p50 / max in ms, its SQL queries and its slowest statement, slowest pages first.

Meant for the 10,000,000-record ledger of bench/bench_figures.py (500 units):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_fig .venv/bin/python bench/bench_pages.py
    DATABASE_URL=… .venv/bin/python bench/bench_pages.py /ledger/records/ "/ledger/records/?line=theory"
Options: -n N renderings of each page (default 3, after one warm-up), --top K (the K slowest pages, default 20),
--role ROLE (default staff). Writes one user ("bench_pages_ROLE") with that role at the root unit and its sessions.
A page's query count must not depend on the number of units (docs/scale.md); a list's must not depend on its rows.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _setup import setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("urls", nargs="*")
    parser.add_argument("-n", type=int, default=3)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--role", default="staff")
    args = parser.parse_args()
    setup_django("figures.sqlite3")
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import taizhang.wsgi  # noqa: F401  (the server's process state: views imported, gc frozen)
    from taizhang.core.navigation import menu_for
    from taizhang.org import actions as org_actions
    from taizhang.org.models import Membership, Unit

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    root = Unit.objects.filter(parent__isnull=True).order_by("id").first()
    if root is None:
        raise SystemExit("数据库中没有单位：请先运行 bench/bench_figures.py 或 taizhang demo")
    user, _ = get_user_model().objects.get_or_create(username=f"bench_pages_{args.role}", defaults={"is_active": True})
    if not Membership.objects.filter(user=user, unit=root, role=args.role).exists():
        org_actions.grant_role(acting_user=None, user=user, unit=root, role=args.role)
    client = Client()
    client.force_login(user)
    session = client.session
    session["tz_mfa"] = True  # the second factor is not what is measured
    session.save()
    urls = args.urls or [item["url"] for group in menu_for(user, "/") for item in group["items"]]
    units = Unit.objects.count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; units: {units:,}; user {user.username}")
    rows = []
    for url in urls:
        client.get(url)  # warm-up: templates compiled, caches filled as a second visitor finds them
        times, queries, slowest, status = [], 0, 0.0, 0
        for _ in range(args.n):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            status, queries = response.status_code, len(ctx.captured_queries)
            slowest = max([slowest, *(float(q["time"]) * 1000 for q in ctx.captured_queries)])
        rows.append((statistics.median(times), max(times), status, queries, slowest, url))
    for p50, top, status, queries, slowest, url in sorted(rows, reverse=True)[: args.top]:
        print(
            f"{url:50s} HTTP {status}  p50 {p50:8.1f} ms  max {top:8.1f} ms  {queries:4d} queries  "
            f"slowest {slowest:7.1f} ms"
        )


if __name__ == "__main__":
    main()
