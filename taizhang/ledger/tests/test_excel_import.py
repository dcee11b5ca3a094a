"""Excel import: validate every row first, commit all or nothing, report errors by row and column, idempotent."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_user
from taizhang.ledger.excel.columns import SHEET_DATA, SHEET_META, SHEET_UNITS
from taizhang.ledger.excel.filters import filter_records
from taizhang.ledger.excel.importer import format_error, import_file
from taizhang.ledger.excel.templates import build_template
from taizhang.ledger.excel.testing import fill_template, plain_workbook
from taizhang.ledger.models import ActivityType, ImportBatch, Placement, Record, RecordFigure

pytestmark = pytest.mark.django_db

TYPE = "theory_group_study"  # 集体学习次数 (required, default 1), 参学人数 (required), 交流发言人数 (optional)


def good_rows(n: int, *, start: int = 0, units: tuple[str, ...] = ("SA", "SA1", "SA2")) -> list[dict[str, Any]]:
    return [
        {
            "单位代码": units[i % len(units)],
            "日期": datetime.date(2024, 1 + i % 12, 1 + i % 28),
            "标题": f"理论学习中心组第{i + 1}次集体学习",
            "内容简介": "学习贯彻党的创新理论",
            "地点": "会议室",
            "参学人数": 20 + i % 50,
            "交流发言人数": i % 5 or None,
        }
        for i in range(start, start + n)
    ]


@pytest.fixture
def atype(taxonomy: Any) -> ActivityType:
    return ActivityType.objects.select_related("line").get(key=TYPE)


@pytest.fixture
def liaison(tree: Any) -> Any:
    return make_user("liaison", tree.street_a, username="liaison_sa")


def run(data: bytes, user: Any, **kwargs: Any) -> Any:
    return import_file(data, filename="填报.xlsx", acting_user=user, **kwargs)


def error_map(outcome: Any) -> dict[tuple[int | None, str], str]:
    return {(e["row"], e["column"]): e["message"] for e in outcome.errors}


def test_template_has_chinese_headers_examples_units_and_metadata(atype: ActivityType, liaison: Any) -> None:
    wb = load_workbook(io.BytesIO(build_template(atype, user=liaison)))
    assert wb.sheetnames[:2] == [SHEET_DATA, "说明"]
    ws = wb[SHEET_DATA]
    headers = [c.value for c in ws[1]]
    assert headers[:8] == ["示例行", "单位代码", "单位名称", "日期*", "结束日期", "标题*", "内容简介", "地点"]
    assert "参学人数（人次）*" in headers  # required without default
    assert "集体学习次数（次）" in headers  # required with a default: may be left empty
    assert ws["A2"].value == "示例"
    assert ws["A3"].value == "示例"
    assert ws.freeze_panes == "D2"
    assert ws.data_validations.dataValidation  # unit list
    units = [r[0] for r in wb[SHEET_UNITS].iter_rows(min_row=2, values_only=True)]
    assert units == ["SA", "SA1", "SA2"]  # only the units the liaison may fill for
    assert wb[SHEET_UNITS].sheet_state == "hidden"
    meta = dict(wb[SHEET_META].iter_rows(values_only=True))
    assert meta["activity_type"] == TYPE
    assert meta["version"] == 1
    assert wb[SHEET_META].sheet_state == "veryHidden"


def test_placement_template_has_placement_columns(taxonomy: Any, tree: Any) -> None:
    atype = ActivityType.objects.get(key="placement")
    ws = load_workbook(io.BytesIO(build_template(atype)))[SHEET_DATA]
    headers = [c.value for c in ws[1]]
    expected = ("媒体名称*", "稿件标题*", "链接", "版面/栏目", "头条(是/否)", "头版(是/否)", "千字以上(是/否)", "字数")
    for name in expected:
        assert name in headers
    assert "标题" in headers  # optional: the article title stands in


def test_good_file_of_300_rows_imports_all(atype: ActivityType, liaison: Any) -> None:
    data = fill_template(atype, good_rows(300), user=liaison)
    before = Record.objects.count()
    outcome = run(data, liaison)
    assert outcome.ok, outcome.errors[:5]
    assert (outcome.created, outcome.skipped, outcome.rows, outcome.examples) == (300, 0, 300, 2)
    assert Record.objects.count() == before + 300
    records = Record.objects.filter(source="import")
    assert set(records.values_list("status", flat=True)) == {"draft"}
    assert set(records.values_list("unit__code", flat=True)) == {"SA", "SA1", "SA2"}
    first = records.get(title="理论学习中心组第1次集体学习")
    assert first.figure_map() == {"theory_sessions": Decimal(1), "theory_participants": Decimal(20)}  # default 1
    assert first.start_date == datetime.date(2024, 1, 1)
    assert first.created_by == liaison
    batch = ImportBatch.objects.get(pk=outcome.batch.pk)
    assert (batch.status, batch.created, batch.rows, batch.activity_type) == ("committed", 300, 300, atype)
    assert AuditEntry.objects.filter(action="create", object_type="ledger.record").count() == 300
    assert AuditEntry.objects.filter(action="import", object_id=str(batch.pk)).exists()
    # the batch filter finds exactly these records
    assert filter_records(Record.objects.all(), {"batch": str(batch.pk)}).count() == 300


def test_submit_imports_as_submitted(atype: ActivityType, liaison: Any) -> None:
    outcome = run(fill_template(atype, good_rows(3), user=liaison), liaison, submit=True)
    assert outcome.created == 3
    assert set(Record.objects.values_list("status", flat=True)) == {"submitted"}
    assert Record.objects.filter(submitted_at__isnull=True).count() == 0


def test_bad_rows_reported_by_row_and_column_and_nothing_written(atype: ActivityType, liaison: Any) -> None:
    rows = good_rows(8)
    rows[0]["参学人数"] = "很多"  # wrong type                         → row 4, metric column
    rows[1]["单位代码"] = "NOPE"  # unknown unit                        → row 5, B
    rows[2]["单位代码"] = "SB1"  # outside the liaison's scope          → row 6, B
    rows[3]["参学人数"] = 5_000_000  # out of range (max 1,000,000)    → row 7
    rows[4]["参学人数"] = None  # required, no default                 → row 8
    rows[5]["日期"] = "2024-13-45"  # bad date                          → row 9, D
    rows[6]["日期"] = "五月十二日"  # unparseable date                  → row 10, D
    rows[7]["集体学习次数"] = 1.5  # integer metric                      → row 11
    data = fill_template(atype, rows + good_rows(5, start=100), user=liaison)
    before = (Record.objects.count(), RecordFigure.objects.count())
    outcome = run(data, liaison)
    assert not outcome.ok
    assert outcome.batch.status == "failed"
    assert (Record.objects.count(), RecordFigure.objects.count()) == before
    errors = error_map(outcome)
    headers = [c.value for c in load_workbook(io.BytesIO(data))[SHEET_DATA][1]]
    col = {h.rstrip("*"): chr(ord("A") + i) for i, h in enumerate(headers)}
    people, sessions = col["参学人数（人次）"], col["集体学习次数（次）"]
    assert "应填写数字" in errors[(4, people)]
    assert "很多" in errors[(4, people)]
    assert "不存在" in errors[(5, "B")]
    assert "无权" in errors[(6, "B")]
    assert "SB1" in errors[(6, "B")]
    assert "不能大于" in errors[(7, people)]
    assert "必填" in errors[(8, people)]
    assert "2024-13-45" in errors[(9, "D")]
    assert "不存在" in errors[(9, "D")]
    assert "格式无法识别" in errors[(10, "D")]
    assert "整数" in errors[(11, sessions)]
    assert len(outcome.errors) == 8
    stored = ImportBatch.objects.get(pk=outcome.batch.pk)
    assert stored.errors[0] == {
        "row": 4, "column": people, "header": "参学人数（人次）", "message": errors[(4, people)]
    }
    assert format_error(stored.errors[0]).startswith(f"第4行 {people}列（参学人数（人次））：")


def test_date_formats(atype: ActivityType, liaison: Any) -> None:
    values = [datetime.datetime(2024, 5, 12), "2024-05-12", "2024/5/13", "2024年5月14日", "2024.5.15", 45432]
    rows = [{"单位代码": "SA", "日期": v, "标题": f"学习{i}", "参学人数": 10} for i, v in enumerate(values)]
    outcome = run(fill_template(atype, rows, user=liaison), liaison)
    assert outcome.ok, outcome.errors
    days = sorted(Record.objects.values_list("start_date", flat=True))
    assert days == [datetime.date(2024, 5, d) for d in (12, 12, 13, 14, 15)] + [datetime.date(2024, 5, 20)]


def test_end_date_before_start_and_missing_title(atype: ActivityType, liaison: Any) -> None:
    rows = [
        {"单位代码": "SA", "日期": "2024-05-12", "结束日期": "2024-05-01", "标题": "x", "参学人数": 1},
        {"单位代码": "SA", "日期": "2024-05-12", "标题": "", "参学人数": 1},
        {"单位代码": "SA", "日期": "2024-05-12", "标题": "长" * 201, "参学人数": 1},
    ]
    errors = error_map(run(fill_template(atype, rows, user=liaison), liaison))
    assert "不能早于" in errors[(4, "E")]
    assert errors[(5, "F")] == "请填写标题"
    assert "200" in errors[(6, "F")]


def test_duplicate_rows_within_file(atype: ActivityType, liaison: Any) -> None:
    rows = good_rows(3)
    rows.append(dict(rows[1]))
    outcome = run(fill_template(atype, rows, user=liaison), liaison)
    assert not outcome.ok
    assert [(e["row"], e["message"][:8]) for e in outcome.errors] == [(7, "与第 5 行重复")]
    assert Record.objects.count() == 0


def test_same_file_twice_creates_no_duplicates(atype: ActivityType, liaison: Any) -> None:
    data = fill_template(atype, good_rows(20), user=liaison)
    assert run(data, liaison).created == 20
    again = run(data, liaison)
    assert again.ok
    assert again.batch.status == "duplicate"
    assert again.created == 0
    assert "重复文件" in again.summary
    assert Record.objects.count() == 20


def test_different_file_with_overlapping_rows_skips_them(atype: ActivityType, liaison: Any) -> None:
    assert run(fill_template(atype, good_rows(10), user=liaison), liaison).created == 10
    outcome = run(fill_template(atype, good_rows(15, start=5), user=liaison), liaison)  # rows 5..9 known
    assert outcome.ok
    assert (outcome.created, outcome.skipped) == (10, 5)
    assert outcome.summary.startswith("新增 10 条、跳过 5 条")
    assert Record.objects.count() == 20
    assert ImportBatch.objects.get(pk=outcome.batch.pk).skipped == 5


def test_unit_default_and_restriction(atype: ActivityType, tree: Any) -> None:
    district_liaison = make_user("liaison", tree.district)
    rows = [
        {"日期": "2024-05-12", "标题": "无代码，记入所选单位", "参学人数": 5},
        {"单位代码": "SB1", "日期": "2024-05-12", "标题": "不在所选单位范围", "参学人数": 5},
    ]
    outcome = run(fill_template(atype, rows, user=district_liaison), district_liaison, unit=tree.street_a)
    errors = error_map(outcome)
    assert list(errors) == [(5, "B")]
    assert "不在本次导入所选单位" in errors[(5, "B")]
    outcome = run(fill_template(atype, rows[:1], user=district_liaison), district_liaison, unit=tree.street_a)
    assert outcome.created == 1
    assert Record.objects.get().unit == tree.street_a


def test_user_without_edit_capability_is_refused(atype: ActivityType, tree: Any) -> None:
    viewer = make_user("viewer", tree.street_a)
    outcome = run(fill_template(atype, good_rows(2)), viewer)
    assert not outcome.ok
    assert "没有填报记录的权限" in outcome.errors[0]["message"]
    assert Record.objects.count() == 0


def test_unknown_and_missing_columns_are_header_errors(atype: ActivityType, liaison: Any) -> None:
    headers = ["单位代码", "日期", "标题", "备注", "活动人数"]
    data = plain_workbook(headers, [["SA", "2024-05-12", "x", "", 3]])
    outcome = run(data, liaison, activity_type=atype)
    messages = [format_error(e) for e in outcome.errors]
    assert any(m.startswith("第1行 D列（备注）：无法识别的列") for m in messages)
    assert any("缺少必填列“参学人数（人次）”" in m for m in messages)
    assert Record.objects.count() == 0


def test_plain_workbook_needs_a_type_and_accepts_header_variants(atype: ActivityType, liaison: Any) -> None:
    headers = ["单位代码", "日期（YYYY-MM-DD）", "标题 *", "参学人数(人次)", "交流发言人数"]
    data = plain_workbook(headers, [["SA1", "2024/6/1", "读书分享", "35", "３"]])
    outcome = run(data, liaison)
    assert not outcome.ok
    assert "无法确定活动类型" in outcome.errors[0]["message"]
    outcome = run(data, liaison, activity_type=atype)
    assert outcome.ok, outcome.errors
    assert Record.objects.get().figure_map()["theory_speeches"] == 3  # full-width digit


def test_template_type_mismatch(atype: ActivityType, liaison: Any) -> None:
    other = ActivityType.objects.get(key="lecture_event")
    outcome = run(fill_template(atype, good_rows(1), user=liaison), liaison, activity_type=other)
    assert not outcome.ok
    assert "不一致" in outcome.errors[0]["message"]


def test_template_round_trip_placement(taxonomy: Any, tree: Any) -> None:
    atype = ActivityType.objects.get(key="placement")
    user = make_user("liaison", tree.street_a)
    rows = [
        {"单位代码": "SA1", "日期": "2024-05-12", "媒体名称": "人民日报", "稿件标题": "东一社区：志愿服务暖人心",
         "链接": "https://example.com/a", "版面/栏目": "要闻版", "头条": "是", "头版": "否", "千字以上": "是",
         "字数": 1500},
        {"单位代码": "SA", "日期": "2024-05-13", "标题": "街道经验被央视报道", "媒体名称": "央视",  # an alias
         "稿件标题": "东城街道创新基层治理"},
    ]
    outcome = import_file(fill_template(atype, rows, user=user), filename="用稿.xlsx", acting_user=user)
    assert outcome.ok, outcome.errors
    first = Placement.objects.select_related("record", "outlet").get(article_title="东一社区：志愿服务暖人心")
    assert first.record.title == "东一社区：志愿服务暖人心"  # the article title stands in for the record title
    assert (first.outlet.name, first.is_headline, first.is_front_page, first.is_long, first.word_count) == (
        "人民日报", True, False, True, 1500)
    assert first.credits.get().unit == tree.community_a1
    second = Placement.objects.select_related("outlet").get(article_title="东城街道创新基层治理")
    assert second.outlet.name == "中央广播电视总台"
    assert RecordFigure.objects.filter(record=second.record_id).get().outlet_level == "national"


def test_placement_errors(taxonomy: Any, tree: Any) -> None:
    atype = ActivityType.objects.get(key="placement")
    user = make_user("liaison", tree.street_a)
    rows = [
        {"单位代码": "SA", "日期": "2024-05-12", "媒体名称": "不存在的报", "稿件标题": "a"},
        {"单位代码": "SA", "日期": "2024-05-12", "媒体名称": "人民日报", "稿件标题": "b", "头条": "也许",
         "链接": "ftp://x", "字数": -3},
        {"单位代码": "SA", "日期": "2024-05-12", "媒体名称": "人民日报", "稿件标题": ""},
    ]
    outcome = import_file(fill_template(atype, rows, user=user), filename="x.xlsx", acting_user=user)
    messages = [format_error(e) for e in outcome.errors]
    assert any("第4行" in m and "不在媒体名录中" in m for m in messages)
    assert any("第5行" in m and "（头条(是/否)）" in m and "“是”或“否”" in m for m in messages)
    assert any("第5行" in m and "（链接）" in m for m in messages)
    assert any("第5行" in m and "（字数）" in m for m in messages)
    assert any("第6行" in m and "请填写稿件标题" in m for m in messages)
    assert Record.objects.count() == 0


def test_examples_only_is_an_error(atype: ActivityType, liaison: Any) -> None:
    outcome = run(build_template(atype, user=liaison), liaison)
    assert not outcome.ok
    assert "没有可导入的数据行" in outcome.errors[0]["message"]
    assert outcome.examples == 2


def test_cli_import_exit_codes(atype: ActivityType, liaison: Any, tmp_path: Any, capsys: Any) -> None:
    good = tmp_path / "good.xlsx"
    good.write_bytes(fill_template(atype, good_rows(12), user=liaison))
    call_command("import", str(good), "--user", "liaison_sa", "--submit")
    assert "新增 12 条、跳过 0 条" in capsys.readouterr().out
    assert Record.objects.filter(status="submitted").count() == 12
    call_command("import", str(good), "--user", "liaison_sa")
    assert "重复文件" in capsys.readouterr().out

    rows = good_rows(3, start=50)
    rows[2]["日期"] = "2024-02-30"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(fill_template(atype, rows, user=liaison))
    with pytest.raises(CommandError) as info:
        call_command("import", str(bad), "--unit", "SA")
    assert info.value.returncode == 1
    assert "1 处错误" in str(info.value)
    assert "第6行 D列（日期）：日期不存在：2024-02-30" in capsys.readouterr().err
    assert Record.objects.count() == 12

    with pytest.raises(CommandError, match="单位代码“ZZ”不存在"):
        call_command("import", str(good), "--unit", "ZZ")
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import", str(tmp_path / "missing.xlsx"))


def test_failure_during_commit_writes_nothing(atype: ActivityType, liaison: Any, monkeypatch: Any) -> None:
    from taizhang.ledger.excel import importer

    def broken(items: Any, **kwargs: Any) -> Any:
        create_records_bulk(items[:5], **kwargs)  # half-way through …
        raise RuntimeError("disk full")

    from taizhang.ledger.actions import create_records_bulk

    monkeypatch.setattr(importer, "create_records_bulk", broken)
    with pytest.raises(RuntimeError):
        run(fill_template(atype, good_rows(10), user=liaison), liaison)
    assert Record.objects.count() == 0  # … rolled back
    batch = ImportBatch.objects.get()
    assert batch.status == "failed"
    assert "系统错误" in batch.errors[0]["message"]
