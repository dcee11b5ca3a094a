"""Benchmarks of volunteer work: a check-in burst, hours per street over millions of hour records, certificate docx.

Usage (run by hand):
    .venv/bin/python bench/bench_volunteers.py                   # SQLite file bench/var/volunteers.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_vol .venv/bin/python bench/bench_volunteers.py
Options: --volunteers N (check-in burst, default 2,000), --threads N (concurrent scanners, default 4),
--hours N (hour records for the yearly figure, default 5,000,000), --rebuild, -n N (repetitions, default 5),
--only burst|hours|docx.

Prints:
- burst: 2,000 volunteers signed up for one shift each POST the check-in (the public scan page with a valid rotating
  code and their volunteer cookie, through the Django test client, CSRF as in production off for the test client),
  first one after another, then from --threads threads at once: p50/p95 of the request and the total time
  (goal: all 2,000 well inside 5 minutes).
- hours: `ledger.figures.compute("volunteer_hours", period=<year>, by="unit")` (the provider: sum and the ids behind
  every figure, per street) and the bare per-street sum (one GROUP BY) over N confirmed hour records, p50/p95.
- docx: certificate generation (shared GB/T 9704 writer + QR), p50/p95.
"""

from __future__ import annotations

import argparse
import datetime
import random
import threading
import time
from decimal import Decimal
from typing import Any

from _setup import percentiles, setup_django

YEAR = 2025


def tree() -> tuple[Any, list[Any]]:
    from taizhang.org.models import Unit

    root = Unit.objects.filter(code="VB").first()
    if root is None:
        root = Unit.objects.create(code="VB", name="基准区委宣传部", kind="district", path="", depth=0)
        root.path = f"/{root.pk}/"
        root.save(update_fields=["path"])
        for s in range(12):
            street = Unit.objects.create(code=f"VB{s:02d}", name=f"第{s + 1}街道", kind="street", parent=root,
                                         depth=1, sort_order=s, population=60000)
            street.path = f"{root.path}{street.pk}/"
            street.save(update_fields=["path"])
            for c in range(8):
                com = Unit.objects.create(code=f"VB{s:02d}{c:02d}", name=f"第{s + 1}街道{c + 1}社区", kind="community",
                                          parent=street, depth=2)
                com.path = f"{street.path}{com.pk}/"
                com.save(update_fields=["path"])
    return root, list(Unit.objects.filter(kind="community", code__startswith="VB"))


def make_volunteers(n: int, communities: list[Any], prefix: str) -> list[Any]:
    from taizhang.volunteers import actions
    from taizhang.volunteers.models import Volunteer

    rng = random.Random(n)
    rows = []
    for i in range(n):
        birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=rng.randint(0, 12000))
        body = f"{prefix}{i:08d}{birth.day:03d}"  # unique per volunteer (the bench never validates the date part)
        idn = body + actions.ID_CHECK[sum(int(c) * w for c, w in zip(body, actions.ID_WEIGHTS, strict=True)) % 11]
        phone = f"1{prefix[-2:]}{i:08d}"
        rows.append(Volunteer(number=f"B{prefix}{i:08d}", real_name="基准志愿者", id_number=idn,
                              id_hash=actions.id_hash(idn), phone=phone, phone_hash=actions.phone_hash(phone),
                              birth_date=birth, unit=rng.choice(communities), source="bench"))
    Volunteer.objects.bulk_create(rows, batch_size=2000)
    return list(Volunteer.objects.filter(source="bench", number__startswith=f"B{prefix}").only("id", "phone_hash"))


# --- check-in burst ---------------------------------------------------------------------------------------------
def burst(n: int, threads: int) -> None:
    from django.db import connection, connections
    from django.test import Client
    from django.utils import timezone

    from taizhang.volunteers import tokens
    from taizhang.volunteers.models import Activity, Shift, SignUp, Team

    _root, communities = tree()
    team = Team.objects.get_or_create(name="基准志愿服务队", defaults={"unit": communities[0].parent})[0]
    start = timezone.now() + datetime.timedelta(minutes=30)
    t0 = time.perf_counter()
    from taizhang.volunteers.models import Volunteer

    prefix = next(f"1101{k}" for k in range(10, 70) if not Volunteer.objects.filter(number__startswith=f"B1101{k}")
                  .exists())
    people = make_volunteers(n, communities, prefix)
    print(f"[burst] {n} volunteers built in {time.perf_counter() - t0:.1f} s ({connection.vendor})")

    def run(label: str, workers: int) -> None:
        activity = Activity.objects.create(team=team, title=f"基准活动 {label}", place="广场", starts_at=start,
                                           ends_at=start + datetime.timedelta(hours=3), auto_approve=True)
        shift = Shift.objects.create(activity=activity, starts_at=start, ends_at=activity.ends_at, capacity=n)
        SignUp.objects.filter(volunteer__in=people, state="approved").update(state="cancelled")
        SignUp.objects.bulk_create([SignUp(shift=shift, volunteer=v, state="approved") for v in people],
                                   batch_size=2000)
        url = f"/public/volunteers/scan/{activity.pk}/"
        samples: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()

        def scan(batch: list[Any]) -> None:
            client = Client(HTTP_HOST="localhost")
            for v in batch:
                client.cookies["tzpub_volunteer"] = tokens.session_value(v.pk, v.phone_hash)
                token = tokens.make_checkin_token(activity.pk, shift.pk)
                t = time.perf_counter()
                r = client.post(url, {"t": token, "what": "in", "lat": "", "lng": ""})
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    samples.append(ms)
                    if r.status_code != 302:
                        errors.append(r.content.decode()[:200])
            connections.close_all()

        t_all = time.perf_counter()
        if workers <= 1:
            scan(people)
        else:
            parts = [people[i::workers] for i in range(workers)]
            pool = [threading.Thread(target=scan, args=(p,)) for p in parts]
            for th in pool:
                th.start()
            for th in pool:
                th.join()
        total = time.perf_counter() - t_all
        done = SignUp.objects.filter(shift=shift, state="checked_in").count()
        print(f"[burst] {label:>12}: {percentiles(samples)}  total {total:6.1f} s for {n} check-ins, "
              f"{done} checked in, {len(errors)} errors" + (f" (first: {errors[0]!r})" if errors else ""))

    run("sequential", 1)
    run(f"{threads} threads", threads)


