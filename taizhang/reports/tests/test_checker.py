"""Round trips: compose → docx → check-report passes; edit a number, add one, or change the ledger → it fails."""

from __future__ import annotations

import datetime
import shutil
import sys
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taizhang.reports.checker import bare_numbers, check_document, check_docx
from taizhang.reports.composer import compose
from taizhang.reports.document import Document, Figure, Paragraph
from taizhang.reports.docwriter import write_docx, write_provenance_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def exported(ledger: Any, tmp_path: Path) -> Path:
    path = tmp_path / "2024.docx"
    write_docx(compose(ledger.tree.district, ledger.period).document, path, appendix=True)
    return path


def _replace_in_docx(path: Path, old: str, new: str) -> None:
    """Edit the text inside the .docx as Word would (the bookmark stays around the run)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8")
                assert old in text
                data = text.replace(old, new, 1).encode("utf-8")
            zout.writestr(info, data)
    shutil.move(tmp, path)


def test_a_composed_summary_passes(exported: Path) -> None:
    report = check_docx(exported)
    assert report.ok, report.lines()
    assert report.figures > 10
    assert report.verified == report.figures
    assert report.issues == []


def test_a_number_changed_in_the_document_fails(exported: Path) -> None:
    _replace_in_docx(exported, ">12场<", ">13场<")
    report = check_docx(exported)
    assert not report.ok
    issue = report.errors[0]
    assert issue.kind == "edited"
    assert issue.text == "13场"
    assert "来源记录为“12场”" in issue.message


def test_a_number_typed_into_the_text_fails(exported: Path) -> None:
    word = docx.Document(str(exported))
    word.paragraphs[3].add_run("另有志愿者两万余名参与，累计开展活动300场。")
    word.save(str(exported))
    report = check_docx(exported)
    assert [(i.kind, i.text) for i in report.errors] == [("unsourced", "两万余名"), ("unsourced", "300场")]


def test_a_record_approved_after_export_makes_the_figure_stale(ledger: Any, exported: Path) -> None:
    from taizhang.core.testing import make_record

    make_record(ledger.sc, "lecture_event", {"lecture_events": 1, "lecture_audience": 10},
                day=datetime.date(2024, 12, 1))
    report = check_docx(exported)
    assert not report.ok
    stale = [i for i in report.errors if i.kind == "stale"]
    assert any(i.text == "12场" and "现为“13场”" in i.message for i in stale)
    assert all(i.kind == "stale" for i in report.errors)


def test_without_recomputing_only_sources_and_edits_are_checked(ledger: Any, exported: Path) -> None:
    from taizhang.core.testing import make_record

    make_record(ledger.sc, "lecture_event", {"lecture_events": 1, "lecture_audience": 10},
                day=datetime.date(2024, 12, 1))
    assert check_docx(exported, recompute=False).ok


def test_check_report_command_exits_non_zero_on_a_problem(exported: Path, capsys: Any) -> None:
    call_command("check_report", str(exported))
    assert "结论：通过" in capsys.readouterr().out
    _replace_in_docx(exported, ">12场<", ">13场<")
    with pytest.raises(CommandError) as info:
        call_command("check_report", str(exported))
    assert info.value.returncode == 1
    assert "文中数据已被改动" in capsys.readouterr().out


def test_sidecar_provenance(ledger: Any, tmp_path: Path) -> None:
    doc = compose(ledger.tree.district, ledger.period).document
    path, sidecar = tmp_path / "plain.docx", tmp_path / "plain.json"
    write_docx(doc, path, provenance=False)
    write_provenance_json(doc, sidecar)
    assert not check_docx(path).ok  # no embedded provenance: every figure is unknown
    assert check_docx(path, provenance_path=sidecar).ok


def test_quoted_titles_with_digits_are_not_taken_for_figures(ledger: Any, tmp_path: Path) -> None:
    from taizhang.core.testing import make_record

    make_record(ledger.sc, "lecture_event", {"lecture_events": 1, "lecture_audience": 900},
                day=datetime.date(2024, 2, 1), title="南城街道3000人百姓宣讲大会")
    doc = compose(ledger.tree.district, ledger.period).document
    assert "南城街道3000人百姓宣讲大会" in doc.plain_text()
    path = tmp_path / "t.docx"
    write_docx(doc, path)
    assert check_docx(path).ok


def test_unit_names_with_digits_are_not_taken_for_figures(ledger: Any, tmp_path: Path) -> None:
    from taizhang.core.testing import make_record
    from taizhang.org import actions as org_actions
    from taizhang.org.models import Unit

    s18 = org_actions.create_unit(acting_user=None, code="S18", name="街道18", kind=Unit.Kind.STREET,
                                  parent=ledger.tree.district, sort_order=9)
    make_record(s18, "lecture_event", {"lecture_events": 9, "lecture_audience": 90}, day=datetime.date(2024, 4, 1))
    doc = compose(ledger.tree.district, ledger.period).document
    assert "街道18、" in doc.plain_text()
    path = tmp_path / "names.docx"
    write_docx(doc, path)
    assert check_docx(path).ok


def test_sibling_figures_are_checked_through_their_parent(ledger: Any) -> None:
    from taizhang.core.testing import make_record
    from taizhang.ledger.figures import compute
    from taizhang.reports import sources

    def fig(fid: str, unit: Any) -> Figure:
        result = compute("lecture_events", period=ledger.period, unit=unit)
        source = sources.ledger_source(result)
        return Figure(fid, sources.render(result.value, source["display"]), result.value, source)

    tree = ledger.tree
    doc = _doc(fig("a", tree.street_a), "、", fig("b", tree.street_b), "、", fig("c", ledger.sd), "、",
               fig("d", tree.community_a1), "，全区", fig("e", tree.district), "。")
    report = check_document(doc)
    assert report.ok
    assert report.verified == 5
    make_record(tree.community_a1, "lecture_event", {"lecture_events": 2, "lecture_audience": 10},
                day=datetime.date(2024, 8, 8))
    stale = {i.figure for i in check_document(doc).errors}
    assert stale == {"a", "d", "e"}


def _doc(*runs: Any) -> Document:
    return Document(title="2024年测试", blocks=[Paragraph("body", list(runs))], issuer="测试",
                    date=datetime.date(2024, 12, 31))


def test_pending_markers_are_warnings() -> None:
    report = check_document(_doc("共开展【待核实：主题报告会（原文“近300余场”）】场。"))
    assert report.ok
    assert [i.kind for i in report.warnings] == ["pending"]


def test_years_dates_ordinals_and_fixed_wording_are_not_numbers() -> None:
    text = "2024年5月12日，第19届活动坚持24小时全网巡查，党的二十大精神，一是……（1）要点，2025年起实施"
    assert bare_numbers(text) == []
    assert check_document(_doc(text), recompute=False).ok
    typed = "全年开展活动1000，受众20000"
    assert [typed[s:e] for s, e in bare_numbers(typed)] == ["1000", "20000"]


def test_a_kind_whose_module_is_missing_means_cannot_recompute_not_wrong(monkeypatch: Any) -> None:
    from taizhang.reports import sources

    monkeypatch.setitem(sys.modules, "taizhang.targets.provenance", None)  # import raises ImportError
    monkeypatch.setattr(sources, "_RECOMPUTERS", {})
    fig = Figure("t1", "85.3%", Decimal("85.3"), {"kind": "target", "value": "85.3",
                                                  "display": {"format": "number", "measure_word": "%"}})
    report = check_document(_doc("完成年度目标任务的", fig, "。"))
    assert report.ok
    assert [i.kind for i in report.warnings] == ["unverifiable"]


def test_composed_summary_docx_has_the_official_layout(exported: Path) -> None:
    word = docx.Document(str(exported))
    section = word.sections[0]
    assert section.page_width.mm == pytest.approx(210, abs=0.5)
    assert section.page_height.mm == pytest.approx(297, abs=0.5)
    assert (round(section.top_margin.mm), round(section.left_margin.mm), round(section.bottom_margin.mm),
            round(section.right_margin.mm)) == (37, 28, 35, 26)
    styles = {p.text: p.style.name for p in word.paragraphs if p.text.strip()}
    assert styles["2024年测试区委宣传部工作总结"] == "公文标题"
    assert styles["一、2024年工作完成情况"] == "一级标题"
    assert styles["（一）筑牢思想根基，理论武装走深走实"] == "二级标题"
    body = next(p for p in word.paragraphs if p.text.startswith("2024年，测试区委宣传部"))
    assert body.style.name == "公文正文"
    assert body.style.font.name == "仿宋_GB2312"
    assert body.style.font.size.pt == 16
    texts = [p.text for p in word.paragraphs if p.text.strip()]
    assert "测试区委宣传部" in texts
    assert "2024年12月31日" in texts
    assert "附件：数据来源" in texts
    assert "附件" in texts
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer
