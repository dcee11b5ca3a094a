"""Event filing: lead time in working days across holidays, the approval chain, change after approval, the
overseas-speaker rule, held and cancelled, events found unfiled followed up as cases, figures, pages, CLI."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.core.testing import make_user
from taizhang.filings import actions
from taizhang.filings.models import EventFiling

D = datetime.date
S = EventFiling.State


def _at(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(day.year, day.month, day.day, hour, 0))


@pytest.fixture
def people(taxonomy: Any, tree: Any) -> dict[str, Any]:
    return {
        "tree": tree,
        "liaison": make_user("liaison", tree.community_a1, username="f_liaison"),
        "host_reviewer": make_user("reviewer", tree.community_a1, username="f_host"),
        "street_reviewer": make_user("reviewer", tree.street_a, username="f_street"),
        "staff": make_user("staff", tree.district, username="f_staff"),
        "other": make_user("liaison", tree.street_b, username="f_other"),
    }


def _filing(p: dict[str, Any], starts: datetime.datetime, **extra: Any) -> EventFiling:
    values = {"kind": "lecture", "topic": "学习二十届四中全会精神宣讲", "starts_at": starts,
              "ends_at": starts + datetime.timedelta(hours=2), "place": "社区活动室", "outline": "一、……二、……",
              "audience": "社区党员", "audience_size": 60,
              "speakers": [{"name": "王教授", "title": "教授", "org": "市委党校"}]}
    values.update(extra)
    return actions.create_filing(acting_user=p["liaison"], unit=p["tree"].community_a1, **values)


@pytest.fixture
def clock(monkeypatch: Any) -> Any:
    class Clock:
        now = _at(D(2026, 9, 21))

        def __call__(self) -> datetime.datetime:
            return self.now

    c = Clock()
    monkeypatch.setattr(actions, "_now", c)
    return c


def test_due_date_counts_working_days_across_the_holiday(taxonomy: Any) -> None:
    # a lecture (2 working days) on Friday 10-09: 10-08 and then, across 10-01..10-07, Wednesday 09-30
    assert actions.due_date("lecture", D(2026, 10, 9)) == (D(2026, 9, 30), False)
    # a forum (5 working days) on Monday 10-12: 10-10 (调休 Saturday), 10-09, 10-08, 09-30, 09-29
    assert actions.due_date("forum", D(2026, 10, 12)) == (D(2026, 9, 29), False)
    assert actions.due_date("lecture", D(2027, 3, 3))[1] is True  # 2027 not announced: provisional


def test_the_chain_runs_host_supervisor_department(people: dict[str, Any], clock: Any) -> None:
    clock.now = _at(D(2026, 9, 28))
    filing = _filing(people, _at(D(2026, 10, 9), 14))
    assert filing.supervisor == people["tree"].street_a  # the community's street supervises it
    filing = actions.submit_filing(acting_user=people["liaison"], filing=filing)
    assert filing.state == S.HOST and filing.filed_in_time and filing.due_by == D(2026, 9, 30)
    with pytest.raises(NotPermitted):
        actions.decide_filing(acting_user=people["street_reviewer"], filing=filing, approve=True)  # not its stage
    with pytest.raises(NotPermitted):
        actions.decide_filing(acting_user=people["liaison"], filing=filing, approve=True)
    filing = actions.decide_filing(acting_user=people["host_reviewer"], filing=filing, approve=True)
    assert filing.state == S.SUPERVISOR
    with pytest.raises(InvalidInput):
        actions.decide_filing(acting_user=people["street_reviewer"], filing=filing, approve=False)
    filing = actions.decide_filing(acting_user=people["street_reviewer"], filing=filing, approve=True)
    assert filing.state == S.DEPARTMENT
    filing = actions.decide_filing(acting_user=people["staff"], filing=filing, approve=True)
    assert filing.state == S.APPROVED
    assert [s.kind for s in filing.steps.all()] == ["submit", "approve", "approve", "approve"]


def test_filed_late_is_accepted_and_marked(people: dict[str, Any], clock: Any) -> None:
    clock.now = _at(D(2026, 10, 8), 8)
    filing = actions.submit_filing(acting_user=people["liaison"], filing=_filing(people, _at(D(2026, 10, 9), 14)))
    assert filing.filed_in_time is False


def test_a_return_goes_back_to_the_unit_and_resubmission_keeps_the_first_filing_time(people: dict[str, Any],
                                                                                      clock: Any) -> None:
    clock.now = _at(D(2026, 9, 28))
    filing = actions.submit_filing(acting_user=people["liaison"], filing=_filing(people, _at(D(2026, 10, 9))))
    filing = actions.decide_filing(acting_user=people["host_reviewer"], filing=filing, approve=False,
                                   reason="提纲不完整")
    assert filing.state == S.RETURNED
    filing = actions.update_filing(acting_user=people["liaison"], filing=filing, expected_version=filing.version,
                                   outline="一、背景；二、要点；三、要求")
    clock.now = _at(D(2026, 10, 8))
    filing = actions.submit_filing(acting_user=people["liaison"], filing=filing)
    assert filing.filed_in_time is True  # decided by the first submission


def test_a_change_after_approval_goes_back_for_review(people: dict[str, Any], clock: Any) -> None:
    clock.now = _at(D(2026, 9, 28))
    filing = actions.submit_filing(acting_user=people["liaison"], filing=_filing(people, _at(D(2026, 10, 9))))
    for who in ("host_reviewer", "street_reviewer", "staff"):
        filing = actions.decide_filing(acting_user=people[who], filing=filing, approve=True)
    with pytest.raises(InvalidInput, match="境外"):
        actions.update_filing(acting_user=people["liaison"], filing=filing, expected_version=filing.version,
                              speakers=[{"name": "Dr. Smith", "org": "某大学", "overseas": True}])
    filing.refresh_from_db()
    filing = actions.update_filing(acting_user=people["liaison"], filing=filing, expected_version=filing.version,
                                   place="街道礼堂")
    assert filing.state == S.DEPARTMENT and filing.changed_after_approval
    assert "地点" in filing.steps.filter(kind="change").get().text
    filing = actions.decide_filing(acting_user=people["staff"], filing=filing, approve=True)
    assert filing.state == S.APPROVED


def test_an_overseas_speaker_needs_prior_approval(people: dict[str, Any], clock: Any) -> None:
    clock.now = _at(D(2026, 9, 28))
    filing = _filing(people, _at(D(2026, 10, 20)),
                     speakers=[{"name": "Prof. Lee", "title": "教授", "org": "某大学", "overseas": True}])
    with pytest.raises(InvalidInput, match="境外"):
        actions.submit_filing(acting_user=people["liaison"], filing=filing)
    filing = actions.update_filing(acting_user=people["liaison"], filing=filing, expected_version=filing.version,
                                   overseas_approval="X外审〔2026〕12号")
    assert actions.submit_filing(acting_user=people["liaison"], filing=filing).state == S.HOST


def test_held_and_cancelled(people: dict[str, Any], clock: Any) -> None:
    clock.now = _at(D(2026, 9, 28))
    filing = actions.submit_filing(acting_user=people["liaison"], filing=_filing(people, _at(D(2026, 10, 9))))
    with pytest.raises(InvalidTransition):
        actions.record_held(acting_user=people["liaison"], filing=filing, summary="x")
    for who in ("host_reviewer", "street_reviewer", "staff"):
        filing = actions.decide_filing(acting_user=people[who], filing=filing, approve=True)
    with pytest.raises(InvalidTransition, match="尚未举办"):
        actions.record_held(acting_user=people["liaison"], filing=filing, summary="x")
    clock.now = _at(D(2026, 10, 9), 18)
    filing = actions.record_held(acting_user=people["liaison"], filing=filing, summary="宣讲一场，反响良好",
                                 attendance=58)
    assert filing.state == S.HELD
    other = actions.submit_filing(acting_user=people["liaison"], filing=_filing(people, _at(D(2026, 10, 20))))
    with pytest.raises(InvalidInput):
        actions.cancel_filing(acting_user=people["liaison"], filing=other, reason="")
    assert actions.cancel_filing(acting_user=people["liaison"], filing=other, reason="改期").state == S.CANCELLED
    with pytest.raises(NotPermitted):
        actions.cancel_filing(acting_user=people["other"], filing=filing, reason="x")


def test_events_held_without_filing_become_cases_and_figures(people: dict[str, Any], clock: Any) -> None:
    from taizhang.cases.models import Case
    from taizhang.core.periods import parse_period
    from taizhang.ledger.figures import compute

    clock.now = _at(D(2026, 9, 28))
    filing = actions.submit_filing(acting_user=people["liaison"], filing=_filing(people, _at(D(2026, 10, 9))))
    event = actions.report_unfiled(acting_user=people["staff"], unit=people["tree"].community_a2, kind="salon",
                                   topic="读书沙龙", held_on=D(2026, 9, 1), source="placement")
    case = Case.objects.for_subject(event).get()
    assert case.kind == "filing_followup" and case.unit == people["tree"].community_a2
    with pytest.raises(NotPermitted):
        actions.report_unfiled(acting_user=people["liaison"], unit=people["tree"].community_a1, kind="salon",
                               topic="x", held_on=D(2026, 9, 1), source="report")
    year = parse_period("2026")
    assert compute("filings_count", period=year, unit="D").records == [filing.pk]
    assert compute("filings_on_time_rate", period=year, unit="D").value == 100
    assert compute("events_unfiled", period=year, unit="SA").records == [event.pk]
    assert compute("events_unfiled", period=year, unit="SB").value == 0


def test_pages_and_scoping(people: dict[str, Any], clock: Any) -> None:
    clock.now = _at(D(2026, 9, 28))
    filing = actions.submit_filing(acting_user=people["liaison"], filing=_filing(people, _at(D(2030, 10, 9))))
    mine, other = Client(), Client()
    mine.force_login(people["liaison"])
    other.force_login(people["other"])
    for name in ("filing_list", "filing_new", "calendar"):
        assert mine.get(reverse(f"filings:{name}")).status_code == 200
    assert mine.get(reverse("filings:calendar") + "?month=2030-10").content.decode().count(filing.topic) >= 1
    assert mine.get(reverse("filings:calendar") + "?month=abc").status_code == 200
    assert mine.get(reverse("filings:filing_detail", args=[filing.pk])).status_code == 200
    assert other.get(reverse("filings:filing_detail", args=[filing.pk])).status_code == 404
    assert filing.topic not in other.get(reverse("filings:filing_list")).content.decode()
    assert mine.get(reverse("filings:unfiled_list")).status_code == 403
    staff = Client()
    staff.force_login(people["staff"])
    assert staff.get(reverse("filings:unfiled_list")).status_code == 200
    response = mine.post(reverse("filings:filing_new"), {
        "unit": people["tree"].community_a1.pk, "kind": "forum", "topic": "社区治理论坛",
        "starts_at": "2030-11-01T09:00", "ends_at": "2030-11-01T11:00", "place": "会议室",
        "speakers": "李四，主任，街道办\nJohn，学者，某机构，境外", "outline": "提纲", "audience": "居民",
        "audience_size": "40", "submit_now": "1"})
    # refused: the overseas speaker needs an approval number. The form comes back (400) with what was typed and the
    # problem beside the approval field; no half-made draft is left behind to be filed twice.
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="社区治理论坛"' in page and "John，学者，某机构，境外" in page
    assert "有境外主讲人的活动须先取得审批" in page or "请填写" in page
    assert not EventFiling.objects.filter(topic="社区治理论坛").exists()
    response = mine.post(reverse("filings:filing_new"), {
        "unit": people["tree"].community_a1.pk, "kind": "forum", "topic": "社区治理论坛",
        "starts_at": "2030-11-01T09:00", "ends_at": "2030-11-01T11:00", "place": "会议室",
        "speakers": "李四，主任，街道办\nJohn，学者，某机构，境外", "outline": "提纲", "audience": "居民",
        "audience_size": "40"})
    assert response.status_code == 302
    created = EventFiling.objects.get(topic="社区治理论坛")
    assert created.state == S.DRAFT and created.has_overseas_speaker


def test_refused_detail_forms_come_back_with_what_was_typed(people: dict[str, Any], clock: Any) -> None:
    clock.now = _at(D(2026, 9, 28))
    filing = actions.submit_filing(acting_user=people["liaison"], filing=_filing(people, _at(D(2026, 10, 9))))
    host = Client()
    host.force_login(people["host_reviewer"])
    url = reverse("filings:filing_detail", args=[filing.pk])
    # 退回 needs a reason: refused with 400, the choice kept, the problem beside the reason
    response = host.post(url, {"op": "decide", "approve": "0", "reason": "   "})
    page = response.content.decode()
    assert response.status_code == 400 and "请说明理由" in page
    assert '<option value="0" selected>' in page
    filing.refresh_from_db()
    assert filing.state == S.HOST
    # 取消 without a reason: the cancel part comes back open, the problem beside its field
    mine = Client()
    mine.force_login(people["liaison"])
    response = mine.post(url, {"op": "cancel", "reason": "  "})
    page = response.content.decode()
    assert response.status_code == 400 and "请说明理由" in page and "<details open>" in page
    filing.refresh_from_db()
    assert filing.state == S.HOST
    # 登记举办情况 refused (not yet held): the summary typed is in the form again
    for who in ("host_reviewer", "street_reviewer", "staff"):
        filing = actions.decide_filing(acting_user=people[who], filing=filing, approve=True)
    clock.now = _at(D(2026, 10, 9), 18)
    response = mine.post(url, {"op": "held", "summary": "宣讲一场，反响良好", "attendance": "-3"})
    page = response.content.decode()
    assert response.status_code == 400 and "宣讲一场，反响良好</textarea>" in page and "tz-field__error" in page
    filing.refresh_from_db()
    assert filing.state == S.APPROVED


def test_a_stale_filing_edit_answers_409_and_keeps_what_was_typed(people: dict[str, Any], clock: Any) -> None:
    clock.now = _at(D(2026, 9, 28))
    filing = _filing(people, _at(D(2030, 10, 9)))
    mine = Client()
    mine.force_login(people["liaison"])
    response = mine.post(reverse("filings:filing_edit", args=[filing.pk]), {
        "kind": "lecture", "topic": "我改过的题目", "starts_at": "2030-10-09T09:00", "ends_at": "2030-10-09T11:00",
        "place": "社区活动室", "speakers": "王教授，教授，市委党校", "outline": "提纲", "audience": "党员",
        "audience_size": "60", "version": str(filing.version + 3)})
    page = response.content.decode()
    assert response.status_code == 409
    assert 'value="我改过的题目"' in page and "已被他人修改" in page
    filing.refresh_from_db()
    assert filing.topic == "学习二十届四中全会精神宣讲"
    bad = mine.post(reverse("filings:filing_edit", args=[filing.pk]), {"topic": "x", "version": "abc"})
    assert bad.status_code == 400


def test_a_refused_unfiled_report_keeps_what_was_typed(people: dict[str, Any], clock: Any) -> None:
    staff = Client()
    staff.force_login(people["staff"])
    response = staff.post(reverse("filings:unfiled_list"), {
        "unit": people["tree"].community_a2.pk, "kind": "salon", "topic": "读书沙龙未备案", "held_on": "不是日期",
        "source": "placement", "reference": "网上看到的线索"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="读书沙龙未备案"' in page and 'value="网上看到的线索"' in page and "tz-field__error" in page


def test_filings_command(people: dict[str, Any], clock: Any) -> None:
    clock.now = _at(D(2026, 10, 8), 8)
    actions.submit_filing(acting_user=people["liaison"], filing=_filing(people, _at(D(2026, 10, 9))))
    out = StringIO()
    call_command("filings", "--period", "2026-10", "--json", stdout=out)
    [row] = json.loads(out.getvalue())["filings"]
    assert (row["unit"], row["state"], row["in_time"], row["due_by"]) == ("SA1", "host", False, "2026-09-30")
    out = StringIO()
    call_command("filings", "--period", "2026-10", "--unit", "SB", stdout=out)
    assert out.getvalue() == ""


def test_filings_demo_builds_every_state(taxonomy: Any) -> None:
    import random

    from django.db import transaction

    from taizhang.core.demo import DemoContext
    from taizhang.filings import demo
    from taizhang.org import demo as org_demo

    ctx = DemoContext(seed=1, today=D(2026, 11, 20), rng=random.Random(1))
    with transaction.atomic():
        org_demo.build(ctx)
        demo.build(ctx)
    states = set(EventFiling.objects.values_list("state", flat=True))
    assert {"draft", "host", "returned", "approved", "held"} <= states
    assert EventFiling.objects.filter(changed_after_approval=True, state="approved").exists()
    assert EventFiling.objects.filter(filed_in_time=False).exists()
    assert any(f.has_overseas_speaker for f in EventFiling.objects.all())
