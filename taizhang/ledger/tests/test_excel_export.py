"""Excel export: scoped, filtered like the record list, formula-like text escaped."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from taizhang.core.errors import InvalidInput
from taizhang.core.models import AuditEntry
from taizhang.core.testing import PASSWORD, make_record, make_user
from taizhang.ledger.excel.exporter import escape_text, export_records
from taizhang.ledger.excel.filters import filter_records
from taizhang.ledger.models import Outlet, Record

pytestmark = pytest.mark.django_db
DANGEROUS = ["=1+2", "+SUM(A1:A3)", "-2+3", "@cmd", "\t=x", "\r=y", '=HYPERLINK("http://evil","点我")']


def rows_of(data: bytes) -> list[tuple[Any, ...]]:
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    return list(ws.iter_rows(values_only=True))


def cells_of(data: bytes) -> list[Any]:
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    return [c for row in ws.iter_rows() for c in row]


@pytest.fixture
def records(taxonomy: Any, tree: Any) -> dict[str, Record]:
    sa = make_record(tree.street_a, "theory_group_study", {"theory_participants": 30}, title="=1+2",
                     day=datetime.date(2024, 3, 1))
    a1 = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 80}, title="百姓宣讲进社区",
                     day=datetime.date(2024, 5, 1), status="draft")
    sb = make_record(tree.street_b, "theory_group_study", {"theory_participants": 12}, title="西城学习",
                     day=datetime.date(2024, 8, 1))
    return {"sa": sa, "a1": a1, "sb": sb}


def test_escape_text() -> None:
    for value in DANGEROUS:
        assert escape_text(value) == "'" + value
    assert escape_text("普通标题") == "普通标题"
    assert escape_text("a\x00b\x07c") == "abc"  # characters XML cannot hold


def test_export_escapes_formula_like_cells(records: dict[str, Record], tree: Any) -> None:
    for i, text in enumerate(DANGEROUS):
        make_record(tree.street_a, "theory_group_study", {"theory_participants": 1}, title=text,
                    day=datetime.date(2024, 1, 1 + i))
    Record.objects.filter(title="+SUM(A1:A3)").update(description="=cmd|' /C calc'!A0", location="@SUM(1)")
    Record.objects.filter(title="=x").update(title="\t=x")  # (the actions strip titles; imports or the API may not)
    Record.objects.filter(title="=y").update(title="\r=y")
    data = export_records(Record.objects.all())
    cells = cells_of(data)
    assert not [c for c in cells if c.data_type == "f"]  # no formulas at all
    titles = {r[7] for r in rows_of(data)[1:]}
    for text in DANGEROUS:
        assert "'" + text in titles
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "'=cmd|' /C calc'!A0" in texts
    assert "'@SUM(1)" in texts


def test_export_columns_metrics_and_values(records: dict[str, Record]) -> None:
    rows = rows_of(export_records(Record.objects.order_by("start_date")))
    header = rows[0]
    assert header[:13] == ("记录编号", "单位代码", "单位名称", "工作线", "活动类型", "日期", "结束日期", "标题",
                           "内容简介", "地点", "状态", "来源", "报送时间")
    assert "参学人数（人次）" in header
    assert "受众人数（人次）" in header
    people = header.index("参学人数（人次）")
    first = rows[1]
    assert first[1] == "SA"
    assert first[5] == datetime.datetime(2024, 3, 1)
    assert first[10] == "已通过"
    assert first[people] == 30
    assert first[12] is not None  # submitted at
    assert len(rows) == 4


def test_export_placement_columns(taxonomy: Any, tree: Any) -> None:
    from taizhang.ledger.actions import PlacementInput

    outlet = Outlet.objects.get(name="人民日报")
    make_record(tree.street_a, "placement", {}, title="用稿", placement=PlacementInput(
        outlet=outlet, article_title="-负面标题也要转义", is_headline=True, word_count=1200))
    rows = rows_of(export_records(Record.objects.all()))
    header = rows[0]
    row = dict(zip(header, rows[1], strict=True))
    assert row["媒体名称"] == "人民日报"
    assert row["媒体级别"] == "中央"
    assert row["头条"] == "是"
    assert row["字数"] == 1200
    assert row["稿件标题"] == "'-负面标题也要转义"


def test_filters(records: dict[str, Record], tree: Any) -> None:
    qs = Record.objects.all()

    def keys(params: dict[str, Any]) -> set[str]:
        found = filter_records(qs, params)
        return {k for k, r in records.items() if found.filter(pk=r.pk).exists()}

    assert keys({"unit": "SA"}) == {"sa", "a1"}
    assert keys({"period": "2024H1"}) == {"sa", "a1"}
    assert keys({"period": "2024Q3"}) == {"sb"}
    assert keys({"type": "theory_group_study"}) == {"sa", "sb"}
    assert keys({"line": "lectures"}) == {"a1"}
    assert keys({"status": "draft"}) == {"a1"}
    assert keys({"status": "draft,approved"}) == {"sa", "a1", "sb"}
    assert keys({"source": "import"}) == set()
    assert keys({"q": "宣讲"}) == {"a1"}
    assert keys({"ids": f"{records['sa'].pk},{records['sb'].pk}"}) == {"sa", "sb"}
    for bad in ({"unit": "NOPE"}, {"period": "2024H3"}, {"status": "done"}, {"type": "x"}, {"ids": "a"}):
        with pytest.raises(InvalidInput):
            filter_records(qs, bad)


def test_export_view_respects_scope_and_audits(records: dict[str, Record], tree: Any, client: Any) -> None:
    liaison = make_user("liaison", tree.street_a, username="sa_liaison")
    client.login(username="sa_liaison", password=PASSWORD)
    response = client.get(reverse("ledger:export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    rows = rows_of(response.content)
    assert {r[1] for r in rows[1:]} == {"SA", "SA1"}  # not SB's records
    entry = AuditEntry.objects.get(action="export")
    assert entry.username == liaison.username
    assert entry.after["count"] == 2
    # the SB unit filter from an SA liaison yields nothing rather than SB's records
    assert len(rows_of(client.get(reverse("ledger:export"), {"unit": "SB"}).content)) == 1
    # filters as on the record list
    rows = rows_of(client.get(reverse("ledger:export"), {"period": "2024-03", "status": "approved"}).content)
    assert [r[7] for r in rows[1:]] == ["'=1+2"]
    bad = client.get(reverse("ledger:export"), {"period": "明年"})
    assert bad.status_code == 400
    assert "无法识别的时间段" in bad.content.decode()


def test_export_view_needs_login_and_view_capability(records: dict[str, Record], tree: Any, client: Any) -> None:
    assert client.get(reverse("ledger:export")).status_code == 302
    make_user("sysadmin", tree.district, username="admin1")
    client.login(username="admin1", password=PASSWORD)
    assert client.get(reverse("ledger:export")).status_code == 403


def test_cli_export(records: dict[str, Record], tmp_path: Any, capsys: Any, tree: Any) -> None:
    out = tmp_path / "out.xlsx"
    call_command("export", "--unit", "SA", "--type", "theory_group_study", "--out", str(out))
    assert "已导出 1 条记录" in capsys.readouterr().out
    rows = rows_of(out.read_bytes())
    assert [r[7] for r in rows[1:]] == ["'=1+2"]
    make_user("liaison", tree.street_b, username="sb_liaison")
    call_command("export", "--user", "sb_liaison", "--out", str(out))
    assert {r[1] for r in rows_of(out.read_bytes())[1:]} == {"SB"}
    with pytest.raises(CommandError) as info:
        call_command("export", "--period", "2024H9", "--out", str(out))
    assert info.value.returncode == 1
    assert "无法识别的时间段" in str(info.value)
    with pytest.raises(CommandError, match="输出目录不存在"):
        call_command("export", "--out", str(tmp_path / "no" / "x.xlsx"))
