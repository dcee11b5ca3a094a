"""Statistics import (good, bad rows, re-import) and press conferences (lead time in working days, the event,
materials, archive, skipped plans)."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from taizhang.core.errors import InvalidInput, InvalidTransition
from taizhang.press import actions, imports
from taizhang.press.models import AccountStat, Conference, NewMediaAccount
from taizhang.press.tests.conftest import World, open_account

D = datetime.date


def _csv(rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(imports.HEADERS)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _row(name: str = "东城发布", start: str = "2026-11-01", end: str = "2026-11-30", posts: Any = 20,
         last: str = "2026-11-28", followers: Any = 5600) -> list[Any]:
    return ["微信公众号", name, start, end, posts, 15000, 300, 80, 25, 120, followers, last, "标题", 3200]


def test_statistics_import_stores_and_moves_the_last_post_date(world: World) -> None:
    account = open_account(world, world.tree.street_a, last_post=D(2026, 11, 1))
    result = imports.import_stats(_csv([_row(), _row(start="2026-10-01", end="2026-10-31", last="2026-10-30")]),
                                  "stats.csv", acting_user=world.liaison_a, accounts=NewMediaAccount.objects.all())
    assert (result.created, result.updated) == (2, 0)
    account.refresh_from_db()
    assert account.last_post_date == D(2026, 11, 28)
    # re-import the same period: replaced, not added
    again = imports.import_stats(_csv([_row(posts=25)]), "stats.csv", acting_user=None,
                                 accounts=NewMediaAccount.objects.all())
    assert (again.created, again.updated) == (0, 1)
    assert AccountStat.objects.get(account=account, period_end=D(2026, 11, 30)).posts == 25
    assert AccountStat.objects.count() == 2


def test_statistics_import_reports_every_bad_row_and_writes_nothing(world: World) -> None:
    open_account(world, world.tree.street_a)
    data = _csv([
        _row(),
        _row(name="不存在的号"),
        _row(posts="二十"),
        _row(start="2026-11-31"),
        _row(end="2026-10-01"),
        _row(followers=-5),
        _row(),  # the same account and period as row 2
    ])
    with pytest.raises(InvalidInput) as exc:
        imports.import_stats(data, "stats.csv", acting_user=None, accounts=NewMediaAccount.objects.all())
    message = exc.value.message
    for needle in ("第 3 行“账号名称”", "第 4 行“发文数”", "第 5 行“统计起始日”", "第 6 行“统计截止日”",
                   "第 7 行“关注总数”", "第 8 行", "与第 2 行"):
        assert needle in message
    assert AccountStat.objects.count() == 0


def test_statistics_import_reads_the_xlsx_template_and_refuses_other_files(world: World) -> None:
    from openpyxl import load_workbook

    open_account(world, world.tree.street_a)
    wb = load_workbook(io.BytesIO(imports.template_bytes()))
    ws = wb.active
    ws.delete_rows(2)
    ws.append(["微信公众号", "东城发布", D(2026, 11, 1), D(2026, 11, 30), 12, 100, 1, 1, 1, 3, 900, D(2026, 11, 29),
               "", ""])
    out = io.BytesIO()
    wb.save(out)
    result = imports.import_stats(out.getvalue(), "s.xlsx", acting_user=None, accounts=NewMediaAccount.objects.all())
    assert result.created == 1
    with pytest.raises(InvalidInput, match="xlsx 或 csv"):
        imports.import_stats(b"x", "s.txt", acting_user=None, accounts=NewMediaAccount.objects.all())
    with pytest.raises(InvalidInput, match="缺少列"):
        imports.import_stats("平台,账号名称\n".encode(), "s.csv", acting_user=None,
                             accounts=NewMediaAccount.objects.all())


def test_an_account_outside_the_importers_scope_is_unknown_to_the_import(world: World) -> None:
    open_account(world, world.tree.street_b, name="西城发布")
    mine = NewMediaAccount.objects.visible_to(world.liaison_a, "edit_records")
    with pytest.raises(InvalidInput, match="登记册中没有"):
        imports.import_stats(_csv([_row(name="西城发布")]), "s.csv", acting_user=world.liaison_a, accounts=mine)


def test_filing_deadline_counts_working_days_across_national_day() -> None:
    # 2026: 10-01..10-07 off, 10-08 and 10-09 work, Saturday 10-10 is a 调休 working day (chinese-calendar)
    assert actions.filing_deadline(D(2026, 10, 9)) == (D(2026, 9, 29), False)  # 10-08, 09-30, 09-29
    assert actions.filing_deadline(D(2026, 10, 12)) == (D(2026, 10, 8), False)  # 10-10 (Saturday), 10-09, 10-08
    assert actions.filing_deadline(D(2027, 3, 10))[1] is True  # 2027 not announced yet: provisional


def test_conference_filed_late_is_marked_and_the_loop_runs_to_archive(world: World, monkeypatch: Any) -> None:
    today = timezone.localdate()
    conf = actions.file_conference(acting_user=world.liaison_a, unit=world.tree.street_a, topic="文旅发布",
                                   date=today + datetime.timedelta(days=1), speakers="张某")
    assert conf.filed_late  # one day ahead is less than three working days
    early = actions.file_conference(acting_user=world.liaison_a, unit=world.tree.street_a, topic="年度发布",
                                    date=today + datetime.timedelta(days=30))
    assert not early.filed_late
    with pytest.raises(InvalidInput):
        actions.file_conference(acting_user=world.liaison_a, unit=world.tree.street_a, topic="x",
                                date=today - datetime.timedelta(days=1))
    with pytest.raises(InvalidTransition):
        actions.record_held(acting_user=world.liaison_a, conference=conf, expected_version=conf.version,
                            journalists=5)
    actions.decide_conference(acting_user=world.staff, conference=conf, approve=True)
    Conference.objects.filter(pk=conf.pk).update(date=today)
    conf.refresh_from_db()
    conf = actions.record_held(acting_user=world.liaison_a, conference=conf, expected_version=conf.version,
                               journalists=12, outlets_present="省电视台、市日报")
    assert conf.state == Conference.State.HELD
    with pytest.raises(InvalidInput, match="缺少新闻通稿"):
        actions.archive_conference(acting_user=world.liaison_a, conference=conf)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    actions.add_material(acting_user=world.liaison_a, conference=conf, kind="release",
                         upload=SimpleUploadedFile("通稿.txt", "新闻通稿内容".encode()))
    actions.add_material(acting_user=world.liaison_a, conference=conf, kind="transcript",
                         upload=SimpleUploadedFile("实录.txt", "实录".encode()))
    with pytest.raises(InvalidInput):
        actions.add_material(acting_user=world.liaison_a, conference=conf, kind="photo",
                             upload=SimpleUploadedFile("p.png", b"not an image"))
    for i in range(7):
        actions.add_material(acting_user=world.liaison_a, conference=conf, kind="photo",
                             upload=SimpleUploadedFile(f"p{i}.png", png))
    with pytest.raises(InvalidInput, match="现有 7 张"):
        actions.archive_conference(acting_user=world.liaison_a, conference=conf)
    actions.add_material(acting_user=world.liaison_a, conference=conf, kind="photo",
                         upload=SimpleUploadedFile("p8.png", png))
    conf = actions.archive_conference(acting_user=world.liaison_a, conference=conf)
    assert conf.state == Conference.State.ARCHIVED


def test_planned_conferences_not_held_are_named(world: World) -> None:
    held_plan = actions.plan_conference(acting_user=world.staff, year=2026, unit=world.tree.street_a,
                                        topic="上半年经济", planned_date=D(2026, 7, 10))
    actions.plan_conference(acting_user=world.staff, year=2026, unit=world.tree.bureau, topic="招生政策",
                            planned_date=D(2026, 6, 1))
    with pytest.raises(InvalidInput):
        actions.plan_conference(acting_user=world.staff, year=2026, unit=world.tree.bureau, topic="x",
                                planned_date=D(2027, 1, 1))
    conf = Conference.objects.create(plan=held_plan, unit=world.tree.street_a, topic="上半年经济",
                                     date=D(2026, 7, 10), state=Conference.State.HELD)
    skipped = actions.skipped_plans(2026, on=D(2026, 12, 1))
    assert [p.topic for p in skipped] == ["招生政策"]
    assert conf.plan_id == held_plan.pk
