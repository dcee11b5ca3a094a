"""Benchmark of the dashboard (数据看板): the page with its KPI tiles, and each lazily loaded line card, rendered N
times with the Django test client against whatever database DATABASE_URL points to.

Meant for the 1,000,000-record ledger that bench/bench_figures.py builds (500 units, 2023–2024):
    .venv/bin/python bench/bench_figures.py --queries 1          # builds bench/var/figures.sqlite3 once
    .venv/bin/python bench/bench_dashboard.py                    # default DATABASE_URL: that file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench .venv/bin/python bench/bench_dashboard.py
(at 10,000,000 records: `bench_figures.py --records 10000000`, then `--visit --cold -n 10 --period 2024 --all-tabs`;
docs/scale.md, "The whole visit at 10 M records"). Or against the demo database (about 25,000 records):
    cd /tmp/tzdash && /work/main/.venv/bin/taizhang demo --no-serve --today 2026-11-21
    DATABASE_URL=sqlite:////tmp/tzdash/var/taizhang.sqlite3 .venv/bin/python bench/bench_dashboard.py

Options: -n N renderings of each page (default 5), --period SPEC (default: the latest year with figures),
--unit CODE (default: the root unit), --detail (also each line's detail page), --lines a,b (only these lines),
--cold (clear the cache before every rendering: what a first visit after a ledger change costs),
--visit (replay exactly what a browser fetches: the page, then every URL its htmx placeholders load at once,
hx-trigger="load", read from the page's HTML; --cold clears the cache once before each visit), --shapes K (with
--visit: the K most frequent SQL shapes of one visit with their summed time, to find N+1 patterns), --slowest K
(with --visit: the K slowest statements of the first visit in full, to EXPLAIN them), --tab KEY (with --visit: the visit
lands on that tab, `?tab=KEY`, the link of a tab and of a line page's back link; the tab's URLs are also summed on
their own: what opening the tab after the shell costs, the URLs its hx-trigger="tz-dash-show …" placeholders
fetch), --all-tabs (with --visit: each tab in turn, then a table of every tab), --profile K (with --visit: one cold
visit under cProfile, its K costliest functions by own and by cumulative time), --per-unit-summary (the whole tree's
figures from the units' summary rows, as before migration ledger/0009: to compare in one sitting), --check (every
tab's figures, as
its requests batch them, against compute() asked for each alone: values, counts, computed metrics' ids).
    DATABASE_URL=sqlite:////tmp/demo_dash/taizhang.sqlite3 .venv/bin/python bench/bench_dashboard.py \
        --visit --cold -n 10 --all-tabs      # the demo built by TAIZHANG_DATA_DIR=/tmp/demo_dash taizhang demo
Writes one user ("bench_dashboard", a viewer of the root unit) and its sessions into the database.
Prints p50/p95/max in ms, SQL queries and size of each response (the query count must not depend on the number of
units), then the sums: page + tiles (what the first screen costs, served one after the other; a browser fetches up
to six at a time and gunicorn serves them in parallel) and page + tiles + all cards (scrolling to the end).
"""

from __future__ import annotations

import argparse
import re
import time
from typing import Any

from _setup import percentiles, setup_django


def bench_user() -> Any:
    from django.contrib.auth import get_user_model

    from taizhang.org import actions as org_actions
    from taizhang.org.models import Membership, Unit

    root = Unit.objects.filter(parent__isnull=True).order_by("id").first()
    if root is None:
        raise SystemExit("数据库中没有单位：请先运行 bench/bench_figures.py 或 taizhang demo")
    user, _ = get_user_model().objects.get_or_create(username="bench_dashboard", defaults={"is_active": True})
    if not Membership.objects.filter(user=user, unit=root, role="viewer").exists():
        org_actions.grant_role(acting_user=None, user=user, unit=root, role="viewer")
    return user


def latest_year() -> str:
    from django.db.models import Max

    from taizhang.ledger.models import RecordFigure

    last = RecordFigure.objects.filter(effective=True).aggregate(last=Max("date"))["last"]
    return str(last.year) if last else "2024"


