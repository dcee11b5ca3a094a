"""The command line: taizhang summary / check-report / extract / import-summary (slots and fill: test_fill)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import docx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taizhang.ledger.models import Record
from taizhang.reports.checker import check_docx
from taizhang.reports.models import Summary
from taizhang.reports.tests.test_slots import needs_seeds, seed

pytestmark = pytest.mark.django_db


def test_summary_command_writes_the_same_draft_as_the_web(ledger: Any, tmp_path: Path, capsys: Any) -> None:
    from taizhang.reports.composer import compose

    out, html = tmp_path / "2024.docx", tmp_path / "2024.html"
    call_command("summary", "--unit", "D", "--period", "2024", "--out", str(out), "--html", str(html), "--save",
                 "--sidecar", str(tmp_path / "2024.json"))
    printed = capsys.readouterr().out
    assert "2024年测试区委宣传部工作总结" in printed
    assert "已保存为草稿" in printed
    word = docx.Document(str(out))
    assert word.paragraphs[0].text == "2024年测试区委宣传部工作总结"
    assert 'class="tz-figure"' in html.read_text(encoding="utf-8")
    assert check_docx(out).ok
    saved = Summary.objects.get()
    assert saved.document == compose(ledger.tree.district, ledger.period).document.to_dict()
    assert json.loads((tmp_path / "2024.json").read_text(encoding="utf-8"))["figures"]


def test_summary_command_explains_bad_input(ledger: Any, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="单位代码“NOPE”不存在"):
        call_command("summary", "--unit", "NOPE", "--period", "2024", "--out", str(tmp_path / "x.docx"))
    with pytest.raises(CommandError, match="无法识别的时间段"):
        call_command("summary", "--unit", "D", "--period", "2024年", "--out", str(tmp_path / "x.docx"))


@pytest.mark.skipif(not (shutil.which("libreoffice") or shutil.which("soffice")), reason="LibreOffice not installed")
def test_summary_command_renders_a_pdf_and_names_the_fonts(ledger: Any, tmp_path: Path, capsys: Any) -> None:
    pdf = tmp_path / "2024.pdf"
    call_command("summary", "--unit", "D", "--period", "2024", "--pdf", str(pdf))
    assert pdf.read_bytes()[:4] == b"%PDF"
    assert "PDF" in capsys.readouterr().out


@needs_seeds
def test_extract_command_reads_the_seed(ledger: Any, tmp_path: Path, capsys: Any) -> None:
    src = tmp_path / "000.txt"
    src.write_text(seed("000"), encoding="utf-8")
    call_command("extract", str(src), "--json")
    figures = json.loads(capsys.readouterr().out)["figures"]
    assert figures
    assert {"text", "value", "unit", "qualifier", "subject", "section", "span", "metric", "metric_name",
            "confidence", "sure", "outlet_level", "change", "role", "approximate", "part_of"} <= set(figures[0])
    assert not any(f["text"].endswith("年") for f in figures)


def test_import_summary_command(ledger: Any, tmp_path: Path, capsys: Any) -> None:
    src = tmp_path / "old.txt"
    src.write_text("一、理论宣讲\n全年开展各类宣讲活动近300余场，受众2.5万人次。", encoding="utf-8")
    call_command("import_summary", str(src), "--unit", "SA", "--period", "2023", "--dry-run")
    out = capsys.readouterr().out
    assert "待确认\t近300余场\t宣讲场次" in out and "导入\t2.5万人次" in out  # an approximate value waits for a person
    before = Record.objects.count()
    call_command("import_summary", str(src), "--unit", "SA", "--period", "2023")
    assert Record.objects.count() == before + 1
    out = capsys.readouterr().out
    assert "已写入台账记录草稿 1 条" in out and "另有 1 个数据" in out
    assert set(Record.objects.filter(source="summary").values_list("status", flat=True)) == {"draft"}
