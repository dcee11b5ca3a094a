"""Template fill: mapped slots get this period's figures from the ledger with their sources; the rest stay
visibly 【待核实】; years follow the period; approximations around a filled number go."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from taizhang.reports.checker import check_document, check_docx
from taizhang.reports.docwriter import write_docx
from taizhang.reports.fill import clean_template, fill_template, plan_slots
from taizhang.reports.metrics import metric_aliases
from taizhang.reports.tests.test_slots import needs_seeds, seed

pytestmark = pytest.mark.django_db

TEMPLATE = """20xx年XX区宣传部工作总结
一、工作开展情况
（一）理论武装
组织开展宣讲活动X场，受众近*万人次。集中学习达 次。
（二）对外宣传
全年对外宣传用稿===篇，其中中央媒体X篇。
二、20xx年工作思路
继续做好宣讲。
"""


def fill(ledger: Any, text: str, **kwargs: Any) -> Any:
    return fill_template(text, unit=ledger.tree.district, period=ledger.period, aliases=metric_aliases(), **kwargs)


def test_mapped_slots_are_filled_with_sourced_figures(ledger: Any) -> None:
    result = fill(ledger, TEMPLATE)
    text = result.text
    assert text.startswith("2024年XX区宣传部工作总结")
    assert "组织开展宣讲活动12场" in text
    assert "受众0.06万人次" in text  # 570 in the template's 万, and 近 is dropped for an exact figure
    assert "全年对外宣传用稿2篇" in text
    assert "二、2025年工作思路" in text  # years under a plans heading are the next year
    figures = {f.source["metric"]: f for f in result.document.figures()}
    assert figures["lecture_events"].text == "12"
    assert figures["lecture_events"].source["kind"] == "ledger"
    assert figures["lecture_audience"].source["display"]["divisor"] == "10000"


def test_what_cannot_be_filled_is_marked_never_guessed(ledger: Any) -> None:
    result = fill(ledger, TEMPLATE)
    assert "其中中央媒体【待核实：其中中央媒体】篇" in result.text or "【待核实" in result.text
    assert result.missing >= 1
    statuses = {item["index"]: item["status"] for item in result.items}
    assert set(statuses.values()) <= {"filled", "missing", "date"}


def test_the_user_mapping_wins(ledger: Any) -> None:
    plans = plan_slots(TEMPLATE, metric_aliases())
    lecture = next(p for p in plans if p.slot.subject == "宣讲活动")
    assert lecture.metric == "lecture_events"
    result = fill(ledger, TEMPLATE, mappings={str(lecture.index): ""})
    assert "组织开展宣讲活动【待核实：宣讲活动】场" in result.text
    other = fill(ledger, TEMPLATE, mappings={str(lecture.index): "placements"})
    assert "组织开展宣讲活动2场" in other.text


def test_literal_figures_of_last_years_summary_are_refilled(ledger: Any) -> None:
    old = "2023年工作总结\n全年开展各类宣讲活动近300余场，受众2.5万人次，新闻发布会12场。"
    result = fill(ledger, old)
    assert "全年开展各类宣讲活动12场，受众570人次" in result.text
    assert "新闻发布会【待核实：新闻发布会】场" in result.text  # mapped, but no records in the ledger
    assert "300" not in result.text and "2.5" not in result.text


def test_a_filled_template_passes_the_checker(ledger: Any, tmp_path: Path) -> None:
    result = fill(ledger, TEMPLATE)
    path = tmp_path / "filled.docx"
    write_docx(result.document, path)
    report = check_docx(path)
    assert report.ok, report.lines()
    assert {i.kind for i in report.warnings} == {"pending"}
    assert check_document(result.document).ok


def test_web_boilerplate_is_removed() -> None:
    text = "下面是小编为大家整理的总结，供大家参考。\n2023年工作总结\n推荐访问:工作总结"
    assert clean_template(text) == "2023年工作总结"


@needs_seeds
@pytest.mark.parametrize("prefix", ["000", "002", "004"])
def test_the_seed_templates_fill(ledger: Any, prefix: str, tmp_path: Path) -> None:
    text = clean_template(seed(prefix))
    result = fill(ledger, text)
    assert result.filled >= 1
    assert result.missing >= 1
    assert "X次" not in result.text and "*场" not in result.text
    path = tmp_path / f"{prefix}.docx"
    write_docx(result.document, path)
    assert check_docx(path).ok


@needs_seeds
def test_fill_and_slots_commands(ledger: Any, tmp_path: Path, capsys: Any) -> None:
    src = tmp_path / "002.txt"
    src.write_text(seed("002"), encoding="utf-8")
    call_command("slots", str(src), "--json")
    import json

    slots = json.loads(capsys.readouterr().out)["slots"]
    assert {"text", "kind", "digits", "unit", "subject", "span", "metric", "confidence"} == set(slots[0])
    out = tmp_path / "filled.docx"
    call_command("fill", str(src), "--unit", "D", "--period", "2024H1", "--out", str(out), "--map", "3=")
    assert out.exists()
    assert "待核实" in capsys.readouterr().out
