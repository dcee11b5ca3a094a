"""Figures from the providers, the monthly bulletin through the shared document writer, import and export."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from taizhang.citizen import actions, stats
from taizhang.citizen.models import Report
from taizhang.core.models import AuditEntry
from taizhang.core.periods import parse_period

from .conftest import PHONE, submit

pytestmark = pytest.mark.django_db


def _month() -> Any:
    return parse_period(timezone.localdate().strftime("%Y-%m"))


def _loop(world: Any) -> dict[str, Report]:
    from taizhang.cases import actions as cases
    from taizhang.cases.models import Case

    out = {}
    for name, rating in (("a", "satisfied"), ("b", "unsatisfied"), ("c", "")):
        r = submit(world, phone=PHONE)
        actions.dispatch_report(acting_user=world.intake, report=r)
        case = Case.objects.for_subject(r).get()
        cases.handle_case(acting_user=world.unit_user, case=case, reply="ok", public_reply="已处理")
        cases.verify_case(acting_user=world.intake, case=case, passed=True)
        r.refresh_from_db()
        if rating:
            actions.rate_report(report=r, rating=rating)
        out[name] = r
    out["open"] = submit(world)
    out["rejected"] = submit(world, place=world.place_b)
    actions.reject_report(acting_user=world.intake, report=out["rejected"], reason="不属于受理范围")
    return out


def test_providers(world: Any) -> None:
    _loop(world)
    p = _month()
    assert stats.value("citizen_reports_received", p)[0] == 5
    assert stats.value("citizen_closure_rate", p)[0] == Decimal("80.0")  # 3 closed + 1 rejected of 5
    assert stats.value("citizen_satisfaction_rate", p)[0] == Decimal("50.0")
    assert stats.value("citizen_callback_rate", p)[0] == Decimal("50.0")  # 2 rated of 4 closed
    assert stats.value("citizen_ontime_rate", p)[0] == Decimal("100.0")
    sb = stats.subtree(world.tree.street_b)
    assert stats.value("citizen_reports_received", p, sb)[0] == 1
    assert stats.value("citizen_reports_received", p, [world.tree.street_a.pk], unit_field="unit")[0] == 3
    assert stats.value("citizen_reports_received", p, category="illegal_parking")[0] == 0


def test_figures_compute_uses_the_providers(world: Any) -> None:
    from taizhang.ledger.figures import compute
    from taizhang.ledger.taxonomy import load_defaults

    load_defaults()
    _loop(world)
    result = compute("citizen_reports_received", period=_month())
    assert result.value == 5 and len(result.records) == 5
    by_unit = compute("citizen_closure_rate", period=_month(), unit=world.tree.district, by="unit")
    assert {row.label for row in by_unit.breakdown} >= {world.tree.street_a.name}


def test_bulletin_every_figure_traced(world: Any) -> None:
    from taizhang.citizen.bulletin import build_document
    from taizhang.reports.docwriter import read_provenance, write_docx

    _loop(world)
    doc = build_document(_month())
    figures = list(doc.figures())
    assert "随手拍" in doc.title and len(figures) >= 10
    assert all(f.source.get("provider") == "citizen.report" and "records" in f.source for f in figures)
    received = next(f for f in figures if f.source["metric"] == "citizen_reports_received" and not f.source["filters"])
    assert received.text == "5件"
    out = io.BytesIO()
    write_docx(doc, out)
    out.seek(0)
    assert len(read_provenance(out)) >= len({f.id for f in figures})
    client = Client()
    client.force_login(world.intake)
    page = client.get("/citizen/bulletin/", {"period": _month().spec})
    assert page.status_code == 200 and "办理情况的通报" in page.content.decode()
    docx = client.get("/citizen/bulletin/", {"period": _month().spec, "format": "docx"})
    assert docx.status_code == 200 and docx["Content-Type"].startswith("application/vnd.openxmlformats")


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["外部编号", "提交时间", "类别", "问题描述", "地点", "位置描述", "纬度", "经度", "联系电话"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_import_all_or_nothing_with_row_errors(world: Any, tmp_path: Path, capsys: Any) -> None:
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(_xlsx([
        ["X1", "2024-05-01 09:00", "垃圾堆放", "垃圾", "人民路", "", "", "", ""],
        ["X2", "2024-05-02", "不存在的类别", "描述", "人民路", "", "", "", ""],
        ["X3", "昨天", "乱停车", "", "", "", "", "", "12345"],
    ]))
    with pytest.raises(CommandError):
        call_command("citizen-reports", "import", str(bad))
    err = capsys.readouterr().err
    assert "第 3 行“类别”" in err and "第 4 行“提交时间”" in err and "第 4 行“联系电话”" in err
    assert Report.objects.count() == 0
    good = tmp_path / "good.csv"
    good.write_text("外部编号,提交时间,类别,问题描述,地点,位置描述,纬度,经度,联系电话\n"
                    "Y1,2024-05-01 09:00,垃圾堆放,路口垃圾,人民路,,,,13900001111\n"
                    "Y2,2024/05/03,other,宣传栏破损,,西门,,,\n", encoding="utf-8")
    call_command("citizen-reports", "import", str(good))
    assert Report.objects.filter(channel="import").count() == 2
    assert Report.objects.get(external_id="Y1").submitted_at.date() == datetime.date(2024, 5, 1)
    with pytest.raises(CommandError):  # the same file twice: already imported
        call_command("citizen-reports", "import", str(good))
    assert Report.objects.count() == 2


def test_export_without_and_with_contact(world: Any, tmp_path: Path) -> None:
    submit(world, phone=PHONE, description="=HYPERLINK(\"x\")")
    out = tmp_path / "out.xlsx"
    call_command("citizen-reports", "export", "--period", _month().spec, "--out", str(out))
    sheet = load_workbook(out).active
    assert sheet is not None
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert PHONE not in values and "联系电话" not in values
    assert "'=HYPERLINK(\"x\")" in values
    with pytest.raises(CommandError):
        call_command("citizen-reports", "export", "--period", _month().spec, "--out", str(out), "--with-contact")
    with pytest.raises(CommandError):
        call_command("citizen-reports", "export", "--period", _month().spec, "--out", str(out), "--with-contact",
                     "--user", "sa_liaison")
    call_command("citizen-reports", "export", "--period", _month().spec, "--out", str(out), "--with-contact",
                 "--user", "intake")
    sheet = load_workbook(out).active
    assert sheet is not None
    assert PHONE in [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert AuditEntry.objects.filter(action="citizen.report_export", message__contains="含联系方式").exists()


def test_stats_page_for_leaders(world: Any) -> None:
    from taizhang.core.testing import make_user

    _loop(world)
    leader = make_user("viewer", world.tree.district, username="leader")
    client = Client()
    client.force_login(leader)
    html = client.get("/citizen/stats/", {"period": _month().spec}).content.decode()
    assert "按类别" in html and "按责任单位" in html and "80%" in html and "垃圾堆放" in html
    assert client.get("/citizen/bulletin/").status_code == 403
