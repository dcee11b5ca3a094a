"""The unit's public reply reaches the citizen only when 宣传部 has accepted the handling (the case verified or
closed), and is withdrawn when the case goes back to be handled again (verification failed, reopened after an
unhappy rating, cancelled): the tracking page, the public list, Open311 and the export never show a reply the
department has not accepted, or one it has taken back. Staff keep the handled text in the case timeline."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from taizhang.citizen import actions
from taizhang.citizen.exchange import export_reports
from taizhang.citizen.models import Report
from taizhang.core.periods import parse_period

from .conftest import submit

pytestmark = pytest.mark.django_db
REPLY = "已清运完毕，感谢您的监督"
S = Report.Status


def dispatched(world: Any) -> tuple[Report, Any]:
    from taizhang.cases import actions as cases
    from taizhang.cases.models import Case

    report = submit(world)
    actions.dispatch_report(acting_user=world.intake, report=report)
    case = Case.objects.for_subject(report).get()
    cases.accept_case(acting_user=world.unit_user, case=case)
    return report, case


def public_views(report: Report) -> dict[str, str]:
    """What the public and the reporter see of the report: tracking page, public list, Open311 (both formats)."""
    client = Client()
    return {
        "track": client.get(f"/public/track/{report.code}/").content.decode(),
        "list": client.get("/public/reports/").content.decode(),
        "open311": client.get(f"/public/open311/v2/requests/{report.pk}.json").content.decode(),
        "open311_all": client.get("/public/open311/v2/requests.xml").content.decode(),
    }


def exported_reply(report: Report) -> Any:
    book = load_workbook(io.BytesIO(export_reports(parse_period(timezone.localdate().strftime("%Y-%m")))))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return next(r for r in rows[1:] if r[0] == report.pk)[rows[0].index("答复")]


def status_notes(report: Report) -> str:
    return str(Client().get(f"/public/open311/v2/requests/{report.pk}.json").json()[0]["status_notes"])


def test_reply_shown_only_after_the_check_and_withdrawn_on_reopen(world: Any) -> None:
    from taizhang.cases import actions as cases

    report, case = dispatched(world)
    cases.handle_case(acting_user=world.unit_user, case=case, reply="已安排环卫清运", public_reply=REPLY)
    report.refresh_from_db()
    assert report.status == S.HANDLED and report.public_reply == ""
    for where, body in public_views(report).items():
        assert REPLY not in body, where
    assert status_notes(report) == "待核查" and exported_reply(report) in ("", None)
    assert "待核查" in public_views(report)["track"]

    cases.verify_case(acting_user=world.intake, case=case, passed=True)  # 宣传部 accepts it: now it is the answer
    report.refresh_from_db()
    assert report.status == S.CLOSED and report.public_reply == REPLY
    shown = public_views(report)
    assert f'<div class="pub-card" id="reply"><h2>答复</h2><p>{REPLY}</p></div>' in shown["track"]
    assert f"答复：{REPLY}" in shown["list"] and REPLY in shown["open311"] and status_notes(report) == REPLY
    assert exported_reply(report) == REPLY

    actions.rate_report(report=report, rating="unsatisfied", comment="还有残留")
    actions.reopen_report(report=report, reason="路口还有垃圾")
    report.refresh_from_db()
    assert report.status == S.DISPATCHED and report.public_reply == "" and report.replied_at is None
    shown = public_views(report)
    for where, body in shown.items():
        assert REPLY not in body, where  # not in the reply card, nor in the history
    assert 'id="state">办理中<' in shown["track"] and status_notes(report) == "办理中"
    assert exported_reply(report) in ("", None)
    # staff keep what was said: the case timeline and page, and the report's own history (not public)
    staff = Client()
    staff.force_login(world.intake)
    assert REPLY in staff.get(f"/citizen/reports/{report.pk}/").content.decode()
    assert report.events.filter(public=False, text__contains=REPLY).exists()
    case.refresh_from_db()
    assert case.events.filter(kind="handle", text__contains="已安排环卫清运").exists()
    assert "已安排环卫清运" in staff.get(f"/cases/{case.pk}/").content.decode()

    cases.handle_case(acting_user=world.unit_user, case=case, reply="再次清运", public_reply="已彻底清理并加强巡查")
    assert "已彻底清理" not in public_views(report)["track"]
    cases.verify_case(acting_user=world.intake, case=case, passed=True)
    report.refresh_from_db()
    assert report.public_reply == "已彻底清理并加强巡查" and REPLY not in public_views(report)["track"]


def test_failed_check_sends_it_back_without_a_reply(world: Any) -> None:
    from taizhang.cases import actions as cases

    report, case = dispatched(world)
    cases.handle_case(acting_user=world.unit_user, case=case, reply="已清运", public_reply=REPLY)
    cases.verify_case(acting_user=world.intake, case=case, passed=False, reason="照片看不出已清运")
    report.refresh_from_db()
    assert report.status == S.DISPATCHED and report.public_reply == ""
    track = public_views(report)["track"]
    assert REPLY not in track and "已交责任单位重新办理" in track and "责任单位已签收" in track
    assert track.count("责任单位已签收") == 1  # the failed check is not told as a second signing


def test_a_new_handling_without_a_public_reply_leaves_none(world: Any) -> None:
    from taizhang.cases import actions as cases

    report, case = dispatched(world)
    cases.handle_case(acting_user=world.unit_user, case=case, reply="已清运", public_reply=REPLY)
    cases.verify_case(acting_user=world.intake, case=case, passed=True)
    cases.reopen_case(acting_user=world.intake, case=case, reason="复查发现反弹")
    report.refresh_from_db()
    assert report.public_reply == "" and "已交责任单位重新办理" in public_views(report)["track"]
    cases.handle_case(acting_user=world.unit_user, case=case, reply="再次清运")
    cases.close_case(acting_user=world.intake, case=case)
    report.refresh_from_db()
    assert report.status == S.CLOSED and report.public_reply == ""
    assert REPLY not in public_views(report)["track"]


def test_a_cancelled_case_takes_its_reply_back(world: Any) -> None:
    from taizhang.cases import actions as cases

    report, case = dispatched(world)
    cases.handle_case(acting_user=world.unit_user, case=case, reply="已清运", public_reply=REPLY)
    cases.verify_case(acting_user=world.intake, case=case, passed=True, close=False)  # 已核查: accepted
    report.refresh_from_db()
    assert report.status == S.CLOSED and report.public_reply == REPLY
    cases.reopen_case(acting_user=world.intake, case=case, reason="群众来电反映未清运")
    cases.cancel_case(acting_user=world.intake, case=case, reason="改由城管直接处理")
    report.refresh_from_db()
    assert report.status == S.ACCEPTED and report.public_reply == ""


def test_a_direct_answer_reopened_is_withdrawn_too(world: Any) -> None:
    report = submit(world)
    actions.answer_report(acting_user=world.intake, report=report, reply=REPLY)
    assert REPLY in public_views(report)["track"] and status_notes(report) == REPLY
    actions.rate_report(report=report, rating="unsatisfied")
    actions.reopen_report(report=report, reason="没有清运")
    report.refresh_from_db()
    assert report.status == S.ACCEPTED and report.public_reply == ""
    for where, body in public_views(report).items():
        assert REPLY not in body, where


def test_a_reply_stored_before_the_check_is_never_shown(world: Any) -> None:
    """Rows written before this rule (a reply copied when the unit handled it) show nothing until closed."""
    report, _case = dispatched(world)
    for status in (S.HANDLED, S.DISPATCHED):
        Report.objects.filter(pk=report.pk).update(status=status, public_reply=REPLY)
        report.refresh_from_db()
        for where, body in public_views(report).items():
            assert REPLY not in body, (status, where)
        assert exported_reply(report) in ("", None)
        staff = Client()
        staff.force_login(world.intake)
        assert staff.get(f"/api/citizen/reports/{report.pk}/").json()["public_reply"] == ""
