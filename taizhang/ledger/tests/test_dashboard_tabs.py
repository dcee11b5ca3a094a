"""Every tab of the dashboard: its tiles and cards, built as the tab's requests build them (providers answering the
period and last year's together, the ledger's GROUP BYs reading both periods at once), equal the figures computed
one by one (values, counts, the ids of computed metrics), and a visit landing on any tab stays within 60 queries."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.cache import cache

from taizhang.core.periods import parse_period
from taizhang.core.testing import make_user
from taizhang.ledger import dashboard, providers
from taizhang.ledger.dashboard_batch import kpi_figures, line_cards
from taizhang.ledger.dashboard_prefetch import asking
from taizhang.ledger.figures import compute
from taizhang.ledger.tests.test_dashboard import (
    _queries,
    ledger,  # noqa: F401  (the fixture)
    login,
)
from taizhang.ledger.tests.test_dashboard_batch import study  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
D = datetime.date
URL = "/ledger/dashboard/"


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("spec", "today"), [("2024", D(2025, 1, 10)), ("2024", D(2024, 9, 15)), ("2024Q3", D(2025, 1, 10))]
)
def test_every_tab_equals_figures_computed_one_by_one(
    ledger: Any,  # noqa: F811
    study: Any,  # noqa: F811
    tree: Any,
    spec: str,
    today: datetime.date,
) -> None:
    """A closed year, a running year (同比 up to the same day last year) and a quarter."""
    user = make_user("viewer", tree.district)
    scope = dashboard.make_scope(tree.district, parse_period(spec), user=user, today=today)
    checked = 0
    for tab in dashboard.tabs_of(dashboard.lines_with_metrics()):
        with providers.memo():  # as the tab's requests run them
            figures = [f for card in line_cards(scope, tab.infos) for f in card.figures]
            figures += kpi_figures(scope, tab.infos)
        for fig in figures:
            for result, period in ((fig.current, scope.period), (fig.previous, scope.compare)):
                alone = compute(fig.metric, period=period, unit="D", user=user)
                assert (result.value, result.count) == (alone.value, alone.count), (tab.key, fig.metric.key, period)
                if fig.metric.source == "computed":
                    assert sorted(result.records) == sorted(alone.records), (tab.key, fig.metric.key, period)
                checked += 1
    assert checked > 300


def test_providers_asked_for_two_periods_answer_as_for_each_alone(ledger: Any, study: Any, tree: Any) -> None:  # noqa: F811
    """Every registered provider inside `asking(period, compare)` (one query for both where it can) against the
    provider asked for each period on its own, for the district and a street."""
    periods = [parse_period("2024"), parse_period("2023-01-01..2023-09-30")]
    for unit in ("D", "SA"):
        for key in providers.PROVIDERS:
            together = []
            with providers.memo(), asking(*periods):
                for p in periods:
                    got = compute(key, period=p, unit=unit)
                    together.append((got.value, got.count, sorted(got.records)))
            alone = []
            for p in periods:
                got = compute(key, period=p, unit=unit)
                alone.append((got.value, got.count, sorted(got.records)))
            assert together == alone, (key, unit)


def test_every_tab_visit_stays_within_60_queries(client: Any, ledger: Any, study: Any, tree: Any) -> None:  # noqa: F811
    """A cold visit landing on each tab (?tab=KEY: the page, then the URLs it loads at once, which are the tab's
    tiles and cards) with every provider's metrics on. The tests' cache runs no SQL; the database cache of a
    default install adds about 12 (docs/scale.md)."""
    login(client, "viewer", tree.district)
    client.get(URL)  # the first request after login also touches the session
    tabs = [t.key for t in dashboard.tabs_of(dashboard.lines_with_metrics())]
    assert {"theory", "news", "civility", "culture", "team"} <= set(tabs)
    visits = {}
    for key in tabs:
        cache.clear()
        params = {"period": "2024", "unit": "D", "tab": key}
        html = client.get(URL, params).content.decode()
        on_load = [u.replace("&amp;", "&") for u in re.findall(r'hx-get="([^"]+)" hx-trigger="load"', html)]
        assert sorted(u.split("?")[0] for u in on_load) == ["/ledger/dashboard/cards/", "/ledger/dashboard/tiles/"]
        assert all(f"tab={key}" in u for u in on_load)
        cache.clear()
        visits[key] = _queries(client, URL, params) + sum(_queries(client, u, {}) for u in on_load)
    print(f"cold visit per tab: {visits}")
    assert max(visits.values()) <= 60, visits
