"""Schema checks for the shipped default data in taizhang/ledger/defaults/.

Plain tests: no database, no Django. They load the JSON files and check the rules the loader and the summary
composer rely on, so that an edit to the defaults that breaks them fails here rather than at load time.
"""

import json
import re
import string
from collections import Counter
from pathlib import Path

import pytest

DEFAULTS = Path(__file__).resolve().parent.parent / "defaults"

# Every line of work in shared/TAXONOMY.md.
TAXONOMY_LINES = {
    "theory",
    "lectures",
    "study_platform",
    "ideology",
    "news_external",
    "news_internal",
    "press_conference",
    "correspondents",
    "new_media",
    "opinion",
    "civility",
    "practice",
    "volunteers",
    "role_models",
    "culture_events",
    "art_works",
    "culture_industry",
    "culture_market",
    "social_ads",
    "team",
    "party_press",
}
METRIC_KINDS = {"count", "people", "hours", "money", "percent"}
VALUE_TYPES = {"integer", "decimal"}
AGGREGATIONS = {"sum", "avg", "max"}
TYPE_KINDS = {"activity", "count", "placement"}
PEOPLE_WORDS = {"人", "名", "人次", "位"}
MONEY_WORDS = {"元", "万元", "亿元"}
# Stock figures: summing a unit's monthly records would double-count them.
STOCK_METRICS = {"study_learners", "vol_registered", "vol_teams", "nm_followers", "civ_units_total", "ci_enterprises"}
PROBLEM_FIELDS = {"line", "metric"}
KEY_RE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
CJK_RE = re.compile(r"[\u4e00-\u9fff]")

OUTLET_LEVELS = {"national", "provincial", "municipal", "district"}
OUTLET_KINDS = {"newspaper", "tv", "radio", "website", "app", "new_media"}
NATIONAL_OUTLETS = {
    "人民日报",
    "新华社",
    "中央广播电视总台",
    "光明日报",
    "经济日报",
    "中国日报",
    "求是",
    "学习强国",
    "人民网",
    "新华网",
    "央视网",
    "中国新闻网",
    "工人日报",
    "农民日报",
    "中国青年报",
    "法治日报",
    "科技日报",
    "中国纪检监察报",
    "中国教育报",
    "中国文化报",
}
# Party newspaper of every province, autonomous region and municipality directly under the central government.
PARTY_PAPERS = {
    "北京": "北京日报",
    "天津": "天津日报",
    "河北": "河北日报",
    "山西": "山西日报",
    "内蒙古": "内蒙古日报",
    "辽宁": "辽宁日报",
    "吉林": "吉林日报",
    "黑龙江": "黑龙江日报",
    "上海": "解放日报",
    "江苏": "新华日报",
    "浙江": "浙江日报",
    "安徽": "安徽日报",
    "福建": "福建日报",
    "江西": "江西日报",
    "山东": "大众日报",
    "河南": "河南日报",
    "湖北": "湖北日报",
    "湖南": "湖南日报",
    "广东": "南方日报",
    "广西": "广西日报",
    "海南": "海南日报",
    "重庆": "重庆日报",
    "四川": "四川日报",
    "贵州": "贵州日报",
    "云南": "云南日报",
    "西藏": "西藏日报",
    "陕西": "陕西日报",
    "甘肃": "甘肃日报",
    "青海": "青海日报",
    "宁夏": "宁夏日报",
    "新疆": "新疆日报",
}
# Where the provincial TV station is not named after the province.
TV_MARKERS = {"上海": "东方卫视", "福建": "东南卫视"}


