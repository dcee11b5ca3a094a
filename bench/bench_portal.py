"""The public portal's home page (公众端首页) with every registered section: 随手拍 (citizen), volunteer activities
open for sign-up, votes open now, public notices (公示) and the latest role models (honours).

Usage (run by hand):
    .venv/bin/python bench/bench_portal.py                      # SQLite file bench/var/portal.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_portal .venv/bin/python bench/bench_portal.py
Options: --runs N (requests timed, default 200), --scale F (demo scale, default 0.3), --people N (extra role models
in the library beyond the demo's, default 300: a decade of a district's honourees several times over). To rebuild,
delete bench/var/portal.sqlite3 (or drop the PostgreSQL database).

Data: the demo of org, citizen, volunteers and honours (which takes a campaign through a public vote with the votes
app), built once into the database and reused. Prints p50/p95 of GET /public/ (anonymous, fresh client: no cache
warm-up beyond the first request), the time of each section's context, and the payload: HTML (and gzip) plus the
public CSS/JS (the page loads no other asset).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import random
import time
from typing import Any

from _setup import percentiles, setup_django


def build(args: argparse.Namespace) -> None:
    from django.db import transaction
    from django.utils import timezone

    from taizhang.core.demo import DemoContext
    from taizhang.honours.models import RoleModel

    if RoleModel.objects.exists():
        return
    from taizhang.citizen import demo as citizen_demo
    from taizhang.honours import demo as honours_demo
    from taizhang.honours import library
    from taizhang.honours.actions import ID_CHECK, ID_WEIGHTS
    from taizhang.org import demo as org_demo
    from taizhang.volunteers import demo as volunteers_demo

    t0 = time.perf_counter()
    ctx = DemoContext(seed=11, today=timezone.localdate(), rng=random.Random(11))
    ctx.scale = args.scale  # type: ignore[attr-defined]
    for module in (org_demo, citizen_demo, volunteers_demo, honours_demo):
        with transaction.atomic():
            module.build(ctx)
    units = [u for u in ctx.units.values() if u.parent_id is not None]
    with transaction.atomic():
        for i in range(args.people):
            birth = datetime.date(1940 + i % 60, 1 + i % 12, 1 + i % 28)
            body = f"140110{birth:%Y%m%d}{i % 1000:03d}"
            id_number = body + ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
            year = ctx.today.year - 1 - i % 10
            library.record_honour(
                acting_user=None, unit=units[i % len(units)], name=f"好人{i:04d}", gender="male", birth_date=birth,
                workplace="基准社区居民", phone=f"1390000{i:04d}", id_number=id_number,
                deeds="多年坚持义务服务社区老人，帮助邻里解决困难，事迹感人，群众公认。", title="万柏林好人",
                level="district", year=year, category="助人为乐", awarded_on=datetime.date(year, 12, 20))
    print(f"built demo data (scale {args.scale}) + {args.people} role models in {time.perf_counter() - t0:.1f} s")


def bench(runs: int) -> None:
    from django.contrib.staticfiles import finders
    from django.test import Client, RequestFactory

    from taizhang.core import portal

    client = Client()
    first = client.get("/public/")
    assert first.status_code == 200, first.status_code
    samples = []
    body = b""
    for _ in range(runs):
        t0 = time.perf_counter()
        response = Client().get("/public/")
        samples.append((time.perf_counter() - t0) * 1000)
        body = response.content
    print(f"GET /public/ (portal home) {percentiles(samples)}")
    request: Any = RequestFactory().get("/public/")
    for section in portal.SECTIONS:
        times = []
        for _ in range(max(5, runs // 10)):
            t0 = time.perf_counter()
            section.context(request)
            times.append((time.perf_counter() - t0) * 1000)
        print(f"  section {section.key:<22} context {percentiles(times)}")
    assets = assets_gz = 0
    for name in ("citizen/public.css", "citizen/public.js"):
        path = finders.find(name)
        with open(str(path), "rb") as fh:
            data = fh.read()
        assets += len(data)
        assets_gz += len(gzip.compress(data))
    print(f"  sections: {', '.join(s.key for s in portal.SECTIONS)}")
    print(f"  payload: HTML {len(body) / 1024:.1f} KB ({len(gzip.compress(body)) / 1024:.1f} KB gzip) + CSS/JS "
          f"{assets / 1024:.1f} KB ({assets_gz / 1024:.1f} KB gzip) = {(len(body) + assets) / 1024:.1f} KB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--scale", type=float, default=0.3)
    parser.add_argument("--people", type=int, default=300)
    args = parser.parse_args()
    setup_django("portal.sqlite3")
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    from django.db import connection

    print(f"database: {connection.vendor}")
    build(args)
    bench(args.runs)


if __name__ == "__main__":
    main()