# --- hours per street ---------------------------------------------------------------------------------------------
def build_hours(n: int) -> None:
    from django.db import connection, transaction

    from taizhang.volunteers.models import HourRecord, Team, Volunteer

    _root, communities = tree()
    have = HourRecord.objects.filter(content="基准").count()
    if have >= n:
        print(f"[hours] reusing {have:,} hour records")
        return
    HourRecord.objects.filter(content="基准").delete()
    pool = list(Volunteer.objects.filter(number__startswith="B110199").values_list("id", "unit_id"))
    if not pool:
        make_volunteers(20000, communities, "110199")
        pool = list(Volunteer.objects.filter(number__startswith="B110199").values_list("id", "unit_id"))
    teams = []
    for c in communities[::4]:
        teams.append(Team.objects.get_or_create(name=f"基准队{c.code}", defaults={"unit": c})[0])
    rng = random.Random(5)
    now = datetime.datetime(YEAR, 12, 31, tzinfo=datetime.UTC)
    cols = ["created_at", "updated_at", "version", "volunteer_id", "unit_id", "team_id", "day", "hours", "content",
            "source", "status", "flags"]
    table = HourRecord._meta.db_table
    t0 = time.perf_counter()
    batch = 50000
    with transaction.atomic():
        for startn in range(0, n, batch):
            rows = []
            for _ in range(min(batch, n - startn)):
                vid, _unit = rng.choice(pool)
                team = rng.choice(teams)
                day = datetime.date(YEAR, 1, 1) + datetime.timedelta(days=rng.randint(0, 364))
                rows.append((now, now, 1, vid, team.unit_id, team.pk, day,
                             Decimal(rng.choice(["1.00", "1.50", "2.00", "2.50", "3.00", "4.00"])), "基准", "scan",
                             "confirmed" if rng.random() < 0.97 else "pending", "[]"))
            with connection.cursor() as cur:
                if connection.vendor == "postgresql":
                    with cur.cursor.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(cols))
                    cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)
            if (startn // batch) % 20 == 0:
                print(f"[hours]   {startn + len(rows):,} rows, {time.perf_counter() - t0:.0f} s", flush=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    print(f"[hours] built {n:,} hour records in {time.perf_counter() - t0:.0f} s")


def hours(reps: int) -> None:
    from django.db.models import Sum

    from taizhang.core.periods import parse_period
    from taizhang.ledger import figures
    from taizhang.ledger.taxonomy import sync_computed_metrics
    from taizhang.org.models import Unit
    from taizhang.volunteers.models import HourRecord

    sync_computed_metrics(["volunteer_hours"])
    period = parse_period(str(YEAR))
    root = Unit.objects.get(code="VB")
    samples, bare = [], []
    for _ in range(reps):
        t = time.perf_counter()
        result = figures.compute("volunteer_hours", period=period, unit=root, by="unit")
        samples.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        streets = list(Unit.objects.filter(parent=root).values_list("id", "path"))
        unit_street = {u: sid for sid, path in streets
                       for u in Unit.objects.filter(path__startswith=path).values_list("id", flat=True)}
        totals: dict[int, Decimal] = {}
        for unit_id, total in (HourRecord.objects.filter(status="confirmed", day__year=YEAR)
                               .values_list("unit_id").annotate(t=Sum("hours")).values_list("unit_id", "t")):
            sid = unit_street.get(unit_id)
            if sid is not None:
                totals[sid] = totals.get(sid, Decimal(0)) + total
        bare.append((time.perf_counter() - t) * 1000)
    n = HourRecord.objects.count()
    print(f"[hours] figures.compute by street (sum + ids of {len(result.records):,} records, "
          f"{len(result.breakdown)} streets) over {n:,} records: {percentiles(samples)}")
    print(f"[hours] bare per-street sum (GROUP BY unit, no ids):                     {percentiles(bare)}")
    assert sum(totals.values()) == result.value, (sum(totals.values()), result.value)


# --- certificates ---------------------------------------------------------------------------------------------
def docx(reps: int) -> None:
    from taizhang.volunteers import certificates
    from taizhang.volunteers.models import HourRecord, Team, Volunteer

    _root, communities = tree()
    team = Team.objects.get_or_create(name="基准志愿服务队", defaults={"unit": communities[0].parent})[0]
    v = Volunteer.objects.filter(source="bench").first() or make_volunteers(1, communities, "110177")[0]
    HourRecord.objects.create(volunteer=v, unit=team.unit, team=team, day=datetime.date(YEAR, 5, 1), hours=3,
                              content="基准证明", source="manual", status="confirmed")
    cert = certificates.issue_certificate(acting_user=None, volunteer=v, issuer=team, handler="经办人")
    samples = []
    for _ in range(max(20, reps * 4)):
        t = time.perf_counter()
        data = certificates.write_docx(cert)
        samples.append((time.perf_counter() - t) * 1000)
    print(f"[docx] certificate .docx ({len(data):,} bytes): {percentiles(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--volunteers", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--hours", type=int, default=5_000_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--only", choices=["burst", "hours", "docx"])
    args = parser.parse_args()
    setup_django("volunteers.sqlite3")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from taizhang.ledger.taxonomy import load_defaults

    load_defaults()
    if args.rebuild:
        from taizhang.volunteers.models import HourRecord

        HourRecord.objects.filter(content="基准").delete()
    if args.only in (None, "docx"):
        docx(args.n)
    if args.only in (None, "burst"):
        burst(args.volunteers, args.threads)
    if args.only in (None, "hours"):
        build_hours(args.hours)
        hours(args.n)


if __name__ == "__main__":
    main()
