"""Benchmarks of civility creation: score recomputation over a year of weekly rounds, the inspector's checklist page
on a phone (payload, time to interactive), the problem list of a street.

Usage (run by hand):
    .venv/bin/python bench/bench_civility.py                      # SQLite file bench/var/civility.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_civ .venv/bin/python bench/bench_civility.py
Options: --sites N (default 2,000), --standards N (default 300), --weeks N (default 52), --every K (each site is
inspected every K-th week, default 4: a county covers every site monthly; --every 1 inspects every site every
week), --problems N (default 20,000), -n N (repetitions, default 5), --rebuild, --only score|page|problems.

Data: N sites of random types over 12 streets × 8 communities; a framework of S field standards (10 projects ×
3 contents), each applying to 3 of the 14 site types (≈ S×3/14 standards per site); W weekly rounds in which
every K-th site is inspected against all standards of its type (≈ N/K × S×3/14 × W answers: 1.7 million with the
defaults, 6.7 million with --every 1). Answers are met with probability 0.9.

Prints:
- score: `compute_scores(framework, year, [district, 12 streets])` (one pass: every standard's rate and every
  project's points with the ids of the inspections behind them, for 13 scopes), `score_report` (the CLI's JSON:
  the same plus problem counts per scope) and the week-by-week trend: p50/p95.
- page: the checklist page of a market at 390 × 844 in Chromium (cold: first visit; warm: from the service worker's
  cache): bytes transferred (all responses) and time to interactive (navigation start until the page script has
  restored the draft and marked the page ready).
- problems: GET /civility/problems/ (pages 1–3 and filters) as a street's liaison, p50/p95.
"""

from __future__ import annotations

import argparse
import datetime
import random
import time
import uuid
from decimal import Decimal
from typing import Any

from _setup import percentiles, setup_django

YEAR = 2025
TYPES = ["market", "back_street", "main_street", "park", "toilet", "school_gate", "station", "hospital", "community",
         "service_hall", "supermarket", "mall", "culture", "practice"]


def tree() -> tuple[Any, list[Any], list[Any]]:
    from taizhang.org.models import Unit

    root = Unit.objects.filter(code="CB").first()
    if root is None:
        root = Unit.objects.create(code="CB", name="基准区委宣传部", kind="district", path="", depth=0)
        root.path = f"/{root.pk}/"
        root.save(update_fields=["path"])
        for s in range(12):
            street = Unit.objects.create(code=f"CB{s:02d}", name=f"第{s + 1}街道", kind="street", parent=root,
                                         depth=1, sort_order=s)
            street.path = f"{root.path}{street.pk}/"
            street.save(update_fields=["path"])
            for c in range(8):
                com = Unit.objects.create(code=f"CB{s:02d}{c:02d}", name=f"第{s + 1}街道{c + 1}社区",
                                          kind="community", parent=street, depth=2)
                com.path = f"{street.path}{com.pk}/"
                com.save(update_fields=["path"])
    streets = list(Unit.objects.filter(parent=root).order_by("sort_order"))
    return root, streets, list(Unit.objects.filter(kind="community", code__startswith="CB"))