def timed(client: Any, url: str, params: dict[str, str]) -> tuple[float, int, int]:
    """(milliseconds, SQL queries, bytes) of one GET."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        response = client.get(url, params)
        ms = (time.perf_counter() - t) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} → HTTP {response.status_code}")
    return ms, len(ctx.captured_queries), len(response.content)


def on_load_urls(html: str) -> list[str]:
    """The URLs the page's htmx placeholders fetch as soon as it is shown (the open tab's tiles and cards)."""
    return [u.replace("&amp;", "&") for u in re.findall(r'hx-get="([^"]+)"[^>]*hx-trigger="load"', html)]


def sql_shape(sql: str) -> str:
    """A query without its literals: the same statement with other ids or dates counts as one shape."""
    shape = re.sub(r"'[^']*'", "?", sql)
    shape = re.sub(r"\b\d+(\.\d+)?\b", "N", shape)
    return re.sub(r"\((?:N|\?|%s)(?:, (?:N|\?|%s))*\)", "(…)", shape)


def tab_urls(html: str, key: str) -> list[str]:
    """The URLs a tab's placeholders fetch: when it is opened (hx-trigger="tz-dash-show from:#panel-KEY once"), or
    at once when it is the open tab (hx-trigger="load", URLs carrying tab=KEY), in the page's order."""
    out = []
    for url, trigger in re.findall(r'hx-get="([^"]+)"[^>]*hx-trigger="([^"]+)"', html):
        url = url.replace("&amp;", "&")
        if trigger == f"tz-dash-show from:#panel-{key} once" or (trigger == "load" and f"tab={key}" in url):
            out.append(url)
    return out


def replay_visit(
    client: Any, params: dict[str, str], n: int, cold: bool, shapes: int, slowest: int = 0
) -> dict[str, Any]:
    """A browser's visit, replayed: GET the page, then each URL it loads at once, in the order the page names them
    (a browser sends them in parallel; the sum is the server time a visit costs). Besides the wall time, the CPU
    time of this process (on SQLite the whole server's work; on PostgreSQL without the database server's share)
    is printed, for the visit and for each request: on a busy machine it varies less than the wall time. With
    `tab` in `params` the visit lands on that tab, and the tab's own requests (everything but the page) are summed
    too: what opening it costs.
    Returns the figures of the visit (queries and p50/p95 of the sums) for a table of tabs."""
    from collections import Counter

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    page = reverse("ledger:dashboard")
    # warm-up: imports, templates (the tiles' and cards' too: compiled on first use, 100+ ms of CPU), connection
    for url in on_load_urls(client.get(page, params).content.decode()):
        client.get(url)
    rows: dict[str, list[float]] = {}
    queries: dict[str, int] = {}
    sums: list[float] = []
    tab_sums: list[float] = []
    cpu: list[float] = []
    shape_count: Counter[str] = Counter()
    shape_ms: dict[str, float] = {}
    part_cpu: dict[str, list[float]] = {}
    slow: list[tuple[float, str, str]] = []
    for i in range(n):
        if cold:
            cache.clear()
        total = 0.0
        cpu_start = time.process_time()
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            response = client.get(page, params)
            ms = (time.perf_counter() - t) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{page} → HTTP {response.status_code}")
        part_cpu.setdefault("page", []).append((time.process_time() - cpu_start) * 1000)
        requests = [("page", ms, ctx.captured_queries)]
        urls = on_load_urls(response.content.decode())
        if params.get("tab"):
            opened = tab_urls(response.content.decode(), params["tab"])
            if sorted(opened) != sorted(urls):
                raise SystemExit(f"tab {params['tab']}: the page loads {urls}, the tab names {opened}")
        for url in urls:
            part_start = time.process_time()
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                got = client.get(url)
                ms = (time.perf_counter() - t) * 1000
            if got.status_code != 200:
                raise SystemExit(f"{url} → HTTP {got.status_code}")
            part_cpu.setdefault(url.split("?")[0], []).append((time.process_time() - part_start) * 1000)
            requests.append((url.split("?")[0], ms, ctx.captured_queries))
        for label, ms, captured in requests:
            rows.setdefault(label, []).append(ms)
            queries[label] = len(captured)
            total += ms
            if i == 0:
                for q in captured:
                    shape = f"{label:<28} {sql_shape(q['sql'])[:200]}"
                    shape_count[shape] += 1
                    shape_ms[shape] = shape_ms.get(shape, 0.0) + float(q["time"]) * 1000
                    slow.append((float(q["time"]) * 1000, label, q["sql"]))
        sums.append(total)
        tab_sums.append(total - requests[0][1])
        cpu.append((time.process_time() - cpu_start) * 1000)
    for label, samples in rows.items():
        print(f"{label:<30} {percentiles(samples)}  {queries[label]:3d} queries")
        print(f"{'  CPU time of the process':<30} {percentiles(part_cpu[label])}")
    state = "cold cache" if cold else "warm cache after the first visit"
    visit_queries = sum(queries.values())
    tab_queries = visit_queries - queries["page"]
    if params.get("tab"):
        print(f"{'tab opened (its requests)':<30} {percentiles(tab_sums)}  {tab_queries} queries ({state})")
    print(f"{'visit (sum of requests)':<30} {percentiles(sums)}  {visit_queries} queries ({state})")
    print(f"{'visit, CPU time of the process':<30} {percentiles(cpu)}")
    for shape, count in shape_count.most_common(shapes):
        print(f"{count:4d} × {shape_ms[shape]:7.1f} ms  {shape}")
    for ms, label, sql in sorted(slow, reverse=True)[:slowest]:
        print(f"slowest: {ms:7.1f} ms  {label}  {sql}")
    return {
        "queries": visit_queries,
        "parts": "+".join(str(q) for q in queries.values()),
        "tab_queries": tab_queries,
        "visit": sorted(sums),
        "tab": sorted(tab_sums),
        "cpu": sorted(cpu),
    }


