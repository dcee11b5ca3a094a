"""随手拍 at scale: the public report page (p95 and payload), intake of a day's reports (submit + photo through the
report page), and the Open311 GET list over 100,000 reports.

    .venv/bin/python bench/bench_citizen.py                     # SQLite file bench/var/citizen.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_citizen .venv/bin/python bench/bench_citizen.py
Options: --intake N (reports posted through the public page with a camera-sized photo, default 2,000; the time for
10,000 a day is projected from them), --reports N (rows for the Open311 list, default 100,000), --runs N (page and
list repetitions, default 100), --rebuild (drop the bulk rows first).
"""

from __future__ import annotations

import argparse
import datetime
import gzip
import io
import random
import time

from _setup import percentiles, setup_django


def camera_jpeg(rng: random.Random) -> bytes:
    """A 1600×1200 JPEG of about 150 KB with EXIF and a GPS position, like a phone's."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1600, 1200), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    draw = ImageDraw.Draw(img)
    for _ in range(60):
        x, y = rng.randrange(1500), rng.randrange(1100)
        draw.ellipse([x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 200)],
                     fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    exif = Image.Exif()
    exif[0x0110] = "BenchPhone"
    exif[0x8825] = {1: "N", 2: (37.0, 51.0, 1.0), 3: "E", 4: (112.0, 33.0, 2.0)}
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


def world() -> tuple[object, list[object]]:
    from taizhang.citizen.models import DispatchRule, Place
    from taizhang.org import actions as org_actions
    from taizhang.org.models import Unit

    root = Unit.objects.filter(code="BZR").first()
    if root is None:
        root = org_actions.create_unit(acting_user=None, code="BZR", name="基准区委宣传部", kind=Unit.Kind.DISTRICT)
        for s in range(10):
            org_actions.create_unit(acting_user=None, code=f"BZS{s}", name=f"基准街道{s}", kind=Unit.Kind.STREET,
                                    parent=root)
    streets = list(Unit.objects.filter(code__startswith="BZS").order_by("code"))
    places = []
    for s, street in enumerate(streets):
        for p in range(10):
            place, _ = Place.objects.get_or_create(name=f"基准路{s}-{p}", area=street,
                                                   defaults={"lat": 37.85 + s * 0.01, "lng": 112.55 + p * 0.01})
            places.append(place)
    from taizhang.citizen.models import Category

    for cat in Category.objects.all():
        for street in streets:
            DispatchRule.objects.get_or_create(category=cat, area=street, place=None, defaults={"unit": street})
    return root, places


def bench_page(runs: int) -> None:
    from django.conf import settings
    from django.contrib.staticfiles import finders
    from django.test import Client

    client = Client()
    client.get("/public/report/")
    samples = []
    body = b""
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get("/public/report/")
        samples.append((time.perf_counter() - t0) * 1000)
        body = response.content
    assets = 0
    assets_gz = 0
    for name in ("citizen/public.css", "citizen/public.js"):
        path = finders.find(name)
        with open(str(path), "rb") as fh:
            data = fh.read()
        assets += len(data)
        assets_gz += len(gzip.compress(data))
    print(f"report page GET          {percentiles(samples)}")
    print(f"  payload: HTML {len(body) / 1024:.1f} KB ({len(gzip.compress(body)) / 1024:.1f} KB gzip) + CSS/JS "
          f"{assets / 1024:.1f} KB ({assets_gz / 1024:.1f} KB gzip) = {(len(body) + assets) / 1024:.1f} KB before "
          f"photos (limit 200 KB); map tiles {'on' if settings.TAIZHANG_MAP_TILES else 'off'}")


def bench_intake(n: int, places: list[object]) -> None:
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from taizhang.citizen.models import Category, Report

    settings.TAIZHANG_CITIZEN_CAPTCHA_AFTER = 10**6
    settings.TAIZHANG_CITIZEN_DEVICE_LIMIT = 10**6
    settings.TAIZHANG_CITIZEN_ADDRESS_LIMIT = 10**6
    cache.clear()
    rng = random.Random(5)
    photos = [camera_jpeg(rng) for _ in range(8)]
    cat = Category.objects.get(key="garbage")
    client = Client()
    before = Report.objects.count()
    samples = []
    t_all = time.perf_counter()
    for i in range(n):
        place = places[i % len(places)]
        data = {"category": cat.pk, "description": f"基准报告 {i}：路边垃圾堆放", "place": place.pk,  # type: ignore[attr-defined]
                "phone": f"139{10000000 + i}", "photos": io.BytesIO(photos[i % len(photos)])}
        data["photos"].name = "photo.jpg"  # type: ignore[attr-defined]
        t0 = time.perf_counter()
        response = client.post("/public/report/", data)
        samples.append((time.perf_counter() - t0) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"submit failed: {response.status_code} {response.content[:500]!r}")
    total = time.perf_counter() - t_all
    made = Report.objects.count() - before
    per = total / max(made, 1)
    print(f"intake: submit + 1 photo ({len(photos[0]) / 1024:.0f} KB JPEG, EXIF stripped, thumbnail) "
          f"{percentiles(samples)}")
    print(f"  {made} reports in {total:.1f} s = {made / total:.1f}/s; 10,000 a day need {10000 * per:.0f} s of one "
          f"process ({10000 * per / 864:.1f} % of a day); capacity of one process ≈ {86400 / per:,.0f} reports a day")


def bulk(n: int, places: list[object], rebuild: bool) -> None:
    from django.db import transaction
    from django.utils import timezone

    from taizhang.citizen.models import Category, Report, new_tracking_code

    if rebuild:
        Report.objects.filter(description__startswith="批量").delete()
    have = Report.objects.filter(description__startswith="批量").count()
    if have >= n:
        return
    cats = list(Category.objects.all())
    rng = random.Random(9)
    now = timezone.now()
    statuses = ["closed"] * 6 + ["dispatched", "handled", "new", "rejected"]
    t0 = time.perf_counter()
    rows = []
    for i in range(have, n):
        place = places[i % len(places)]
        status = rng.choice(statuses)
        when = now - datetime.timedelta(minutes=rng.randrange(0, 89 * 24 * 60))
        rows.append(Report(
            code=new_tracking_code(), category=rng.choice(cats), description=f"批量报告 {i}", place=place,  # type: ignore[misc]
            lat=place.lat, lng=place.lng, area=place.area, status=status, submitted_at=when,  # type: ignore[attr-defined]
            unit=place.area if status != "new" else None, deadline=(when + datetime.timedelta(days=5)).date(),  # type: ignore[attr-defined]
            closed_at=when + datetime.timedelta(days=2) if status in ("closed", "rejected") else None,
            public_reply="已处理" if status == "closed" else "",
        ))
        if len(rows) >= 5000:
            with transaction.atomic():
                Report.objects.bulk_create(rows)
            rows = []
    if rows:
        with transaction.atomic():
            Report.objects.bulk_create(rows)
    print(f"bulk: {n - have} reports written in {time.perf_counter() - t0:.1f} s")
    from django.db import connection

    if connection.vendor == "postgresql":  # what autovacuum does soon after a bulk load: fresh planner statistics
        with connection.cursor() as cur:
            cur.execute("ANALYZE citizen_report")


def bench_open311(runs: int) -> None:
    from django.test import Client

    from taizhang.citizen.models import Report

    client = Client()
    total = Report.objects.count()
    for label, params in (("default (last 90 days, 1000 max)", {}),
                          ("service_code + status=open", {"service_code": "garbage", "status": "open"}),
                          ("start/end one week", {"start_date": (datetime.date.today() - datetime.timedelta(days=8))
                                                  .isoformat() + "T00:00:00+08:00",
                                                  "end_date": (datetime.date.today() - datetime.timedelta(days=1))
                                                  .isoformat() + "T00:00:00+08:00"})):
        client.get("/public/open311/v2/requests.json", params)
        samples = []
        size = 0
        for _ in range(runs):
            t0 = time.perf_counter()
            response = client.get("/public/open311/v2/requests.json", params)
            samples.append((time.perf_counter() - t0) * 1000)
            size = len(response.content)
        print(f"Open311 GET requests.json {label} over {total:,} reports: {percentiles(samples)} "
              f"({size / 1024:.0f} KB)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--intake", type=int, default=2000)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    setup_django("citizen.sqlite3")
    from django.conf import settings
    from django.core.management import call_command

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)  # the default cache (rate limits) is the database
    from django.db import connection

    print(f"database: {connection.vendor}")
    _root, places = world()
    bench_page(args.runs)
    bench_intake(args.intake, places)
    bulk(args.reports, places, args.rebuild)
    bench_open311(max(10, args.runs // 2))


if __name__ == "__main__":
    main()