def build(args: argparse.Namespace) -> Any:
    from django.db import connection, transaction

    from taizhang.civility.models import Answer, Content, Framework, Inspection, Problem, Project, Site, Standard

    root, _streets, communities = tree()
    fw = Framework.objects.filter(key="bench").first()
    if fw is not None and not args.rebuild:
        return fw
    t0 = time.perf_counter()
    with transaction.atomic():
        if fw is not None:
            Problem.objects.filter(site__code__startswith="CBS").delete()
            Answer.objects.filter(inspection__site__code__startswith="CBS").delete()
            Inspection.objects.filter(site__code__startswith="CBS").delete()
            Site.objects.filter(code__startswith="CBS").delete()
            Standard.objects.filter(framework=fw).delete()
            fw.delete()
        rng = random.Random(2025)
        fw = Framework.objects.create(key="bench", name="基准测评体系", edition=1, owner=root, status="active")
        standards: list[Standard] = []
        per_project = max(1, args.standards // 10)
        n = 0
        for p in range(10):
            project = Project.objects.create(framework=fw, key=f"P{p}", name=f"测评项目{p + 1}", sort_order=p)
            for c in range(3):
                content = Content.objects.create(project=project, key=f"P{p}C{c}", name=f"测评内容{p + 1}.{c + 1}")
                for _ in range(per_project // 3 + (1 if c < per_project % 3 else 0)):
                    n += 1
                    standards.append(Standard(framework=fw, project=project, content=content, code=f"B{n:04d}",
                                              text=f"基准标准{n}", points=Decimal(rng.choice([1, 2, 3, 4])),
                                              method="field", site_types=rng.sample(TYPES, 3), sort_order=n))
        Standard.objects.bulk_create(standards)
        standards = list(Standard.objects.filter(framework=fw))
        by_type = {t: [s.pk for s in standards if t in s.site_types] for t in TYPES}
        Site.objects.bulk_create([Site(code=f"CBS{i:05d}", type=rng.choice(TYPES), name=f"基准点位{i}",
                                       unit=rng.choice(communities)) for i in range(args.sites)], batch_size=2000)
        sites = list(Site.objects.filter(code__startswith="CBS").order_by("code"))
        tz = datetime.timezone(datetime.timedelta(hours=8))
        start = datetime.date.fromisocalendar(YEAR, 1, 1)
        inspections: list[Inspection] = []
        for week in range(args.weeks):
            day = start + datetime.timedelta(weeks=week, days=2)
            moment = datetime.datetime.combine(day, datetime.time(10), tzinfo=tz)
            for i, site in enumerate(sites):
                if i % args.every == week % args.every:
                    inspections.append(Inspection(uuid=uuid.UUID(int=rng.getrandbits(128)), framework=fw, site=site,
                                                  submitted_at=moment))
        Inspection.objects.bulk_create(inspections, batch_size=5000)
        site_type = {s.pk: s.type for s in sites}
        site_unit = {s.pk: s.unit_id for s in sites}
        project_of = {s.pk: s.project_id for s in standards}
        projects_by_type = {t: sorted({project_of[sid] for sid in ids}) for t, ids in by_type.items()}
        table = Answer._meta.db_table
        sql = (f"INSERT INTO {table} (inspection_id, standard_id, met, note, framework_id, unit_id, day, site_type) "
               "VALUES (%s, %s, %s, '', %s, %s, %s, %s)")
        rows: list[tuple[Any, ...]] = []
        total = 0
        for t in TYPES:
            Inspection.objects.filter(framework=fw, site__type=t).update(projects=projects_by_type[t])
        with connection.cursor() as cursor:
            for iid, sid, when in Inspection.objects.filter(framework=fw).values_list(
                    "id", "site_id", "submitted_at").iterator(5000):
                day = when.astimezone(tz).date()
                for standard_id in by_type[site_type[sid]]:
                    rows.append((iid, standard_id, rng.random() < 0.9, fw.pk, site_unit[sid], day, site_type[sid]))
                if len(rows) >= 50_000:
                    cursor.executemany(sql, rows)
                    total += len(rows)
                    rows = []
            if rows:
                cursor.executemany(sql, rows)
                total += len(rows)
        first = {s.pk: s for s in sites}
        ins = list(Inspection.objects.filter(framework=fw).values_list("id", "site_id", "submitted_at")
                   [:args.problems])
        Problem.objects.bulk_create([
            Problem(inspection_id=iid, site_id=sid,
                    standard_id=rng.choice(by_type[first[sid].type] or [standards[0].pk]),
                    unit_id=first[sid].unit_id, description="基准问题", found_on=when.date(),
                    deadline=when.date() + datetime.timedelta(days=7),
                    status=rng.choice(["open", "rectified", "closed", "closed"]))
            for iid, sid, when in ins], batch_size=5000)
    print(f"built: {len(sites)} sites, {len(standards)} standards, {args.weeks} weeks, {len(inspections)} inspections,"
          f" {total:,} answers, {min(len(ins), args.problems)} problems in {time.perf_counter() - t0:.0f} s")
    return fw


def bench_score(fw: Any, n: int) -> None:
    from taizhang.civility.report import score_report
    from taizhang.civility.scoring import compute_scores, trend
    from taizhang.core.periods import parse_period

    root, streets, _ = tree()
    period = parse_period(str(YEAR))
    for label, fn in (
        ("compute_scores(district + 12 streets, year)", lambda: compute_scores(fw, period, [root, *streets])),
        ("score_report (CLI JSON, with problem counts)", lambda: score_report(period, root)),
        ("trend (52 weeks, district)", lambda: trend(fw, period, root)),
    ):
        samples = []
        for _ in range(n):
            t = time.perf_counter()
            result = fn()
            samples.append((time.perf_counter() - t) * 1000)
        print(f"score  {label:48s} {percentiles(samples)}")
    result = compute_scores(fw, period, [root])[0]
    print(f"score  district score {result.score}, {len(result.inspection_ids):,} inspections behind it")


def bench_problems(n: int) -> None:
    from django.test import Client

    from taizhang.core.testing import make_user
    from taizhang.org.models import Unit

    _root, streets, _ = tree()
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username="bench_civ_street").first()
    if user is None:
        user = make_user("liaison", streets[0], username="bench_civ_street")
    client = Client()
    client.force_login(user)
    urls = ["/civility/problems/", "/civility/problems/?page=2", "/civility/problems/?page=3",
            "/civility/problems/?status=open", "/civility/problems/?flag=overdue",
            f"/civility/problems/?unit={Unit.objects.filter(parent=streets[0]).first().code}"]  # type: ignore[union-attr]
    samples = []
    for _ in range(n):
        for url in urls:
            t = time.perf_counter()
            response = client.get(url, HTTP_HOST="localhost")
            samples.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, response.status_code
    from taizhang.civility.models import Problem

    visible = Problem.objects.visible_to(user).count()
    print(f"problems  street list ({visible:,} problems visible of {Problem.objects.count():,})  "
          f"{percentiles(samples)}")


def bench_page(n: int) -> None:
    import os
    import shutil

    from django.contrib.auth import get_user_model
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    from taizhang.civility.models import Site
    from taizhang.core.testing import PASSWORD, make_user

    root, _streets, _ = tree()
    if get_user_model().objects.filter(username="bench_civ_inspector").first() is None:
        make_user("reviewer", root, username="bench_civ_inspector")
    site = Site.objects.filter(code__startswith="CBS", type="market").first()
    assert site is not None
    server = LiveServerThread("localhost", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    base = f"http://localhost:{server.port}"
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    cold_ms, warm_ms, cold_bytes, warm_bytes = [], [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        for _ in range(n):
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", "bench_civ_inspector")
            page.fill("#id_password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state("networkidle")
            current: list[list[int]] = [[]]

            def count(r: Any, current: list[list[int]] = current) -> None:
                if r.ok and not r.from_service_worker:
                    current[0].append(len(r.body()))

            page.on("response", count)
            for bucket_ms, bucket_bytes in ((cold_ms, cold_bytes), (warm_ms, warm_bytes)):
                current[0] = []
                t = time.perf_counter()
                page.goto(f"{base}/civility/inspect/{site.pk}/")
                page.wait_for_selector("#cv-checklist[data-ready='1']", timeout=60000)
                bucket_ms.append((time.perf_counter() - t) * 1000)
                page.wait_for_selector("#cv-checklist[data-offline-ready='1']", timeout=60000)
                page.wait_for_load_state("networkidle")
                bucket_bytes.append(sum(current[0]))
            context.close()
        browser.close()
    server.terminate()
    items = Site.objects.get(pk=site.pk)
    from taizhang.civility.actions import active_framework, checklist

    fw = active_framework("bench")
    count = len(checklist(items, fw)) if fw else 0
    print(f"page   checklist of a market ({count} standards) at 390 px")
    print(f"page   cold (first visit): {percentiles(cold_ms)}  transferred {max(cold_bytes) / 1024:,.0f} KiB")
    print(f"page   warm (2nd visit):   {percentiles(warm_ms)}  "
          f"not through the worker {max(warm_bytes) / 1024:,.0f} KiB "
          "(static files from its cache, the page network-first through it)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--standards", type=int, default=300)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--every", type=int, default=4)
    parser.add_argument("--problems", type=int, default=20_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--only", choices=["score", "page", "problems"])
    args = parser.parse_args()
    setup_django("civility.sqlite3")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    fw = build(args)
    if args.only in (None, "score"):
        bench_score(fw, args.n)
    if args.only in (None, "problems"):
        bench_problems(args.n * 4)
    if args.only in (None, "page"):
        bench_page(args.n)


if __name__ == "__main__":
    main()
