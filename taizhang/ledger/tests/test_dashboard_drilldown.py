"""Drill-down (数字溯源): a tile's or a card's link lists exactly the records behind its number, also beyond
DRILL_IDS_MAX records (the demo's 文明实践活动场次 239 opened a list of 240: the line's filter, holding a 实践站
record that carries another metric)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from taizhang.core.periods import parse_period
from taizhang.core.testing import PASSWORD, make_record, make_user
from taizhang.ledger import dashboard
from taizhang.ledger.figures import compute

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def _rows_behind(client: Any, url: str) -> tuple[str, int]:
    """Where a figure's link leads and how many records that list holds."""
    response = client.get(url)
    assert response.status_code == 302, url
    location: str = response["Location"]
    listed = client.get(location)
    assert listed.status_code == 200
    return location, listed.context["page"].paginator.count


@pytest.mark.parametrize("metric", ["practice_activities", "practice_participants"])
def test_link_lists_as_many_records_as_the_figure_counts(
    client: Any, taxonomy: Any, tree: Any, monkeypatch: Any, metric: str
) -> None:
    monkeypatch.setattr(dashboard, "DRILL_IDS_MAX", 2)  # the demo's 239 > 200, at a test's scale
    for i, (unit, kind) in enumerate([(tree.community_a1, "practice_activity"), (tree.community_a2,
                                      "practice_activity"), (tree.street_b, "practice_activity")]):
        make_record(unit, kind, {"practice_participants": 40 + i}, day=D(2024, 3 + i, 5))
    make_record(tree.street_a, "practice_site", {"practice_sites_built": 1}, day=D(2024, 6, 1))
    user = make_user("viewer", tree.district)
    client.login(username=user.username, password=PASSWORD)
    figure = compute(metric, period=parse_period("2024"), unit="D")
    assert figure.count == 3

    tile = client.get("/ledger/dashboard/kpi/practice/", {"period": "2024", "unit": "D"}).context["fig"]
    card = client.get("/ledger/dashboard/card/practice/", {"period": "2024", "unit": "D"}).context["card"]
    shown = next(f for f in card.figures if f.metric.key == metric)
    links = [shown.url] + ([tile.url] if tile.metric.key == metric else [])
    for url in links:
        location, rows = _rows_behind(client, url)
        # before: /ledger/records/?period=2024&unit=D&line=practice&status=approved, 4 rows (the 实践站 too)
        assert rows == figure.count, location
        assert location.startswith("/ledger/records/?ids=")


def test_filtered_list_beyond_the_url_budget_narrows_to_the_records_type(
    client: Any, taxonomy: Any, tree: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(dashboard, "DRILL_IDS_MAX", 1)
    monkeypatch.setattr(dashboard, "DRILL_URL_MAX", 10)
    for i in range(2):
        make_record(tree.community_a1, "practice_activity", {"practice_participants": 10}, day=D(2024, 4, 1 + i))
    make_record(tree.street_a, "practice_site", {"practice_sites_built": 1}, day=D(2024, 6, 1))
    user = make_user("viewer", tree.district)
    client.login(username=user.username, password=PASSWORD)
    card = client.get("/ledger/dashboard/card/practice/", {"period": "2024", "unit": "D"}).context["card"]
    shown = next(f for f in card.figures if f.metric.key == "practice_activities")
    location, rows = _rows_behind(client, shown.url)
    assert "type=practice_activity" in location and rows == 2
