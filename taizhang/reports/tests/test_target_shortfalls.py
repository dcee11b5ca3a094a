"""Targets that fall short, offered under 存在的问题: the unit's own targets for the period's year, each with its
completion, target and done as traceable figures (kind "target", recomputed by check-report), furthest below
schedule first, at most five; nothing when every target is met. A finished year is judged against the whole
target, a running one against 序时进度 on the day (“截至6月30日”)."""

from __future__ import annotations

import datetime
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from taizhang.reports import sources
from taizhang.reports.checker import check_document, check_docx
from taizhang.reports.composer import ComposeOptions, compose
from taizhang.reports.document import Figure, Paragraph
from taizhang.reports.docwriter import write_docx

pytestmark = pytest.mark.django_db
D = datetime.date


def _target(ledger: Any, key: str, name: str, metric: str, value: int, owner: Any = None) -> Any:
    from taizhang.ledger.models import MetricDefinition
    from taizhang.targets import actions

    return actions.create_target(acting_user=None, year=2024, key=key, name=name,
                                 owner=owner or ledger.tree.district,
                                 metric=MetricDefinition.objects.get(key=metric), value=value)


def _problems(doc: Any) -> list[tuple[str, Paragraph]]:
    roles = doc.meta["roles"]
    return [(r, b) for r, b in zip(roles, doc.blocks, strict=True) if r.startswith("problem:")]


def _replace_in_docx(path: Path, old: str, new: str) -> None:
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                assert text.count(old) == 1, old
                data = text.replace(old, new).encode("utf-8")
            zout.writestr(info, data)
    shutil.move(tmp, path)


def test_a_short_target_is_in_the_problems_with_its_figures(ledger: Any, tmp_path: Path) -> None:
    # 2024 is over. 理论宣讲 12 of 25 (48%), 中心组学习 4 of 8 (50%), 对外宣传 2 of 1 (met).
    _target(ledger, "lectures", "理论宣讲", "lecture_events", 25)
    _target(ledger, "theory", "中心组学习", "theory_sessions", 8)
    _target(ledger, "placements", "对外宣传用稿", "placements", 1)
    result = compose(ledger.tree.district, ledger.period)
    short = [c for c in result.candidates if c.kind == "target"]
    assert [c.text for c in short] == [  # furthest below first
        "理论宣讲仅完成年度目标任务的48%（目标25场，已完成12场），未完成全年任务。",
        "中心组学习仅完成年度目标任务的50%（目标8次，已完成4次），未完成全年任务。",
    ]
    assert [c.severity for c in short] == [Decimal("52.0"), Decimal("50.0")]
    # the furthest below is accepted into 二、存在的问题 by default
    roles, blocks = zip(*_problems(result.document), strict=True)
    assert roles[0] == "problem:target:lectures"
    assert blocks[0].text.startswith("一是理论宣讲仅完成年度目标任务的48%（目标25场，已完成12场）")
    figures = [r for r in blocks[0].runs if isinstance(r, Figure)]
    assert [(f.text, f.source["kind"], f.source["field"]) for f in figures] == [
        ("48%", "target", "completion"), ("25场", "target", "allocation"), ("12场", "target", "actual")]
    for figure in figures:
        assert figure.source["target"] == "lectures" and figure.source["unit"] == "D"
        fresh = sources.recompute(figure.source)
        assert fresh.value == figure.value
        assert sources.render(fresh.value, figure.source["display"]) == figure.text
    assert figures[2].source["records"]  # what was done opens its records
    assert "对外宣传用稿完成年度目标任务的200%。" in result.document.plain_text()  # met: an achievement

    path = tmp_path / "2024.docx"
    write_docx(result.document, path)
    report = check_docx(path)
    assert report.ok, report.lines()
    assert report.verified == report.figures

    # a number changed in the document is caught ...
    edited = tmp_path / "edited.docx"
    shutil.copy(path, edited)
    _replace_in_docx(edited, ">25场<", ">20场<")
    issues = check_docx(edited).errors
    assert [(i.kind, i.text) for i in issues] == [("edited", "20场")]
    assert "来源记录为“25场”" in issues[0].message

    # ... and so is a target changed in the targets app since
    from taizhang.targets.models import Target

    Target.objects.filter(key="lectures").update(value=24)
    stale = {i.text: i.message for i in check_docx(path).errors if i.kind == "stale"}
    assert set(stale) == {"48%", "25场"}
    assert "现为“24场”" in stale["25场"] and "现为“50%”" in stale["48%"]


