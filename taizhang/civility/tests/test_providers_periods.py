"""The civility figures answered for several periods at once (a dashboard card asks this period and last year's:
`ledger.dashboard_prefetch.asking`) equal each period asked alone: values and the ids behind them, for the score
(editions chosen per period, tallies from one query per kind of row), the problems and the sites and titles."""

from __future__ import annotations

from typing import Any

import pytest

from taizhang.civility import actions
from taizhang.civility.providers import _framework_tree
from taizhang.civility.scoring import _standards
from taizhang.civility.tests.factories import inspect, std
from taizhang.civility.tests.test_scoring import D, _data
from taizhang.core.periods import parse_period
from taizhang.ledger import providers
from taizhang.ledger.dashboard_prefetch import asking
from taizhang.ledger.providers import FigureQuery

pytestmark = pytest.mark.django_db

KEYS = [k for k, p in providers.PROVIDERS.items() if p.line == "civility" and k.startswith("civility_")]


def _answers(periods: list[Any], unit_ids: list[int] | None, together: bool) -> list[tuple[Any, list[int]]]:
    out = []
    for key in KEYS:
        provider = providers.PROVIDERS[key]
        if together:
            with providers.memo(), asking(*periods):
                got = [provider.compute(FigureQuery(period=p, unit_ids=unit_ids)) for p in periods]
        else:
            got = [provider.compute(FigureQuery(period=p, unit_ids=unit_ids)) for p in periods]
        out += [(key, g.value, sorted(g.ids)) for g in got]
    return out


def test_periods_together_equal_each_alone(world: dict[str, Any]) -> None:
    _data(world)
    fw1 = world["fw"]
    # a second edition used in June: May and June score on different editions, 2023 on none (the active one)
    fw2 = actions.new_edition(acting_user=None, framework=fw1)
    actions.activate_framework(acting_user=None, framework=fw2)
    inspect(world["market"], fw2, {"S1": False, "S2": True}, D(2024, 6, 12))
    inspect(world["market"], fw2, {"S1": True}, D(2024, 6, 20))
    tree = world["tree"]
    street_a = sorted(u.pk for u in [tree.street_a, tree.community_a1, tree.community_a2])
    assert len(KEYS) >= 7
    for specs in (
        ["2024-05", "2024-06"],
        ["2024-05", "2023-05"],
        ["2024", "2023-01-01..2023-05-20"],
        ["2024-05", "2024-04-20..2024-05-31"],
    ):  # the last two overlap
        periods = [parse_period(s) for s in specs]
        for unit_ids in (None, street_a):
            alone = _answers(periods, unit_ids, together=False)
            assert _answers(periods, unit_ids, together=True) == alone, (specs, unit_ids)
    scores = {v for k, v, _ids in _answers([parse_period("2024-05")], None, False) if k == "civility_score"}
    assert scores == {62}  # the hand-computed score of test_scoring (nothing changed May's)


def test_framework_tree_is_standards_in_one_query(world: dict[str, Any], django_assert_num_queries: Any) -> None:
    fw1 = world["fw"]
    fw2 = actions.new_edition(acting_user=None, framework=fw1)
    actions.update_standard(
        acting_user=None, standard=std(fw2, "S1"), text="地面干净", points="40", method="field", site_types=["market"]
    )
    for fw in (fw1, fw2):
        standards, projects = _standards(fw)
        with django_assert_num_queries(1):
            tree_standards, tree_projects = _framework_tree(fw)
        assert list(tree_standards.items()) == list(standards.items())
        assert [(p.pk, p.key, p.name) for p in tree_projects] == [(p.pk, p.key, p.name) for p in projects]
