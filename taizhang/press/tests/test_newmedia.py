"""New-media accounts: filings, dormancy flags, sampling, checks → cases → re-checks, post review."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from taizhang.cases.models import Case
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.press import actions, rules
from taizhang.press.models import AccountCheck, AccountFiling, NewMediaAccount, PostReview
from taizhang.press.tests.conftest import World, open_account

D = datetime.date


def test_opening_goes_through_a_filing_the_department_approves(world: World) -> None:
    filing = actions.file_new_account(acting_user=world.liaison_a, unit=world.tree.street_a, platform="weibo",
                                      name="东城微博")
    assert filing.account.state == NewMediaAccount.State.PENDING
    with pytest.raises(NotPermitted):
        actions.decide_filing(acting_user=world.liaison_a, filing=filing, approve=True)
    actions.decide_filing(acting_user=world.staff, filing=filing, approve=True)
    account = NewMediaAccount.objects.get(pk=filing.account_id)
    assert account.state == NewMediaAccount.State.ACTIVE and account.filing_number and account.opened_on
    with pytest.raises(InvalidTransition):
        actions.decide_filing(acting_user=world.staff, filing=filing, approve=False, note="重复")


def test_a_second_account_on_one_platform_is_questioned(world: World) -> None:
    open_account(world, world.tree.street_a, "douyin", "东城抖音")
    with pytest.raises(InvalidInput, match="同一平台只开设一个账号"):
        actions.file_new_account(acting_user=world.liaison_a, unit=world.tree.street_a, platform="douyin",
                                 name="东城抖音二号")
    filing = actions.file_new_account(acting_user=world.liaison_a, unit=world.tree.street_a, platform="douyin",
                                      name="东城抖音二号", reason="专门发布文旅信息")
    assert filing.duplicate_warning


def test_change_suspend_close_lifecycle(world: World) -> None:
    account = open_account(world, world.tree.street_a)
    with pytest.raises(InvalidInput):
        actions.file_account_change(acting_user=world.liaison_a, account=account, kind="change", changes={})
    change = actions.file_account_change(acting_user=world.liaison_a, account=account, kind="change",
                                         changes={"name": "东城融媒", "operator": "王某"})
    with pytest.raises(InvalidTransition, match="待审核"):
        actions.file_account_change(acting_user=world.liaison_a, account=account, kind="close", reason="合并")
    actions.decide_filing(acting_user=world.staff, filing=change, approve=True)
    account.refresh_from_db()
    assert account.name == "东城融媒" and account.operator == "王某"
    with pytest.raises(InvalidInput, match="理由"):
        actions.file_account_change(acting_user=world.liaison_a, account=account, kind="suspend")
    suspend = actions.file_account_change(acting_user=world.liaison_a, account=account, kind="suspend",
                                          reason="人员调整")
    actions.decide_filing(acting_user=world.staff, filing=suspend, approve=True)
    account.refresh_from_db()
    assert account.state == NewMediaAccount.State.SUSPENDED
    close = actions.file_account_change(acting_user=world.liaison_a, account=account, kind="close", reason="合并")
    with pytest.raises(InvalidInput):
        actions.decide_filing(acting_user=world.staff, filing=close, approve=False)  # a return needs a reason
    actions.decide_filing(acting_user=world.staff, filing=close, approve=True)
    account.refresh_from_db()
    assert account.state == NewMediaAccount.State.CLOSED
    with pytest.raises(InvalidTransition):
        actions.file_account_change(acting_user=world.liaison_a, account=account, kind="change",
                                    changes={"name": "x"})
    assert AccountFiling.objects.filter(account=account).count() == 4


def test_another_units_liaison_cannot_file_for_it(world: World) -> None:
    with pytest.raises(NotPermitted):
        actions.file_new_account(acting_user=world.liaison_b, unit=world.tree.street_a, platform="wechat",
                                 name="x")


@pytest.mark.parametrize(("last", "on", "flag"), [
    (D(2026, 9, 30), D(2026, 10, 6), "ok"),  # 6 days, across the National Day holiday: dates, not working days
    (D(2026, 9, 30), D(2026, 10, 7), "warning"),  # 7 days
    (D(2026, 9, 30), D(2026, 10, 10), "warning"),  # 10 days (the second warning)
    (D(2026, 9, 30), D(2026, 10, 13), "warning"),  # 13 days
    (D(2026, 9, 30), D(2026, 10, 14), "dormant"),  # 14 days: 单项否决
    (None, D(2026, 10, 14), "dormant"),  # never posted, no opening date: nothing shows it lives
])
def test_dormancy_counts_calendar_days(last: datetime.date | None, on: datetime.date, flag: str) -> None:
    assert rules.dormancy_flag(rules.days_since(last, on)) == flag


def test_dormancy_lists_running_accounts_with_days(world: World) -> None:
    quiet = open_account(world, world.tree.street_a, last_post=D(2026, 9, 20))
    busy = open_account(world, world.tree.street_b, "weibo", "西城发布", last_post=D(2026, 10, 9))
    never = open_account(world, world.tree.community_a1, "toutiao", "东一头条", opened=D(2026, 10, 1))
    rows = {r["account"].pk: r for r in actions.dormancy(D(2026, 10, 10))}
    assert (rows[quiet.pk]["days"], rows[quiet.pk]["flag"]) == (20, "dormant")
    assert (rows[busy.pk]["days"], rows[busy.pk]["flag"]) == (1, "ok")
    assert (rows[never.pk]["days"], rows[never.pk]["flag"]) == (9, "warning")


def test_sampling_reaches_the_share_and_counts_checks_already_made(world: World) -> None:
    accounts = [open_account(world, world.tree.street_a, p, f"号{i}") for i, p in
                enumerate(["wechat", "weibo", "douyin", "channels", "toutiao", "kuaishou", "app"])]
    first = actions.sample_accounts(acting_user=world.staff, month=D(2026, 10, 15), share=0.5)
    assert len(first) == 4  # ceil(7 × 0.5)
    assert len({c.account_id for c in first}) == 4
    again = actions.sample_accounts(acting_user=world.staff, month=D(2026, 10, 20), share=0.5)
    assert again == []  # the month's share is already drawn
    more = actions.sample_accounts(acting_user=world.staff, month=D(2026, 10, 20), share=1.0)
    assert len(more) == 3 and {c.account_id for c in first + more} == {a.pk for a in accounts}
    with pytest.raises(InvalidInput):
        actions.sample_accounts(acting_user=world.staff, month=D(2026, 10, 1), share=0)


def test_scores_follow_the_indicators() -> None:
    assert rules.score(set()) == (Decimal(100), False, True)
    assert rules.score({"late_update", "unrelated_content"}) == (Decimal(60), False, True)
    assert rules.score({"late_update", "unrelated_content", "wording_error"}) == (Decimal(50), False, False)
    assert rules.score({"serious_error"})[1:] == (True, False)


def test_failed_check_opens_a_case_and_a_passing_recheck_closes_it(world: World, monkeypatch: Any) -> None:
    from taizhang.cases import actions as cases

    account = open_account(world, world.tree.street_a, last_post=D(2026, 9, 1))
    check = actions.check_account(acting_user=world.staff, account=account, on=D(2026, 10, 10))
    with pytest.raises(NotPermitted):
        actions.record_check(acting_user=world.liaison_a, check=check, failed=[])
    check = actions.record_check(acting_user=world.staff, check=check, failed=["wording_error"])
    assert check.result == AccountCheck.Result.FAILED and check.vetoed  # the 14-day rule decided it
    assert check.items["no_update"]["failed"] and check.items["wording_error"]["failed"]
    case = Case.objects.for_subject(check).get()
    assert case.kind == "newmedia_rectification" and case.unit == world.tree.street_a
    cases.accept_case(acting_user=world.liaison_a, case=case)
    cases.handle_case(acting_user=world.liaison_a, case=case, reply="已恢复更新，已更正错别字")
    actions.note_last_post(account.pk, D(2026, 10, 12))
    recheck = actions.start_recheck(acting_user=world.staff, check=check)
    with pytest.raises(InvalidTransition):
        actions.start_recheck(acting_user=world.staff, check=check)
    recheck.check_date = D(2026, 10, 13)
    recheck.save(update_fields=["check_date"])
    actions.record_check(acting_user=world.staff, check=recheck, failed=[])
    case.refresh_from_db()
    assert case.state == Case.State.CLOSED


def test_failed_recheck_sends_the_case_back_to_the_unit(world: World) -> None:
    from taizhang.cases import actions as cases

    account = open_account(world, world.tree.street_b, "weibo", "西城微博", last_post=D(2026, 10, 9))
    check = actions.record_check(acting_user=world.staff, failed=["commercial_content", "late_update"],
                                 check=actions.check_account(acting_user=world.staff, account=account,
                                                             on=D(2026, 10, 10)))
    assert check.result == AccountCheck.Result.FAILED and not check.vetoed and check.score == Decimal(50)
    case = Case.objects.for_subject(check).get()
    cases.accept_case(acting_user=world.liaison_b, case=case)
    cases.handle_case(acting_user=world.liaison_b, case=case, reply="已删除广告")
    recheck = actions.start_recheck(acting_user=world.staff, check=check)
    actions.record_check(acting_user=world.staff, check=recheck, failed=["commercial_content"])
    case.refresh_from_db()
    assert case.state == Case.State.ACCEPTED  # back to the unit


def test_post_review_signs_in_order_by_different_people(world: World) -> None:
    account = open_account(world, world.tree.street_a, last_post=D(2026, 10, 1))
    review = actions.submit_post(acting_user=world.liaison_a, account=account, title="通知", content="内容")
    with pytest.raises(InvalidTransition):
        actions.publish_post(acting_user=world.liaison_a, review=review)
    review = actions.sign_post(acting_user=world.liaison_a, review=review, approve=True)  # 初审
    assert review.state == PostReview.State.SECOND
    with pytest.raises(NotPermitted):
        actions.sign_post(acting_user=world.liaison_a, review=review, approve=True)  # a liaison cannot 复审
    review = actions.sign_post(acting_user=world.reviewer_a, review=review, approve=True)  # 复审
    with pytest.raises(NotPermitted, match="同一人"):
        actions.sign_post(acting_user=world.reviewer_a, review=review, approve=True)
    review = actions.sign_post(acting_user=world.staff, review=review, approve=True)  # 终审
    assert review.state == PostReview.State.APPROVED
    assert [s.step for s in review.steps.all()] == ["first", "second", "final"]
    actions.publish_post(acting_user=world.liaison_a, review=review, on=D(2026, 10, 20))
    account.refresh_from_db()
    assert account.last_post_date == D(2026, 10, 20)


def test_a_returned_post_starts_a_new_round_and_keeps_the_old_sign_offs(world: World) -> None:
    account = open_account(world, world.tree.street_a, last_post=D(2026, 10, 1))
    review = actions.submit_post(acting_user=world.liaison_a, account=account, title="稿", content="初稿")
    review = actions.sign_post(acting_user=world.liaison_a, review=review, approve=True)
    with pytest.raises(InvalidInput):
        actions.sign_post(acting_user=world.reviewer_a, review=review, approve=False)  # a return needs a note
    review = actions.sign_post(acting_user=world.reviewer_a, review=review, approve=False, note="数据需核实")
    assert review.state == PostReview.State.RETURNED
    review = actions.resubmit_post(acting_user=world.liaison_a, review=review, title="稿", content="改稿")
    assert (review.state, review.round) == (PostReview.State.FIRST, 2)
    assert review.steps.count() == 2
    actions.sign_post(acting_user=world.liaison_a, review=review, approve=True)  # may sign again in a new round


def test_a_followed_feed_moves_the_last_post_date(world: World) -> None:
    from django.utils import timezone

    from taizhang.monitor.models import MonitorItem, Source
    from taizhang.press.jobs import follow_feeds

    account = open_account(world, world.tree.street_a, last_post=D(2026, 9, 1))
    NewMediaAccount.objects.filter(pk=account.pk).update(feed_url="https://example.gov.cn/feed.xml")
    source = Source.objects.create(name="东城发布订阅", kind=Source.Kind.FEED, url="https://example.gov.cn/feed.xml")
    at = timezone.make_aware(datetime.datetime(2026, 10, 9, 20, 0))
    MonitorItem.objects.create(source=source, title="新文章", at=at, published_at=at,
                               **_item_fields())
    assert follow_feeds() == 1
    account.refresh_from_db()
    assert account.last_post_date == D(2026, 10, 9)
    assert follow_feeds() == 0  # nothing newer: nothing moves


def _item_fields() -> dict[str, Any]:
    """Whatever else a monitoring item needs (its required fields), with harmless values."""
    from taizhang.monitor.models import MonitorItem

    out: dict[str, Any] = {}
    for field in MonitorItem._meta.concrete_fields:
        if field.name in ("id", "source", "title", "at", "published_at") or field.null or field.has_default():
            continue
        if field.get_internal_type() in ("CharField", "TextField"):
            out[field.name] = f"x{field.name}"[: getattr(field, "max_length", None) or 20]
    return out
