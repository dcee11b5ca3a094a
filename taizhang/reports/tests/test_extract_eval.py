"""The evaluation set of real summaries (reports/eval): scores stay at or above what they reached when it was built,
so a change that reads real text worse fails here. The figures themselves are printed by
bench/bench_extract_eval.py."""

from __future__ import annotations

import pytest

from taizhang.reports.eval.score import _gold, load, score

# part -> measure -> floor (a little below what the rules reach; README.md gives the exact figures)
FLOORS = {
    "dev": {
        "figure precision": 0.97,
        "figure recall": 0.97,
        "values right": 0.99,
        "metric accuracy (of sure mappings)": 0.97,
        "metric coverage (right and sure / with a metric)": 0.9,
        "outlet level accuracy (placements)": 0.95,
        "change vs level accuracy": 0.97,
        "approximate flag accuracy": 0.97,
        "result/requirement/first accuracy": 0.97,
        "slot recall (=== runs)": 0.98,
        "slot recall (blanks)": 0.95,
    },
    "heldout": {
        "figure precision": 0.95,
        "figure recall": 0.95,
        "values right": 0.99,
        "metric accuracy (of sure mappings)": 0.97,
        "metric coverage (right and sure / with a metric)": 0.95,
        "outlet level accuracy (placements)": 0.95,
        "change vs level accuracy": 0.95,
        "approximate flag accuracy": 0.95,
        "slot recall (=== runs)": 0.98,
        "slot recall (blanks)": 0.95,
    },
    "heldout2": {
        "figure precision": 0.95,
        "figure recall": 0.9,
        "metric accuracy (of sure mappings)": 0.85,
        "metric coverage (right and sure / with a metric)": 0.6,
        "outlet level accuracy (placements)": 0.74,
        "approximate flag accuracy": 0.95,
        "slot recall (=== runs)": 0.98,
        "slot recall (blanks)": 0.85,
    },
    # annotated before the last round of rules and run once at its end (README.md): floors just below that run
    "heldout3": {
        "figure precision": 0.97,
        "figure recall": 0.95,
        "values right": 0.98,
        "metric accuracy (of sure mappings)": 0.92,
        "metric coverage (right and sure / with a metric)": 0.73,
        "outlet level accuracy (placements)": 0.94,
        "change vs level accuracy": 0.97,
        "approximate flag accuracy": 0.98,
        "result/requirement/first accuracy": 0.97,
        "slot recall (=== runs)": 0.98,
        "slot recall (blanks)": 0.95,
    },
}


@pytest.mark.parametrize("part", sorted(FLOORS))
def test_scores_stay_above_their_floors(part: str) -> None:
    summary = score(part).summary()
    low = {name: summary[name] for name, floor in FLOORS[part].items() if summary[name] < floor}
    assert not low, low


@pytest.mark.parametrize("part", sorted(FLOORS))
def test_every_annotated_figure_is_in_its_sentence(part: str) -> None:
    items = load(part)
    assert len(items) >= 5
    for item in items:
        assert item["source"].startswith("http")
        gold = _gold(item)  # raises when a figure is not found in order
        assert gold, item["id"]
        for g in gold:
            assert g.metric is None or g.metric == "?" or g.metric.replace("_", "").isalpha()
