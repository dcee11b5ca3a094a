"""`taizhang assess`, `taizhang targets`, `taizhang bulletin`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taizhang.reports.docwriter import read_provenance
from taizhang.targets import actions
from taizhang.targets.models import AssessmentRun
from taizhang.targets.tests.factories import target

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_assess_list(world):
    actions.create_scheme(acting_user=None, key="another", name="理论宣讲考核", subject="理论宣讲工作",
                          owner=world["tree"].district)
    assert run("assess", "--list").splitlines() == ["another\t理论宣讲考核", "waixuan\t对外宣传工作考核"]


def test_assess_json(world):
    data = json.loads(run("assess", "--scheme", "waixuan", "--period", "2024-05", "--json"))
    assert data["scheme"] == "waixuan"
    assert data["period"] == "2024-05"
    assert data["status"] == "computed"
    results = {r["unit"]: r for r in data["results"]}
    assert results["SA"]["score"] == 50
    assert results["SA"]["rank"] == 1
    assert results["SB"]["score"] == 22.5
    assert results["BE"]["rank"] == 3
    item = results["SA"]["items"][0]
    assert item["item"] == "placement"
    assert item["points"] == 50
    assert sorted(item["records"]) == sorted([world["sa_nat"].pk, world["sa_prov"].pk])
    for r in data["results"]:
        assert sum(i["points"] for i in r["items"]) == r["score"]
    assert not AssessmentRun.objects.exists()  # computing stores nothing

    one = json.loads(run("assess", "--scheme", "waixuan", "--period", "2024-05", "--unit", "SB", "--json"))
    assert [r["unit"] for r in one["results"]] == ["SB"]
    assert one["results"][0]["rank"] == 2


def test_assess_publish_and_published(world):
    text = run("assess", "--scheme", "waixuan", "--period", "2024-05", "--publish")
    assert "已发布" in text
    assert "东城街道" in text
    data = json.loads(run("assess", "--scheme", "waixuan", "--period", "2024-05", "--published", "--json"))
    assert data["status"] == "published"
    assert data["run_version"] == 1
    with pytest.raises(CommandError, match="未知的考核方案"):
        run("assess", "--scheme", "nope", "--period", "2024-05")
    with pytest.raises(CommandError, match="无法识别的时间段"):
        run("assess", "--scheme", "waixuan", "--period", "May")
    with pytest.raises(CommandError, match="不是该方案的参评单位"):
        run("assess", "--scheme", "waixuan", "--period", "2024-05", "--unit", "SA1")


def test_targets_command(world):
    tree = world["tree"]
    t = target(tree.district, value=40)
    actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                             values={tree.street_a: 10, tree.street_b: 30})
    data = json.loads(run("targets", "--period", "2024", "--json"))
    entry = data["targets"][0]
    assert entry["target"] == "lectures"
    assert entry["actual"] == 4
    assert entry["completion"] == 10
    assert {a["unit"]: a["actual"] for a in entry["allocations"]} == {"SA": 1, "SB": 3}
    sb = json.loads(run("targets", "--period", "2024-05", "--unit", "SB", "--json"))["targets"][0]
    assert sb["unit"] == "SB"
    assert sb["actual"] == 3
    assert sb["completion"] == 10
    assert len(sb["records"]) == 3
    assert "理论宣讲" not in run("targets", "--period", "2024", "--unit", "BE")
    assert "宣讲活动" in run("targets", "--period", "2024")


def test_bulletin_command(world, tmp_path):
    actions.run_assessment(acting_user=None, scheme=world["scheme"], period=__import__(
        "taizhang.core.periods", fromlist=["parse_period"]).parse_period("2024-05"), publish=True)
    out = tmp_path / "tb.docx"
    assert "个数据带来源" in run("bulletin", "--scheme", "waixuan", "--period", "2024-05", "--out", str(out))
    assert read_provenance(out)
    assert "已保存通报" in run("bulletin", "--scheme", "waixuan", "--period", "2024-05", "--save")