def profile_visit(client: Any, params: dict[str, str], k: int) -> None:
    """One cold visit under cProfile (after a warm-up visit): the K functions of most own time and of most
    cumulative time, to see where the Python part of a visit goes."""
    import cProfile
    import pstats

    from django.core.cache import cache
    from django.urls import reverse

    page = reverse("ledger:dashboard")
    for url in on_load_urls(client.get(page, params).content.decode()):
        client.get(url)
    cache.clear()
    profiler = cProfile.Profile()
    profiler.enable()
    for url in on_load_urls(client.get(page, params).content.decode()):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler)
    for order in ("tottime", "cumulative"):
        print(f"--- profile of one cold visit, by {order}")
        stats.sort_stats(order).print_stats(k)
    print("--- the project's own functions, by cumulative time")
    stats.sort_stats("cumulative").print_stats("taizhang/", k)


def tab_table(results: dict[str, dict[str, Any]]) -> None:
    """One line per tab: the visit landing on it (page + its requests) and the tab opened after the shell."""
    import statistics

    def p(samples: list[float], q: float) -> float:
        return samples[min(len(samples) - 1, round(q * (len(samples) - 1)))]

    print(
        f"\n{'tab':<10} {'visit queries':>18} {'tab queries':>12} {'visit p50/p95 ms':>18} "
        f"{'tab p50/p95 ms':>16} {'CPU p50 ms':>11}"
    )
    for key, r in results.items():
        print(
            f"{key:<10} {r['queries']:>4} ({r['parts']:>11}) {r['tab_queries']:>12} "
            f"{statistics.median(r['visit']):>8.0f} / {p(r['visit'], 0.95):>6.0f} "
            f"{statistics.median(r['tab']):>7.0f} / {p(r['tab'], 0.95):>6.0f} {statistics.median(r['cpu']):>11.0f}"
        )


