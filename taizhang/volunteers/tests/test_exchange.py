from __future__ import annotations

import datetime
import io

import openpyxl
import pytest

from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_user
from taizhang.volunteers import actions, exchange
from taizhang.volunteers.models import HourRecord, Volunteer
from taizhang.volunteers.tests.factories import make_team, make_volunteer, resident_id

pytestmark = pytest.mark.django_db


def workbook(people, hours=()) -> io.BytesIO:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = exchange.VOL_SHEET
    ws.append(exchange.VOL_COLUMNS)
    for row in people:
        ws.append(row)
    hs = wb.create_sheet(exchange.HOURS_SHEET)
    hs.append(exchange.HOURS_COLUMNS)
    for row in hours:
        hs.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def person(n, unit="SA1", **kw):
    idn = resident_id(datetime.date(1980, 1, 1) + datetime.timedelta(days=n), 500 + n)
    row = {"姓名": f"李{n}号", "证件类型": "居民身份证", "证件号码": idn, "手机号码": f"1371000{n:04d}",
           "出生日期": None, "所属单位代码": unit, "技能特长": "", "监护人姓名": "", "监护人电话": "", "监护人同意": ""}
    row.update(kw)
    return [row[c] for c in exchange.VOL_COLUMNS]


def test_import_all_rows(tree):
    team = make_team(tree.street_a, "东城红马甲")
    p1, p2 = person(1), person(2)
    result = exchange.import_xlsx(workbook([p1, p2], [(p1[2], team.name, "2024-05-01", 2.5, "植树")]))
    assert (result.volunteers, result.hours) == (2, 1)
    v = Volunteer.objects.get(id_hash=actions.id_hash(p1[2]))
    assert v.total_hours == 2.5 and v.source == "import"
    assert HourRecord.objects.get().source == HourRecord.Source.IMPORT


def test_bad_rows_and_duplicates_import_nothing(tree):
    make_team(tree.street_a, "东城红马甲")
    existing = make_volunteer(tree.community_a1)
    p1 = person(1)
    rows = [p1, p1, person(3, unit="NOPE"), person(4, 证件号码="123"), person(5, 手机号码="12"),
            person(6, 证件号码=existing.id_number)]
    hours = [(p1[2], "不存在的队伍", "2024-05-01", 2, "x"), (p1[2], "东城红马甲", "2099-01-01", 20, "x")]
    with pytest.raises(InvalidInput) as exc:
        exchange.import_xlsx(workbook(rows, hours))
    errors = "\n".join(exc.value.errors["file"])
    assert "志愿者第3行“证件号码”：与本文件中前面的行重复" in errors
    assert "志愿者第4行“所属单位代码”" in errors
    assert "志愿者第5行“证件号码”" in errors
    assert "志愿者第6行“手机号码”" in errors
    assert "已注册为志愿者（重复）" in errors
    assert "服务时长第2行“队伍名称”" in errors
    assert "服务时长第3行“服务日期”" in errors and "服务时长第3行“时长”" in errors
    assert existing.id_number not in errors  # masked in the messages
    assert Volunteer.objects.count() == 1 and HourRecord.objects.count() == 0


def test_not_an_xlsx(tree):
    with pytest.raises(InvalidInput):
        exchange.import_xlsx(io.BytesIO(b"name,id\n1,2\n"))


def test_export_masked_unless_permitted_and_audited(tree):
    v = make_volunteer(tree.community_a1)
    out = io.BytesIO()
    exchange.export_xlsx(out)
    text = str([c.value for row in openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.iter_rows()
                for c in row])
    assert v.number in text and v.id_number not in text and v.phone not in text and v.real_name not in text
    with pytest.raises(NotPermitted):
        exchange.export_xlsx(io.BytesIO(), with_personal=True)
    with pytest.raises(NotPermitted):
        exchange.export_xlsx(io.BytesIO(), with_personal=True, acting_user=make_user("liaison", tree.district))
    out = io.BytesIO()
    exchange.export_xlsx(out, with_personal=True, acting_user=make_user("staff", tree.district))
    text = str([c.value for row in openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.iter_rows()
                for c in row])
    assert v.id_number in text
    assert AuditEntry.objects.filter(action="export", message__contains="含完整个人信息").exists()


def test_cli_import_reports_errors(tree, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook([person(1, unit="NOPE")]).getvalue())
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("volunteers", "import", str(path))