def test_nothing_when_every_target_is_met(ledger: Any) -> None:
    _target(ledger, "lectures", "理论宣讲", "lecture_events", 10)
    _target(ledger, "theory", "中心组学习", "theory_sessions", 4)
    result = compose(ledger.tree.district, ledger.period)
    assert not [c for c in result.candidates if c.kind == "target"]
    assert not [r for r, _b in _problems(result.document) if r.startswith("problem:target:")]
    text = result.document.plain_text()
    assert "理论宣讲完成年度目标任务的120%。" in text and "中心组学习完成年度目标任务的100%。" in text


def test_only_the_units_own_targets(ledger: Any) -> None:
    from taizhang.targets import actions

    # a street's own target is not the district's problem; the district's allocation to a street is the street's
    _target(ledger, "street_news", "西城对外宣传", "placements", 10, owner=ledger.tree.street_b)
    lectures = _target(ledger, "lectures", "理论宣讲", "lecture_events", 40)
    actions.save_allocations(acting_user=None, target=lectures, expected_version=lectures.version,
                             values={ledger.tree.street_a: 10, ledger.tree.street_b: 30})
    district = compose(ledger.tree.district, ledger.period)
    assert [c.key for c in district.candidates if c.kind == "target"] == ["target:lectures"]
    street = compose(ledger.tree.street_a, ledger.period)
    short = [c for c in street.candidates if c.kind == "target"]
    # 东城街道: 2 lectures of itself and 3 of 东一社区 (its subtree) against its allocation of 10
    assert [c.text for c in short] == ["理论宣讲仅完成年度目标任务的50%（目标10场，已完成5场），未完成全年任务。"]
    sources_of = [f.source for f in short[0].runs if isinstance(f, Figure)]
    assert {s["unit"] for s in sources_of} == {"SA"}
    assert sources.recompute(sources_of[1]).value == 10  # the allocation, not the district's 40


def test_a_running_year_is_judged_against_the_schedule_on_the_day(ledger: Any) -> None:
    # Composed on 30 June 2024: 182 of 366 days, 序时进度 49.7%. 理论宣讲 10 of 25 by then (40%): behind;
    # 中心组学习 4 of 8 (50%): on schedule, so an achievement.
    _target(ledger, "lectures", "理论宣讲", "lecture_events", 25)
    _target(ledger, "theory", "中心组学习", "theory_sessions", 8)
    result = compose(ledger.tree.district, ledger.period, options=ComposeOptions(today=D(2024, 6, 30)))
    short = [c for c in result.candidates if c.kind == "target"]
    assert [c.text for c in short] == [
        "截至6月30日，理论宣讲完成年度目标任务的40%（目标25场，已完成10场），低于49.7%的序时进度。"]
    figures = [r for r in short[0].runs if isinstance(r, Figure)]
    assert [f.source["field"] for f in figures] == ["completion", "allocation", "actual", "expected"]
    assert all(f.source["period"] == {"start": "2024-01-01", "end": "2024-06-30"} for f in figures)
    assert all(sources.recompute(f.source).value == f.value for f in figures)
    assert "中心组学习完成年度目标任务的50%。" in result.document.plain_text()
    accepted = [b.text for r, b in _problems(result.document) if r == "problem:target:lectures"]
    assert accepted and accepted[0].startswith("一是截至6月30日，理论宣讲")
    report = check_document(result.document)  # the day (6月30日) is not taken for a number without a source
    assert report.ok and report.verified == report.figures, report.lines()


def test_at_most_five_furthest_below_first(ledger: Any) -> None:
    for i, value in enumerate((13, 15, 20, 30, 40, 60, 120)):
        _target(ledger, f"lectures{i}", f"宣讲目标{i}", "lecture_events", value)
    short = [c for c in compose(ledger.tree.district, ledger.period).candidates if c.kind == "target"]
    assert [c.key for c in short] == [f"target:lectures{i}" for i in (6, 5, 4, 3, 2)]
    assert [c.severity for c in short] == sorted((c.severity for c in short), reverse=True)
