"""Demo data: a public vote simulated day by day. The honours demo opens the poll (its campaign) and calls
`simulate_public_vote`; this app's own `build` adds nothing (a poll needs a subject another app owns).

The helpers `cast_spread` (a normal day) and `cast_burst` (a planted brushing burst) are shared with the tests and
bench/bench_votes.py.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from taizhang.core.errors import TaizhangError
from taizhang.core.text import quoted
from taizhang.votes import actions
from taizhang.votes.identity import address_digest, device_digest, voter_key
from taizhang.votes.models import Option, Poll


def fake_phone(n: int, prefix: str = "139") -> str:
    return f"{prefix}{n % 100_000_000:08d}"


def cast_spread(poll: Poll, day: datetime.date, count: int, rng: random.Random, *, addresses: int = 400,
                start_hour: int = 7, end_hour: int = 23, person_offset: int = 0,
                weights: list[float] | None = None) -> int:
    """`count` people each cast one ballot at a random time of `day` from one of `addresses` addresses (homes,
    phones) with their own device: a normal day. Returns the ballots cast (refusals are skipped)."""
    options = list(poll.options.order_by("order", "id"))
    base = timezone.make_aware(datetime.datetime.combine(day, datetime.time(start_hour)))
    span = (end_hour - start_hour) * 3600
    times = sorted(rng.uniform(0, span) for _ in range(count))
    cast = 0
    for i, offset in enumerate(times):
        person = person_offset + i
        chosen = rng.choices(options, weights=weights or [1.0] * len(options),
                             k=min(poll.max_choices, len(options)))
        a = rng.randrange(addresses)
        try:
            actions.cast_ballot(poll=poll, voter_key=voter_key(fake_phone(person)),
                                option_ids=sorted({o.pk for o in chosen}),
                                address_hash=address_digest(f"10.{a // 250}.{a % 250}.7"),
                                device_hash=device_digest(f"device-{person:012d}"),
                                now=base + datetime.timedelta(seconds=offset))
        except TaizhangError:  # a refused ballot (a limit) is part of a realistic day
            pass
        else:
            cast += 1
    return cast


def cast_burst(poll: Poll, option: Option, start: datetime.datetime, *, count: int = 1000, addresses: int = 3,
               seconds: int = 120, person_offset: int = 50_000_000) -> int:
    """A planted brushing burst (刷票): `count` bought votes for `option` from `addresses` addresses within
    `seconds`, evenly spaced as a script sends them, each from a different (bought) phone number and device."""
    cast = 0
    for i in range(count):
        at = start + datetime.timedelta(seconds=seconds * i / count)
        actions.cast_ballot(poll=poll, voter_key=voter_key(fake_phone(person_offset + i, "170")),
                            option_ids=[option.pk], address_hash=address_digest(f"203.0.113.{i % addresses + 1}"),
                            device_hash=device_digest(f"farm-{person_offset + i:012d}"), now=at)
        cast += 1
    return cast


def simulate_public_vote(ctx: Any, poll: Poll, *, days: int = 5, burst: bool = True) -> None:
    """Normal votes day by day from the poll's opening (never past today or the close), a planted brushing burst
    on the second day, a detection run after each day and the daily publication the next morning."""
    rng: random.Random = getattr(ctx, "rng", None) or random.Random(2024)
    now = timezone.now()
    first = timezone.localdate(poll.opens_at)
    options = list(poll.options.order_by("order", "id"))
    weights = [rng.uniform(1, 3) for _ in options]
    person = 0
    burst_done = not burst
    for d in range(days):
        day = first + datetime.timedelta(days=d)
        end = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59)))
        if end > now or end > poll.closes_at:
            break
        start_hour = max(7, timezone.localtime(poll.opens_at).hour + 1) if d == 0 else 7
        n = rng.randint(60, 120)
        cast_spread(poll, day, n, rng, start_hour=min(start_hour, 22), person_offset=person, weights=weights)
        person += n
        if not burst_done and (d >= 1 or days == 1) and options:
            target = options[-1]
            cast_burst(poll, target, timezone.make_aware(datetime.datetime.combine(day, datetime.time(21, 13))))
            burst_done = True
            if hasattr(ctx, "log"):
                ctx.log(f"公众投票{quoted(poll.title)}：{day:%m-%d} 21:13 植入刷票 1000 票（3个网络地址，2分钟）")
        actions.detect(acting_user=None, poll=poll, trigger="demo", now=end)
        actions.publish_counts(acting_user=None, poll=poll, now=end + datetime.timedelta(minutes=31))
    if hasattr(ctx, "log"):
        s = actions.audit_summary(poll)
        ctx.log(f"公众投票{quoted(poll.title)}：共 {s['received']} 票，有效 {s['valid']} 票，作废 {s['wiped']} 票；"
                f"命令 taizhang votes audit {poll.code} 查看明细")


def build(ctx: Any) -> None:
    """Nothing of its own: the honours demo opens its campaign's poll and calls simulate_public_vote."""