def load(name):
    with open(DEFAULTS / name, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def taxonomy():
    return load("taxonomy.json")


@pytest.fixture(scope="module")
def outlets():
    return load("outlets.json")


def all_metrics(taxonomy):
    return [(line, metric) for line in taxonomy["lines"] for metric in line["metrics"]]


def all_types(taxonomy):
    return [(line, atype) for line in taxonomy["lines"] for atype in line["activity_types"]]


def fields(template):
    """The {placeholder} names in a template; raises ValueError on unbalanced braces."""
    return [name for _, name, spec, conv in string.Formatter().parse(template) if name is not None]


def duplicates(values):
    return sorted(value for value, count in Counter(values).items() if count > 1)


# ---------------------------------------------------------------------------------------------- taxonomy.json


def test_taxonomy_has_version_and_lines(taxonomy):
    assert taxonomy["version"] == 1
    assert isinstance(taxonomy["lines"], list)


def test_every_taxonomy_line_is_present_once(taxonomy):
    keys = [line["key"] for line in taxonomy["lines"]]
    assert duplicates(keys) == []
    assert TAXONOMY_LINES - set(keys) == set()


def test_lines_have_chinese_names_and_unique_orders(taxonomy):
    for line in taxonomy["lines"]:
        assert KEY_RE.match(line["key"]), line["key"]
        assert CJK_RE.search(line["name"]), line["key"]
        assert isinstance(line["order"], int)
    assert duplicates(line["order"] for line in taxonomy["lines"]) == []
    assert duplicates(line["name"] for line in taxonomy["lines"]) == []


def test_metric_keys_and_names_are_unique(taxonomy):
    metrics = [metric for _, metric in all_metrics(taxonomy)]
    assert duplicates(metric["key"] for metric in metrics) == []
    assert duplicates(metric["name"] for metric in metrics) == []
    for metric in metrics:
        assert KEY_RE.match(metric["key"]), metric["key"]
        assert CJK_RE.search(metric["name"]), metric["key"]


def test_metric_count_is_in_range(taxonomy):
    assert 50 <= len(all_metrics(taxonomy)) <= 100


def test_metric_fields_are_valid(taxonomy):
    for _, metric in all_metrics(taxonomy):
        key = metric["key"]
        assert set(metric) == {
            "key",
            "name",
            "measure_word",
            "kind",
            "value_type",
            "min",
            "max",
            "aggregation",
            "aliases",
        }, key
        assert metric["kind"] in METRIC_KINDS, key
        assert metric["value_type"] in VALUE_TYPES, key
        assert metric["aggregation"] in AGGREGATIONS, key
        assert metric["measure_word"], key
        for bound in ("min", "max"):
            assert isinstance(metric[bound], (int, float)), key
            assert not isinstance(metric[bound], bool), key
        assert 0 <= metric["min"] < metric["max"], key


def test_metric_kind_fits_measure_word_type_and_aggregation(taxonomy):
    for _, metric in all_metrics(taxonomy):
        key, kind = metric["key"], metric["kind"]
        if kind == "percent":
            assert metric["measure_word"] == "%", key
            assert metric["value_type"] == "decimal", key
            assert metric["aggregation"] == "avg", key
            assert metric["max"] >= 1000, key  # completion can exceed 100 %, e.g. 178.8 %
        elif kind == "money":
            assert metric["measure_word"] in MONEY_WORDS, key
            assert metric["value_type"] == "decimal", key
            assert metric["aggregation"] == "sum", key
        elif kind == "hours":
            assert metric["measure_word"] == "小时", key
        elif kind == "people":
            assert metric["measure_word"] in PEOPLE_WORDS, key
            assert metric["value_type"] == "integer", key
        if metric["aggregation"] == "avg" and kind != "percent":
            # a non-additive figure such as an assessment score or a response time
            assert metric["value_type"] == "decimal", key
        if metric["aggregation"] == "max":
            assert kind in {"count", "people"}, key


def test_stock_figures_aggregate_by_max(taxonomy):
    by_key = {metric["key"]: metric for _, metric in all_metrics(taxonomy)}
    for key in STOCK_METRICS:
        assert by_key[key]["aggregation"] == "max", key


def test_aliases_are_unique_phrases(taxonomy):
    metrics = [metric for _, metric in all_metrics(taxonomy)]
    names = {metric["name"]: metric["key"] for metric in metrics}
    owners = {}
    for metric in metrics:
        assert isinstance(metric["aliases"], list), metric["key"]
        assert metric["aliases"], metric["key"]
        for alias in metric["aliases"]:
            assert isinstance(alias, str), metric["key"]
            assert alias, metric["key"]
            assert alias.strip() == alias, metric["key"]
            assert alias not in owners, f"{alias!r} is an alias of {owners.get(alias)} and {metric['key']}"
            owners[alias] = metric["key"]
            assert names.get(alias, metric["key"]) == metric["key"], f"{alias!r} is another metric's name"


def test_activity_type_keys_are_unique(taxonomy):
    types = [atype for _, atype in all_types(taxonomy)]
    assert duplicates(atype["key"] for atype in types) == []
    assert 45 <= len(types) <= 80
    for atype in types:
        assert KEY_RE.match(atype["key"]), atype["key"]
        assert CJK_RE.search(atype["name"]), atype["key"]
        assert atype["description"], atype["key"]
        assert atype["kind"] in TYPE_KINDS, atype["key"]


def test_every_line_has_activity_types(taxonomy):
    for line in taxonomy["lines"]:
        assert 1 <= len(line["activity_types"]) <= 5, line["key"]


def test_activity_types_reference_metrics_of_their_line(taxonomy):
    for line in taxonomy["lines"]:
        line_metrics = {metric["key"] for metric in line["metrics"]}
        for atype in line["activity_types"]:
            refs = atype["metrics"]
            assert refs, atype["key"]
            assert duplicates(ref["metric"] for ref in refs) == [], atype["key"]
            for ref in refs:
                assert set(ref) <= {"metric", "required", "default"}, atype["key"]
                assert ref["metric"] in line_metrics, (atype["key"], ref["metric"])
                assert isinstance(ref["required"], bool), atype["key"]


def test_defaults_count_the_record_itself(taxonomy):
    for _, atype in all_types(taxonomy):
        with_default = [ref for ref in atype["metrics"] if "default" in ref]
        for ref in with_default:
            assert ref["default"] == 1, atype["key"]
            assert ref["required"] is True, atype["key"]
        if atype["kind"] == "count":
            assert with_default == [], f"{atype['key']}: a periodic tally has no per-record default"
        else:
            assert len(with_default) <= 1, atype["key"]


def test_every_metric_is_used_by_an_activity_type(taxonomy):
    used = {ref["metric"] for _, atype in all_types(taxonomy) for ref in atype["metrics"]}
    unused = sorted(metric["key"] for _, metric in all_metrics(taxonomy) if metric["key"] not in used)
    assert unused == []


def test_exactly_one_placement_type(taxonomy):
    placements = [(line, atype) for line, atype in all_types(taxonomy) if atype["kind"] == "placement"]
    assert len(placements) == 1
    line, atype = placements[0]
    assert line["key"] == "news_external"
    assert atype["key"] == "placement"
    assert atype["name"] == "对外宣传用稿"
    assert atype["metrics"] == [{"metric": "placements", "required": True, "default": 1}]
    # headline and long pieces, level and rank are attributes of a placement, not metrics
    assert [metric["key"] for metric in line["metrics"]] == ["placements"]
    assert line["metrics"][0]["measure_word"] == "篇"


def test_phrases_use_metrics_of_their_line(taxonomy):
    for line in taxonomy["lines"]:
        line_metrics = {metric["key"] for metric in line["metrics"]}
        phrases = line.get("phrases", [])
        assert 2 <= len(phrases) <= 4, line["key"]
        for phrase in phrases:
            names = fields(phrase)
            assert names, phrase
            assert set(names) <= line_metrics, (line["key"], phrase)
            assert phrase.endswith("。"), phrase


def test_problem_phrases_use_known_placeholders(taxonomy):
    for line in taxonomy["lines"]:
        allowed = PROBLEM_FIELDS | {metric["key"] for metric in line["metrics"]}
        problems = line.get("problem_phrases", [])
        assert 1 <= len(problems) <= 2, line["key"]
        for phrase in problems:
            assert set(fields(phrase)) <= allowed, (line["key"], phrase)
            assert phrase.endswith("。"), phrase


def test_plan_phrases_carry_no_figures(taxonomy):
    for line in taxonomy["lines"]:
        plans = line.get("plan_phrases", [])
        assert 1 <= len(plans) <= 2, line["key"]
        for phrase in plans:
            assert fields(phrase) == [], phrase
            assert not re.search(r"[0-9０-９XＸ*]", phrase), phrase
            assert phrase.endswith("。"), phrase


def test_templates_carry_no_hidden_figures(taxonomy):
    # figures come only from placeholders, never from leftovers of a model text (X, *, ==)
    for line in taxonomy["lines"]:
        for phrase in line.get("phrases", []) + line.get("problem_phrases", []):
            text = re.sub(r"\{[a-z_0-9]+\}", "", phrase)
            assert not re.search(r"[0-9０-９XＸ*=]", text.replace("24小时", "")), phrase


def test_texts_fit_the_database_columns(taxonomy, outlets):
    # column sizes of the ledger models the loader writes to
    for line in taxonomy["lines"]:
        assert len(line["key"]) <= 40, line["key"]
        assert len(line["name"]) <= 40, line["key"]
        for metric in line["metrics"]:
            assert len(metric["key"]) <= 60, metric["key"]
            assert len(metric["name"]) <= 60, metric["key"]
            assert len(metric["measure_word"]) <= 8, metric["key"]
        for atype in line["activity_types"]:
            assert len(atype["key"]) <= 60, atype["key"]
            assert len(atype["name"]) <= 60, atype["key"]
            assert len(atype["description"]) <= 300, atype["key"]
    for outlet in outlets["outlets"]:
        assert len(outlet["name"]) <= 100, outlet["name"]


# ----------------------------------------------------------------------------------------------- outlets.json


def test_outlets_have_version_and_valid_fields(outlets):
    assert outlets["version"] == 1
    for outlet in outlets["outlets"]:
        assert set(outlet) == {"name", "aliases", "level", "kind"}, outlet
        assert outlet["name"], outlet
        assert outlet["name"].strip() == outlet["name"], outlet
        assert outlet["level"] in OUTLET_LEVELS, outlet
        assert outlet["kind"] in OUTLET_KINDS, outlet
        assert isinstance(outlet["aliases"], list), outlet
        assert all(isinstance(alias, str) and alias for alias in outlet["aliases"]), outlet


def test_outlet_names_and_aliases_are_unique(outlets):
    seen = {}
    for outlet in outlets["outlets"]:
        for label in [outlet["name"], *outlet["aliases"]]:
            folded = label.casefold()
            assert folded not in seen, f"{label!r} names both {seen.get(folded)} and {outlet['name']}"
            seen[folded] = outlet["name"]


def test_starter_registry_has_no_local_outlets(outlets):
    levels = {outlet["level"] for outlet in outlets["outlets"]}
    assert levels <= {"national", "provincial"}


def test_major_national_outlets_are_present(outlets):
    national = {outlet["name"] for outlet in outlets["outlets"] if outlet["level"] == "national"}
    assert NATIONAL_OUTLETS - national == set()


def test_cctv_programmes_are_recognised(outlets):
    labels = {label for outlet in outlets["outlets"] for label in [outlet["name"], *outlet["aliases"]]}
    assert {"中央电视台", "新闻联播", "焦点访谈", "中央人民广播电台", "中新社"} <= labels


def test_every_province_has_party_paper_and_tv(outlets):
    provincial = [outlet for outlet in outlets["outlets"] if outlet["level"] == "provincial"]
    papers = {outlet["name"] for outlet in provincial if outlet["kind"] == "newspaper"}
    assert set(PARTY_PAPERS.values()) - papers == set()
    tv_labels = [
        label for outlet in provincial if outlet["kind"] == "tv" for label in [outlet["name"], *outlet["aliases"]]
    ]
    for province in PARTY_PAPERS:
        marker = TV_MARKERS.get(province, province)
        assert any(label.startswith(marker) for label in tv_labels), province
