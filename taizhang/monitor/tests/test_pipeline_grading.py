"""grading: 一般 / 较大 / 重大 from volume, velocity, negativity, reach and source, with the rules as data."""

import json

import pytest

from taizhang.monitor.pipeline import Context, PipelineConfig
from taizhang.monitor.pipeline.grading import GRADING_PATH, Grader, GradingRulesError
from taizhang.monitor.pipeline.incidents import Incident


def metrics(**kw):
    base = {"volume": 3, "velocity": 2, "negative_share": 0.0, "reach": 0, "source_weight": 0.2}
    return {**base, **kw}


@pytest.fixture(scope="module")
def grader():
    return Grader.load()


def test_the_shipped_rules_load_and_name_the_three_grades(grader):
    assert grader.names == {"severe": "重大", "major": "较大", "general": "一般"}
    assert json.loads(GRADING_PATH.read_text(encoding="utf-8"))["rules"]


def test_a_small_quiet_incident_is_general(grader):
    assert grader.grade(metrics(negative_share=0.6))[0] == "general"


def test_a_large_fast_negative_incident_with_reprints_is_severe(grader):
    m = metrics(volume=800, velocity=150, negative_share=0.8, reach=200, source_weight=0.6)
    assert grader.grade(m)[:2] == ("severe", "重大")


def test_a_national_outlet_on_a_negative_incident_makes_it_at_least_major(grader):
    assert grader.grade(metrics(source_weight=1.0, negative_share=0.7))[0] == "major"


def test_a_mostly_positive_incident_is_capped_at_general(grader):
    assert (
        grader.grade(metrics(volume=900, velocity=180, reach=250, source_weight=1.0, negative_share=0.1))[0]
        == "general"
    )


def test_more_negativity_never_lowers_the_grade(grader):
    ranks = [
        grader.rank[grader.grade(metrics(volume=300, velocity=60, reach=50, negative_share=s))[0]]
        for s in (0.2, 0.5, 0.9)
    ]
    assert ranks == sorted(ranks)


def test_rules_are_data_and_can_be_overridden(tmp_path):
    rules = json.loads(GRADING_PATH.read_text(encoding="utf-8"))
    rules["rules"] = [{"at_least": "severe", "when": {"volume": {"gte": 3}}}]
    path = tmp_path / "grading.json"
    path.write_text(json.dumps(rules), encoding="utf-8")
    assert Grader.load(path).grade(metrics())[0] == "severe"
    ctx = Context(PipelineConfig(grading_rules=rules))
    assert ctx.grader.grade(metrics())[0] == "severe"


def test_invalid_rules_are_refused_in_chinese(tmp_path):
    rules = json.loads(GRADING_PATH.read_text(encoding="utf-8"))
    rules["rules"] = [{"at_least": "catastrophic", "when": {}}]
    with pytest.raises(GradingRulesError, match="等级 catastrophic 未定义"):
        Grader(rules)
    rules["rules"] = [{"at_least": "major", "when": {"likes": {"gte": 1}}}]
    with pytest.raises(GradingRulesError, match="指标 likes 未知"):
        Grader(rules)
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(GradingRulesError, match="不是有效的 JSON"):
        Grader.load(bad)


def test_outlet_levels_come_from_the_source_name_or_the_url(grader):
    assert grader.source_level("人民网") == "national"
    assert grader.source_level("某网友", "https://society.people.com.cn/n1/2024/0501/c1008.html") == "national"
    assert grader.source_level("某论坛", "https://bbs.example.cn/t/1") == "other"
    assert grader.level_weight("national") > grader.level_weight("provincial") > grader.level_weight("district")


def test_an_incident_is_graded_from_its_own_counts(grader):
    inc = Incident(id="I1", first_seen=0, last_seen=3600, items=[f"i{n}" for n in range(600)])
    inc.n_labelled, inc.n_negative, inc.n_duplicates = 600, 450, 120
    inc.hour_counts = {0: 400, 1: 200}
    inc.source_levels["municipal"] = 600
    assert grader.grade_incident(inc) == "severe"
    assert inc.grade_name == "重大"
    assert 0 < inc.score <= 1


def _reference_grade(rules, m):
    """The grading rules read straight from the JSON, written out plainly."""
    import math

    ops = {"gte": lambda x, v: x >= v, "gt": lambda x, v: x > v, "lte": lambda x, v: x <= v,
           "lt": lambda x, v: x < v, "eq": lambda x, v: x == v}  # fmt: skip
    score = 0.0
    for name, spec in rules["metrics"].items():
        x = max(0.0, float(m.get(name, 0.0)))
        full = float(spec["full"])
        scaled = math.log1p(x) / math.log1p(full) if spec.get("scale") == "log" else x / full
        score += float(spec["weight"]) * min(1.0, scaled)
    grades = sorted(rules["grades"], key=lambda g: -float(g["min_score"]))
    order = [g["key"] for g in reversed(grades)]
    key = next((g["key"] for g in grades if score >= float(g["min_score"])), grades[-1]["key"])
    rank, caps = order.index(key), []
    for rule in rules.get("rules", []):
        conds = [(float(m.get(k, 0.0)), op, float(v)) for k, c in rule.get("when", {}).items() for op, v in c.items()]
        if all(ops[op](x, v) for x, op, v in conds):
            if rule.get("at_least"):
                rank = max(rank, order.index(rule["at_least"]))
            else:
                caps.append(order.index(rule["at_most"]))
    rank = min([rank, *caps])
    return order[rank], round(score, 4)


def test_the_compiled_rules_grade_like_the_rules_read_plainly(grader):
    import random

    rng = random.Random(8)
    for _ in range(2000):
        m = metrics(
            volume=rng.choice([0, 1, 5, 50, 300, 500, 999, 5000]),
            velocity=rng.choice([0, 3, 99, 100, 250]),
            negative_share=rng.choice([0.0, 0.19, 0.2, 0.4, 0.5, 0.9, 1.0]),
            reach=rng.choice([0, 10, 300, 900]),
            source_weight=rng.choice([0.2, 0.4, 0.6, 0.8, 1.0]),
        )
        key, _, score = grader.grade(m)
        assert (key, score) == _reference_grade(grader.rules, m)
