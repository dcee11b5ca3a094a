"""Benchmark of the workbench (工作台, the home page) for each demo login: p50/p95/max and SQL queries per rendering,
with the Django test client against the demo database (or whatever DATABASE_URL points to).

    cd /tmp/tzwb && /work/main/.venv/bin/taizhang demo --no-serve          # the demo database, once
    DATABASE_URL=sqlite:////tmp/tzwb/var/taizhang.sqlite3 .venv/bin/python bench/bench_workbench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_demo .venv/bin/python bench/bench_workbench.py
Options: -n N renderings per login (default 30), --users a,b (default: every demo login that exists).
The budget is p95 < 300 ms per role (issue 9).
"""

from __future__ import annotations

import argparse
import os
import time

from _setup import percentiles, setup_django

DEMO_LOGINS = ("liaison_jf", "liaison_jf01", "liaison_edu", "reviewer", "staff", "leader", "sysadmin", "secadmin",
               "auditadmin")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=30)
    parser.add_argument("--users", default="")
    args = parser.parse_args()
    os.environ.setdefault("TAIZHANG_DEV_RELAXED", "1")
    setup_django("taizhang.sqlite3")
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    names = args.users.split(",") if args.users else list(DEMO_LOGINS)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    if not users:
        raise SystemExit("没有演示用户：请先运行 taizhang demo --no-serve，并用 DATABASE_URL 指向它的数据库")
    print(f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}; n={args.n}")
    url = reverse("core:home")
    worst = 0.0
    for name in names:
        user = users.get(name)
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        client.get(url)  # warm-up: imports, templates, connection
        samples: list[float] = []
        queries = size = 0
        for _ in range(args.n):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                response = client.get(url)
                samples.append((time.perf_counter() - t) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code}")
            queries, size = len(ctx.captured_queries), len(response.content)
        ordered = sorted(samples)
        worst = max(worst, ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))])
        print(f"{name:<14} {percentiles(samples)}  {queries:3d} queries  {size / 1024:5.0f} kB")
    print(f"worst p95 {worst:.1f} ms (budget 300 ms): {'OK' if worst < 300 else 'OVER BUDGET'}")


if __name__ == "__main__":
    main()
