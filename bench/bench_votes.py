"""Benchmark of the public vote: a burst of 20,000 votes in 10 minutes (simulated clock), then detection and the
daily publication; checks that nothing is lost or double counted.

Usage (run by hand):
    .venv/bin/python bench/bench_votes.py                                   # SQLite file bench/var/votes.sqlite3
    .venv/bin/python bench/bench_votes.py --database-url postgres://postgres@127.0.0.1:5432/tz_bench_votes
Options: --votes N (default 20,000), --minutes M (default 10), --brushing N (of those, bought votes from 3
addresses in 2 minutes; default 2,000: past 500 a day per address the rest are refused), --repeat-share F (share
of voters who try a second ballot the same day and must be refused; default 0.02),
--threads N (concurrent voters; default 1), --options N (candidates; default 10).

Each vote goes through `votes.actions.cast_ballot` (the action the public page calls: limits, the ballot row with
its unique (poll, person, day, n), the vote row, the audit-log row), with the vote's simulated time passed in.
Prints the wall-clock p50/p95/max per vote, the total, the detection run's time and what it wiped, then checks:
ballots = accepted, votes = accepted (one choice each), valid + wiped = cast, per-option received = what the
voters sent, the published total = valid votes before the cutoff, no (poll, person, day, n) twice.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import threading
import time
from collections import Counter

from _setup import ROOT, percentiles, setup_django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--votes", type=int, default=20_000)
    parser.add_argument("--minutes", type=int, default=10)
    parser.add_argument("--brushing", type=int, default=2_000)
    parser.add_argument("--repeat-share", type=float, default=0.02)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--options", type=int, default=10)
    args = parser.parse_args()
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("TAIZHANG_JOBS_EAGER", "true")
    (ROOT / "bench" / "var").mkdir(parents=True, exist_ok=True)
    setup_django("votes.sqlite3")

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from taizhang.core.errors import InvalidInput
    from taizhang.org.models import Unit
    from taizhang.votes import actions
    from taizhang.votes.identity import address_digest, device_digest, voter_key
    from taizhang.votes.models import Ballot, Vote

    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    root = Unit.objects.filter(parent__isnull=True).order_by("sort_order", "id").first()
    if root is None:
        root = Unit.objects.create(code="VTB", name="基准区委宣传部", kind="district", path="", depth=0)
        root.path = f"/{root.pk}/"
        root.save(update_fields=["path"])
    candidates = []
    for i in range(args.options):
        unit, _ = Unit.objects.get_or_create(code=f"VTB{i:02d}", defaults={
            "name": f"候选单位{i + 1}", "kind": "community", "parent": root, "depth": 1})
        if not unit.path:
            unit.path = f"{root.path}{unit.pk}/"
            unit.save(update_fields=["path"])
        candidates.append(unit)

    # The vote opened yesterday; the burst happens today between 10:00 and 10:M0 (simulated), counts are published
    # tomorrow at 00:30.
    run_tag = f"{int(time.time())}"
    today = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time(10)))
    poll = actions.open_poll(acting_user=None, code=f"BENCH-{run_tag}", title="基准投票", subject=root,
                             options=[(u, u.name) for u in candidates], opens_at=start - datetime.timedelta(days=1),
                             closes_at=start + datetime.timedelta(days=10), votes_per_day=1, max_choices=1)
    options = list(poll.options.order_by("order").values_list("pk", flat=True))
    rng = random.Random(7)
    span = args.minutes * 60
    normal = args.votes - args.brushing
    plan: list[tuple[float, str, str, str, int]] = []  # (offset s, voter, address, device, option)
    for i in range(normal):
        plan.append((rng.uniform(0, span), f"n{i}", f"10.{rng.randrange(40)}.{rng.randrange(250)}.9", f"dev-n{i}",
                     rng.choice(options)))
    bought = options[-1]
    for i in range(args.brushing):
        plan.append((span / 2 + 120 * i / max(1, args.brushing), f"b{i}", f"203.0.113.{i % 3 + 1}", f"dev-b{i}",
                     bought))
    repeats = [(off + rng.uniform(1, 30), voter, addr, dev, rng.choice(options))
               for off, voter, addr, dev, _o in rng.sample(plan[:normal], int(normal * args.repeat_share))]
    plan.extend(repeats)
    plan.sort()
    keys = {v: voter_key(f"{run_tag}-{v}") for _o, v, *_ in plan}
    print(f"plan: {args.votes:,} votes in {args.minutes} min simulated ({args.brushing:,} bought from 3 addresses "
          f"in 2 min) + {len(repeats):,} second attempts that must be refused; {args.threads} thread(s)")

    timings: list[float] = []
    accepted: Counter[int] = Counter()
    refused: Counter[str] = Counter()
    lock = threading.Lock()
    queue = iter(plan)

    def worker() -> None:
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            off, voter, addr, dev, option = item
            t0 = time.perf_counter()
            try:
                actions.cast_ballot(poll=poll, voter_key=keys[voter], option_ids=[option],
                                    address_hash=address_digest(addr), device_hash=device_digest(dev),
                                    now=start + datetime.timedelta(seconds=off))
                ok = True
            except InvalidInput as exc:
                ok = False
                reason = exc.message
            ms = (time.perf_counter() - t0) * 1000
            with lock:
                timings.append(ms)
                if ok:
                    accepted[option] += 1
                else:
                    refused[reason[:20]] += 1
        connection.close()

    t_all = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total_s = time.perf_counter() - t_all
    cast = sum(accepted.values())
    print(f"cast_ballot: {percentiles(timings)}; total {total_s:.1f} s "
          f"({cast / total_s:.0f} accepted ballots/s); accepted {cast:,}, refused {sum(refused.values()):,} "
          f"{dict(refused)}")

    t0 = time.perf_counter()
    run = actions.detect(acting_user=None, poll=poll, now=start + datetime.timedelta(minutes=args.minutes + 1))
    detect_s = time.perf_counter() - t0
    print(f"detection: {detect_s:.2f} s over {run.examined:,} votes, wiped {run.wiped:,} "
          f"{ {r['rule']: r['wiped'] for r in run.results} }")
    t0 = time.perf_counter()
    pub = actions.publish_counts(acting_user=None, poll=poll,
                                 now=timezone.make_aware(datetime.datetime.combine(
                                     today + datetime.timedelta(days=1), datetime.time(0, 30))))
    print(f"publication: {(time.perf_counter() - t0) * 1000:.0f} ms, published total "
          f"{pub.total if pub else '—'}")

    summary = actions.audit_summary(poll)
    problems = []
    n_ballots = Ballot.objects.filter(poll=poll).count()
    n_votes = Vote.objects.filter(poll=poll).count()
    if n_ballots != cast or n_votes != cast:
        problems.append(f"ballots {n_ballots} / votes {n_votes} != accepted {cast}")
    if summary["valid"] + summary["wiped"] != n_votes or summary["received"] != n_votes:
        problems.append(f"valid {summary['valid']} + wiped {summary['wiped']} != cast {n_votes}")
    per_option = {o["option"]: o["received"] for o in summary["options"]}
    if per_option != {o: accepted.get(o, 0) for o in options}:
        problems.append(f"per-option received {per_option} != sent {dict(accepted)}")
    if any(o["valid"] + o["wiped"] != o["received"] for o in summary["options"]):
        problems.append("an option's valid + wiped != received")
    if pub is None or pub.total != summary["valid"]:
        problems.append(f"published total {pub.total if pub else None} != valid {summary['valid']}")
    dupes = (Ballot.objects.filter(poll=poll).values("voter_key", "day", "n").order_by()
             .annotate(c=Count("id")).filter(c__gt=1).count())
    if dupes:
        problems.append(f"{dupes} (person, day, n) twice")
    limit_refusals = sum(n for reason, n in refused.items() if "次数已用完" in reason)
    if limit_refusals != len(repeats):
        problems.append(f"refused as over the daily limit {limit_refusals} != second attempts {len(repeats)}")
    print(f"checks: cast {n_votes:,} = valid {summary['valid']:,} + wiped {summary['wiped']:,}; "
          f"per-option sums equal what was sent; published total {pub.total if pub else '—'}")
    if problems:
        print("PROBLEMS:\n  " + "\n  ".join(problems))
        return 1
    print("OK: nothing lost, nothing double counted")
    return 0


if __name__ == "__main__":
    sys.exit(main())