def check_tabs(user: Any, unit: str, period: str) -> None:
    """Every tab's cards and tiles, built as its requests build them, against `compute()` asked for each figure
    alone: values, counts and the ids of computed metrics (provider rows), for this period and last year's, and
    the headline charts' rows (by child unit, by month: key, value, count) against `compute(by=...)`."""
    from datetime import date

    from django.utils import timezone

    from taizhang.core.periods import parse_period
    from taizhang.ledger import dashboard, providers
    from taizhang.ledger.dashboard_batch import kpi_figures, line_cards
    from taizhang.ledger.figures import compute
    from taizhang.org.models import Unit

    root = Unit.objects.get(code=unit)
    today: date = timezone.localdate()
    scope = dashboard.make_scope(root, parse_period(period), user=user, today=today)
    checked = breakdowns = 0
    for tab in dashboard.tabs_of(dashboard.lines_with_metrics()):
        with providers.memo():
            figures = [f for card in line_cards(scope, tab.infos) for f in card.figures]
            figures += kpi_figures(scope, tab.infos)
        for fig in figures:
            for result, p in ((fig.current, scope.period), (fig.previous, scope.compare)):
                alone = compute(fig.metric, period=p, unit=root, user=user)
                if (result.value, result.count) != (alone.value, alone.count) or (
                    fig.metric.source == "computed" and sorted(result.records) != sorted(alone.records)
                ):
                    raise SystemExit(f"{tab.key} {fig.metric.key} {p.spec}: {result.value} ≠ {alone.value}")
                checked += 1
                if result.by:  # the headline's chart: by child unit (this period) or by month (last year's)
                    alone = compute(fig.metric, period=p, unit=root, user=user, by=result.by)
                    got = [(r.key, r.value, r.count) for r in result.breakdown]
                    want = [(r.key, r.value, r.count) for r in alone.breakdown]
                    if got != want:
                        raise SystemExit(f"{tab.key} {fig.metric.key} {p.spec} by {result.by}: {got} ≠ {want}")
                    breakdowns += 1
    print(
        f"check: {checked} figures of every tab ({scope.period.spec} against {scope.compare.spec}) equal "
        f"compute() alone, ids of computed metrics included; {breakdowns} charts' rows (by unit, by month) too"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=5)
    parser.add_argument("--period", default="")
    parser.add_argument("--unit", default="")
    parser.add_argument("--detail", action="store_true")
    parser.add_argument("--lines", default="")
    parser.add_argument("--cold", action="store_true", help="clear the cache before every rendering")
    parser.add_argument("--each-card", action="store_true", help="also each line's card fragment on its own")
    parser.add_argument(
        "--visit",
        action="store_true",
        help="replay a browser's visit: the page and the URLs it loads at once (hx-trigger=load)",
    )
    parser.add_argument("--shapes", type=int, default=0, help="with --visit: print the K most frequent SQL shapes")
    parser.add_argument(
        "--slowest", type=int, default=0, help="with --visit: the K slowest SQL statements of the first visit, in full"
    )
    parser.add_argument("--tab", default="", help="with --visit: land on this tab (?tab=KEY)")
    parser.add_argument("--all-tabs", action="store_true", help="with --visit: every tab in turn, then a table")
    parser.add_argument("--check", action="store_true", help="every tab's figures against compute() alone")
    parser.add_argument(
        "--per-unit-summary",
        action="store_true",
        help="read the units' monthly summary rows even for the whole tree (the path before migration ledger/0009)",
    )
    parser.add_argument(
        "--profile", type=int, default=0, help="with --visit: cProfile of one cold visit, the K costliest functions"
    )
    args = parser.parse_args()
    setup_django("figures.sqlite3")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    import taizhang.wsgi  # noqa: F401 - what the server does at start (`freeze_loaded`: the collector skips Django)
    from taizhang.ledger.dashboard import lines_with_metrics
    from taizhang.ledger.models import Record
    from taizhang.org.models import Unit

    if args.per_unit_summary:
        from taizhang.ledger import summary

        summary.USE_WHOLE_TREE = False
    call_command("migrate", verbosity=0)  # the schema the code expects (adds nothing to a current database)
    call_command("createcachetable", verbosity=0)  # the dashboard caches figures (what `taizhang setup` makes)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    user = bench_user()
    client = Client()
    client.force_login(user)
    period = args.period or latest_year()
    unit = args.unit or Unit.objects.filter(parent__isnull=True).order_by("id").values_list("code", flat=True)[0]
    params = {"period": period, "unit": unit}
    infos = lines_with_metrics()
    if args.lines:
        wanted = set(args.lines.split(","))
        infos = [i for i in infos if i.line.key in wanted]
    print(
        f"database: {connection.vendor} {settings.DATABASES['default']['NAME']}; records: "
        f"{Record.objects.count():,}; units: {Unit.objects.count():,}; period {period}; unit {unit}; n={args.n}"
    )
    if args.check:
        check_tabs(user, unit, period)
        if not args.visit:
            return
    if args.visit:
        from taizhang.ledger.dashboard import tabs_of

        keys = [t.key for t in tabs_of(infos)] if args.all_tabs else [args.tab] if args.tab else [""]
        if args.profile:
            for key in keys:
                profile_visit(client, {**params, "tab": key} if key else params, args.profile)
            return
        results = {}
        for key in keys:
            if key:
                print(f"--- tab {key}")
            results[key or "(open)"] = replay_visit(
                client, {**params, "tab": key} if key else params, args.n, args.cold, args.shapes, args.slowest
            )
        if len(results) > 1:
            tab_table(results)
        return

    from taizhang.ledger.dashboard import tabs_of

    tabs = tabs_of(infos)
    # what a browser fetches: the shell, then the open (first) tab's tiles and cards; another tab's when opened
    pages: list[tuple[str, str, dict[str, str]]] = [("dashboard (page shell)", reverse("ledger:dashboard"), {})]
    for i, tab in enumerate(tabs):
        extra = {"tab": tab.key}
        prefix = "visit" if i == 0 else "tab"
        pages += [
            (f"{prefix} {tab.key} tiles", reverse("ledger:dashboard_tiles"), extra),
            (f"{prefix} {tab.key} cards", reverse("ledger:dashboard_cards"), extra),
        ]
    if args.each_card:  # the per-line card fragments (the line pages' and no-JS fallback's path)
        pages += [(f"card {i.line.key}", reverse("ledger:dashboard_card", args=[i.line.key]), {}) for i in infos]
    if args.detail:
        pages += [(f"line {i.line.key}", reverse("ledger:dashboard_line", args=[i.line.key]), {}) for i in infos]
    for _label, url, extra in pages[:1]:
        timed(client, url, {**params, **extra})  # warm-up: imports, templates, connection

    totals: list[float] = [0.0] * args.n  # the page plus every card: what scrolling through the whole page costs
    card_samples: list[float] = []
    from django.core.cache import cache

    visit_queries = all_queries = 0
    visit = [0.0] * args.n  # the page and the open tab's tiles and cards: one browser visit
    for label, url, extra in pages:
        samples: list[float] = []
        queries = size = 0
        for i in range(args.n):
            if args.cold:
                cache.clear()  # every rendering computes (a first visit after a ledger change)
            ms, queries, size = timed(client, url, {**params, **extra})
            samples.append(ms)
            if label.startswith(("dashboard", "visit")):
                visit[i] += ms
            if not label.startswith(("line ", "card ")):
                totals[i] += ms
        if label.startswith("card"):
            card_samples += samples
        if not label.startswith(("line ", "card ")):
            all_queries += queries
        if label.startswith(("dashboard", "visit")):
            visit_queries += queries
        print(f"{label:<30} {percentiles(samples)}  {queries:3d} queries  {size / 1024:6.0f} kB")
    if card_samples:
        print(f"{'each card on its own':<30} {percentiles(card_samples)}")
    state = "cold cache" if args.cold else "warm cache after the first rendering"
    print(f"{'visit: page + open tab (sum)':<30} {percentiles(visit)}  {visit_queries} queries ({state})")
    print(f"{'page + every tab (sum)':<30} {percentiles(totals)}  {all_queries} queries ({state})")


if __name__ == "__main__":
    main()
