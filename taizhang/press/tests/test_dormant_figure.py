"""长期未更新账号 (newmedia_dormant): the 14-day rule on the period's end, or on today while the period runs (the same
day the account register flags its accounts), and a dashboard drill-down listing exactly the dormant accounts."""

from __future__ import annotations

import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone

from taizhang.core.periods import parse_period
from taizhang.core.testing import make_user
from taizhang.ledger.figures import compute
from taizhang.press.models import AccountStat
from taizhang.press.tests.conftest import World, open_account

DAY = datetime.timedelta(days=1)


def _accounts(world: World, today: datetime.date) -> dict[str, Any]:
    a, b = world.tree.street_a, world.tree.street_b
    opened = today - 400 * DAY
    return {
        "fresh": open_account(world, a, "wechat", "东城发布", opened=opened, last_post=today - 2 * DAY),
        "warned": open_account(world, a, "weibo", "东城微博", opened=opened, last_post=today - 9 * DAY),
        "old": open_account(world, b, "wechat", "西城发布", opened=opened, last_post=today - 40 * DAY),
        "never": open_account(world, b, "weibo", "西城微博", opened=today - 30 * DAY, last_post=None),
    }


def test_running_period_counts_only_accounts_quiet_for_14_days_up_to_today(world: World, client: Any) -> None:
    today = timezone.localdate()
    acc = _accounts(world, today)
    # a period still running, ending 30 days from now (as a running year does for most of the year)
    year = parse_period(f"{(today - 60 * DAY).isoformat()}..{(today + 30 * DAY).isoformat()}")
    result = compute("newmedia_dormant", period=year, unit=world.tree.district)
    # before: the period's end (in the future) was the day of the rule, so every running account counted (4)
    assert result.records == sorted([acc["old"].pk, acc["never"].pk]) and result.value == 2

    # the register flags the same accounts as 长期未更新 today
    client.force_login(world.staff)
    page = client.get("/press/accounts/")
    flags = {row["account"].pk: row["flag"] for row in page.context["rows"]}
    assert sorted(pk for pk, flag in flags.items() if flag == "dormant") == result.records

    # the dashboard's drill-down opens the account list of exactly those accounts
    viewer = make_user("staff", world.tree.district, username="dash_staff")
    client.force_login(viewer)
    opened = client.get("/ledger/dashboard/records/",
                        {"metric": "newmedia_dormant", "period": year.spec, "unit": world.tree.district.code})
    assert opened.status_code == 302
    target = urlsplit(opened["Location"])
    assert target.path == "/press/accounts/"
    assert [int(i) for i in parse_qs(target.query)["ids"][0].split(",")] == result.records
    listed = client.get(opened["Location"])
    assert sorted(row["account"].pk for row in listed.context["rows"]) == result.records


def test_past_period_uses_the_last_post_reported_by_then(world: World) -> None:
    today = timezone.localdate()
    acc = _accounts(world, today)
    day = today - 100 * DAY
    past = parse_period(f"{(day - 20 * DAY).isoformat()}..{day.isoformat()}")
    # "fresh" posted 3 days before the period's end, "warned" 30 days before; "old" has no statistics then
    for account, last in ((acc["fresh"], day - 3 * DAY), (acc["warned"], day - 30 * DAY)):
        AccountStat.objects.create(account=account, period_start=day - 6 * DAY, period_end=day, posts=1,
                                   last_post_date=last)
    result = compute("newmedia_dormant", period=past, unit=world.tree.district)
    # "old" last posted 40 days ago (after the period) and no statistics say how quiet it was then: not counted;
    # "never" was not open yet
    assert result.records == [acc["warned"].pk]
