"""Study statistics: import with bad rows and unknown groups, rates by hand, figures, the bulletin (no ranking
unless asked, then with the warning) and check-report on it, pages and scoping."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.testing import make_user
from taizhang.study import actions, bulletin
from taizhang.study.models import StudyWeek
from taizhang.study.stats import RANKING_WARNING, rates_by_unit, totals

D = datetime.date
WEEK = D(2026, 11, 16)  # a Monday


def _csv(rows: list[str]) -> bytes:
    return ("组织名称,学员数,活跃学员数,积分\n" + "\n".join(rows) + "\n").encode()


@pytest.fixture
def groups(taxonomy: Any, tree: Any) -> dict[str, Any]:
    staff = make_user("staff", tree.district, username="s_staff")
    actions.map_group(acting_user=staff, name="东一社区支部", unit=tree.community_a1, headcount=50)
    actions.map_group(acting_user=staff, name="东二社区支部", unit=tree.community_a2, headcount=30)
    actions.map_group(acting_user=staff, name="西城街道机关", unit=tree.street_b, headcount=100)
    return {"tree": tree, "staff": staff}


def test_import_and_rates_by_hand(groups: dict[str, Any]) -> None:
    tree, staff = groups["tree"], groups["staff"]
    result = actions.import_week(_csv(["东一社区支部,45,30,3600", "东二社区支部,27,9,900", "西城街道机关,80,64,9600"]),
                                 "w.csv", week=D(2026, 11, 18), acting_user=staff, owner=tree.district)
    assert result.week == WEEK and result.created == 3
    rates = rates_by_unit(WEEK, [tree.street_a, tree.street_b, tree.district])
    street_a = rates[tree.street_a.pk]
    assert (street_a.headcount, street_a.registered, street_a.active) == (80, 72, 39)
    assert street_a.registration_rate == Decimal("90.0")  # 72 / 80
    assert street_a.active_rate == Decimal("54.2")  # 39 / 72
    assert street_a.average_points == Decimal("62.5")  # 4500 / 72
    assert rates[tree.district.pk].registration_rate == Decimal("84.4")  # 152 / 180
    again = actions.import_week(_csv(["东一社区支部,46,31,3700"]), "w.csv", week=WEEK, acting_user=staff,
                                owner=tree.district)
    assert (again.created, again.updated) == (0, 1)
    assert StudyWeek.objects.count() == 3


def test_bad_rows_and_unknown_groups_write_nothing(groups: dict[str, Any]) -> None:
    staff, tree = groups["staff"], groups["tree"]
    data = _csv(["东一社区支部,45,50,3600", "东二社区支部,二十,9,900", "不认识的组织,10,5,100", "东一社区支部,1,1,1"])
    with pytest.raises(InvalidInput) as exc:
        actions.import_week(data, "w.csv", week=WEEK, acting_user=staff, owner=tree.district)
    text = exc.value.message
    assert "第 2 行“活跃学员数”：大于学员数" in text and "第 3 行“学员数”" in text
    assert "不认识的组织" in text and "尚未对应单位" in text
    assert StudyWeek.objects.count() == 0
    with pytest.raises(InvalidInput, match="缺少列"):
        actions.import_week(b"a,b\n1,2\n", "w.csv", week=WEEK, acting_user=staff, owner=tree.district)
    with pytest.raises(InvalidInput, match="xlsx 或 csv"):
        actions.import_week(b"x", "w.pdf", week=WEEK, acting_user=staff, owner=tree.district)
    liaison = make_user("liaison", tree.street_a, username="s_liaison")
    with pytest.raises(NotPermitted):
        actions.map_group(acting_user=liaison, name="x", unit=tree.street_a, headcount=3)


def test_figures_and_the_bulletin_with_and_without_ranking(groups: dict[str, Any]) -> None:
    from taizhang.core.periods import parse_period
    from taizhang.ledger.figures import compute
    from taizhang.reports.checker import check_document

    tree, staff = groups["tree"], groups["staff"]
    actions.import_week(_csv(["东一社区支部,40,20,2000", "东二社区支部,30,15,1500", "西城街道机关,90,45,4500"]),
                        "w.csv", week=WEEK - datetime.timedelta(days=7), acting_user=staff, owner=tree.district)
    actions.import_week(_csv(["东一社区支部,45,30,3600", "东二社区支部,27,9,900", "西城街道机关,80,64,9600"]),
                        "w.csv", week=WEEK, acting_user=staff, owner=tree.district)
    month = parse_period("2026-11")
    assert compute("study_registration_rate", period=month, unit="SA").value == Decimal("90.0")
    assert compute("study_learners", period=month, unit="D").value == 152
    assert len(compute("study_active_rate", period=month, unit="D").records) == 3
    doc = bulletin.weekly_bulletin(tree.district, WEEK, issued_on=D(2026, 11, 24))
    text = doc.plain_text()
    assert RANKING_WARNING not in text and "排序" not in text
    report = check_document(doc)
    assert report.ok, report.lines()
    ranked = bulletin.weekly_bulletin(tree.district, WEEK, issued_on=D(2026, 11, 24), ranking=True)
    assert RANKING_WARNING in ranked.plain_text()
    StudyWeek.objects.filter(group__name="西城街道机关", week_start=WEEK).update(active=10)
    assert not check_document(doc).ok  # a changed export no longer matches the bulletin
    assert totals(WEEK, None).active == 49


def test_pages(groups: dict[str, Any]) -> None:
    tree, staff = groups["tree"], groups["staff"]
    actions.import_week(_csv(["东一社区支部,45,30,3600"]), "w.csv", week=WEEK, acting_user=staff,
                        owner=tree.district)
    client = Client()
    client.force_login(staff)
    page = client.get(reverse("study:week_list")).content.decode()
    assert ("东城街道" in page and "90.0%" not in page) or "注册率" in page
    assert client.get(reverse("study:week_import")).status_code == 200
    response = client.post(reverse("study:week_bulletin"), {"week": WEEK.isoformat()})
    assert response.status_code == 200 and response.content[:2] == b"PK"
    viewer = make_user("viewer", tree.street_b, username="s_viewer")
    other = Client()
    other.force_login(viewer)
    assert other.get(reverse("study:week_list")).status_code == 200
    assert other.get(reverse("study:week_import")).status_code == 403
    assert other.get(reverse("study:week_list") + "?week=bad").status_code == 200


def test_study_demo(taxonomy: Any) -> None:
    import random

    from django.db import transaction

    from taizhang.core.demo import DemoContext
    from taizhang.org import demo as org_demo
    from taizhang.study import demo

    ctx = DemoContext(seed=1, today=D(2026, 11, 20), rng=random.Random(1))
    with transaction.atomic():
        org_demo.build(ctx)
        demo.build(ctx)
    weeks = set(StudyWeek.objects.values_list("week_start", flat=True))
    assert len(weeks) == 9 and all(w.weekday() == 0 for w in weeks)
    assert all(w.active <= w.registered <= w.group.headcount for w in StudyWeek.objects.select_related("group"))
