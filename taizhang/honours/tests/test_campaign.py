"""Campaign stages, quotas, qualification sign-offs, jury, objections and the combined result (by hand)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_user
from taizhang.honours import actions
from taizhang.honours.models import Campaign, Nomination, Objection, QualificationItem, Stage
from taizhang.honours.tests.factories import make_campaign, nominate, qualify, score_all, to_notice

pytestmark = pytest.mark.django_db
N = Nomination.State


def test_stage_order_is_enforced_with_a_chinese_message(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    nominate(campaign, tree.street_a)
    with pytest.raises(InvalidTransition, match="下一阶段是“资格审查”"):
        actions.advance(acting_user=None, campaign=campaign, to=Stage.JURY)
    with pytest.raises(InvalidTransition, match="不能进入“公示”"):
        actions.advance(acting_user=None, campaign=campaign, to=Stage.NOTICE)
    actions.advance(acting_user=None, campaign=campaign, to=Stage.QUALIFICATION)
    with pytest.raises(InvalidTransition):  # no way back
        actions.advance(acting_user=None, campaign=campaign, to=Stage.NOMINATION)
    with pytest.raises(InvalidTransition, match="推荐"):  # nominations are closed
        nominate(campaign, tree.street_a, name="李四", birth=datetime.date(1980, 1, 1))
    campaign.refresh_from_db()
    assert campaign.stage == Stage.QUALIFICATION


def test_opening_checks_dates_share_and_quotas(tree: Any) -> None:
    from taizhang.honours.tests.factories import dates

    bad = dates()
    bad["notice_ends"] = bad["notice_starts"] - datetime.timedelta(days=1)
    with pytest.raises(InvalidInput) as exc:
        actions.open_campaign(acting_user=None, unit=tree.district, code="X1", title="t", honour_title="h", year=2025,
                              categories=[("助人为乐", 0)], dates=bad, public_share=120)
    assert set(exc.value.errors) >= {"notice_ends", "public_share", "categories"}
    assert not Campaign.objects.exists()


def test_liaison_of_a_street_cannot_open_a_campaign(tree: Any) -> None:
    liaison = make_user("liaison", tree.street_a)
    with pytest.raises(NotPermitted):
        actions.open_campaign(acting_user=liaison, unit=tree.district, code="X2", title="t", honour_title="h",
                              year=2025, categories=[("助人为乐", 1)],
                              dates=__import__("taizhang.honours.tests.factories", fromlist=["dates"]).dates())


def test_nomination_validates_minor_initials_and_refuses_duplicates(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    with pytest.raises(InvalidInput) as exc:
        nominate(campaign, tree.street_a, name="张小明", birth=datetime.date(timezone.localdate().year - 12, 3, 3))
    assert "initials" in exc.value.errors
    minor = nominate(campaign, tree.street_a, name="张小明", birth=datetime.date(timezone.localdate().year - 12, 3, 3),
                     initials="zxm")
    assert minor.shown_name == "Z.X.M." and minor.is_minor()
    with pytest.raises(InvalidInput, match="重复推荐"):
        actions.nominate(acting_user=None, campaign=campaign, category=campaign.categories.first(),
                         unit=tree.street_a, name="张小明", gender="male", workplace="x",
                         phone="13900000000", id_number=minor.id_number, deeds="事迹" * 20, initials="ZXM")


def test_phone_and_id_are_encrypted_at_rest_and_reveal_is_audited(tree: Any) -> None:
    from django.db import connection

    campaign = make_campaign(tree.district)
    n = nominate(campaign, tree.street_a, phone="13812345678")
    with connection.cursor() as cur:
        cur.execute("SELECT phone, id_number FROM honours_nomination WHERE id = %s", [n.pk])
        phone, id_number = cur.fetchone()
    assert "13812345678" not in phone and n.id_number not in id_number
    assert n.masked()["phone"] == "138****5678"
    liaison = make_user("liaison", tree.street_a)
    with pytest.raises(NotPermitted):
        actions.reveal(acting_user=liaison, nomination=n)
    staff = make_user("staff", tree.district)
    assert actions.reveal(acting_user=staff, nomination=n)["phone"] == "13812345678"
    assert AuditEntry.objects.filter(action="download", object_id=str(n.pk), user_id=staff.pk).exists()


def test_liaison_nominates_only_for_own_unit_and_street_b_cannot_see_street_a(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    liaison_a = make_user("liaison", tree.street_a)
    liaison_b = make_user("liaison", tree.street_b)
    n = nominate(campaign, tree.community_a1, user=liaison_a)
    with pytest.raises(NotPermitted):
        nominate(campaign, tree.street_a, user=liaison_b, name="赵六", birth=datetime.date(1985, 2, 2))
    assert list(Nomination.objects.visible_to(liaison_a)) == [n]
    assert not Nomination.objects.visible_to(liaison_b).exists()


def test_qualification_passes_only_when_every_item_is_signed_positive(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    good = nominate(campaign, tree.street_a)
    bad = nominate(campaign, tree.street_b, name="钱七", birth=datetime.date(1975, 7, 7))
    actions.advance(acting_user=None, campaign=campaign, to=Stage.QUALIFICATION)
    items = list(QualificationItem.objects.filter(campaign=campaign))
    assert [i.sector for i in items] == ["公安", "纪检监察", "信用"]
    staff = make_user("staff", tree.district)
    actions.sign_off(acting_user=staff, nomination=good, item=items[0], positive=True, opinion="无违法犯罪记录")
    good.refresh_from_db()
    assert good.state == N.SUBMITTED  # two sectors still to sign
    with pytest.raises(InvalidTransition, match="未出齐"):
        actions.advance(acting_user=None, campaign=campaign, to=Stage.JURY)
    with pytest.raises(InvalidTransition, match="重复"):
        actions.sign_off(acting_user=staff, nomination=good, item=items[0], positive=True, opinion="再次")
    qualify(good)
    assert good.state == N.QUALIFIED
    signoff = good.signoffs.get(item=items[0])
    assert signoff.signed_by == staff and signoff.opinion == "无违法犯罪记录" and signoff.signed_at
    actions.sign_off(acting_user=None, nomination=bad, item=items[2], positive=False, opinion="列入失信被执行人名单")
    bad.refresh_from_db()
    assert bad.state == N.DISQUALIFIED
    liaison = make_user("liaison", tree.street_a)
    with pytest.raises(NotPermitted):
        actions.sign_off(acting_user=liaison, nomination=bad, item=items[1], positive=True, opinion="x")
    actions.advance(acting_user=None, campaign=campaign, to=Stage.JURY)


def test_sector_account_signs_its_own_item_only(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    n = nominate(campaign, tree.street_a)
    police, discipline = QualificationItem.objects.filter(campaign=campaign)[:2]
    police.sector_unit = tree.bureau
    police.save()
    actions.advance(acting_user=None, campaign=campaign, to=Stage.QUALIFICATION)
    reviewer = make_user("reviewer", tree.bureau)
    actions.sign_off(acting_user=reviewer, nomination=n, item=police, positive=True, opinion="无违法犯罪记录")
    with pytest.raises(NotPermitted):
        actions.sign_off(acting_user=reviewer, nomination=n, item=discipline, positive=True, opinion="x")


def test_jury_scores_are_averaged_and_only_jurors_score(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    n = nominate(campaign, tree.street_a)
    actions.advance(acting_user=None, campaign=campaign, to=Stage.QUALIFICATION)
    qualify(n)
    actions.advance(acting_user=None, campaign=campaign, to=Stage.JURY)
    outsider = make_user("staff", tree.district)
    with pytest.raises(NotPermitted, match="评委"):
        actions.score(acting_user=outsider, nomination=n, value=90)
    with pytest.raises(InvalidTransition, match="评委评分"):
        actions.advance(acting_user=None, campaign=campaign, to=Stage.NOTICE)
    score_all(campaign, {n.pk: [90, 85, 71]})
    with pytest.raises(InvalidInput):
        score_all(campaign, {n.pk: [101]})
    actions.advance(acting_user=None, campaign=campaign, to=Stage.NOTICE)
    n.refresh_from_db()
    assert n.jury_score == Decimal("82.00")  # (90 + 85 + 71) / 3


def test_objection_upheld_removes_the_candidate_and_blocks_the_vote_until_answered(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    a = nominate(campaign, tree.street_a)
    b = nominate(campaign, tree.street_b, name="孙八", birth=datetime.date(1966, 6, 6))
    to_notice(campaign, [a, b])
    objection = actions.submit_objection(nomination=a, text="此人曾因邻里纠纷打伤他人，事迹与事实不符。")
    Campaign.objects.filter(pk=campaign.pk).update(notice_ends=timezone.localdate() - datetime.timedelta(days=1))
    campaign.refresh_from_db()
    with pytest.raises(InvalidTransition, match="异议未答复"):
        actions.advance(acting_user=None, campaign=campaign, to=Stage.VOTE)
    staff = make_user("staff", tree.district)
    with pytest.raises(InvalidTransition, match="核查"):
        actions.answer(acting_user=staff, objection=objection, upheld=True, text="成立")
    liaison = make_user("liaison", tree.street_a)
    with pytest.raises(NotPermitted):
        actions.investigate(acting_user=liaison, objection=objection, findings="x")
    actions.investigate(acting_user=staff, objection=objection, findings="经派出所核实，2023年确有治安处罚记录。")
    actions.answer(acting_user=staff, objection=objection, upheld=True, text="经核查异议属实，取消其候选资格。")
    objection.refresh_from_db()
    a.refresh_from_db()
    assert objection.state == Objection.State.UPHELD and objection.answered_by == staff
    assert a.state == N.REMOVED
    assert AuditEntry.objects.filter(action="answer", object_id=str(objection.pk)).exists()
    with pytest.raises(InvalidInput):  # a removed candidate takes no more objections
        actions.submit_objection(nomination=a, text="再次提出异议，内容十个字以上。")
    assert [c.pk for c in actions.candidates(campaign)] == [b.pk]


def test_objection_refused_outside_notice_and_when_too_short(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    a = nominate(campaign, tree.street_a)
    with pytest.raises(InvalidTransition, match="公示期"):
        actions.submit_objection(nomination=a, text="这是一条足够长的异议内容。")
    to_notice(campaign, [a])
    with pytest.raises(InvalidInput, match="10字"):
        actions.submit_objection(nomination=a, text="不好")
    assert not Objection.objects.exists()


def test_result_combines_jury_and_vote_with_fixed_shares_computed_by_hand(tree: Any) -> None:
    campaign = make_campaign(tree.district, public_share=40, categories=[("助人为乐", 1)])
    a = nominate(campaign, tree.street_a)
    b = nominate(campaign, tree.street_b, name="周九", birth=datetime.date(1960, 9, 9))
    to_notice(campaign, [a, b], scores=[90, 80])
    actions.compute_result(campaign, counts={a.pk: 100, b.pk: 300})
    a.refresh_from_db()
    b.refresh_from_db()
    # a: vote 100/300×100 = 33.33; 90×0.6 + 33.333…×0.4 = 54 + 13.33 = 67.33
    assert (a.vote_score, a.final_score) == (Decimal("33.33"), Decimal("67.33"))
    # b: vote 100; 80×0.6 + 100×0.4 = 48 + 40 = 88.00
    assert (b.vote_score, b.final_score) == (Decimal("100.00"), Decimal("88.00"))
    assert [n.pk for n in actions.ranking(campaign)[0][1]] == [b.pk, a.pk]


def test_quota_is_enforced_when_honourees_are_confirmed(tree: Any) -> None:
    campaign = make_campaign(tree.district, public_share=0, categories=[("助人为乐", 1), ("见义勇为", 1)])
    cat = campaign.categories.get(name="助人为乐")
    a = nominate(campaign, tree.street_a, category=cat)
    b = nominate(campaign, tree.street_b, category=cat, name="吴十", birth=datetime.date(1950, 1, 2))
    to_notice(campaign, [a, b], scores=[90, 80])
    Campaign.objects.filter(pk=campaign.pk).update(notice_ends=timezone.localdate() - datetime.timedelta(days=1))
    campaign.refresh_from_db()
    actions.advance(acting_user=None, campaign=campaign, to=Stage.VOTE)  # no public share: no poll
    with pytest.raises(InvalidTransition):
        actions.confirm_honourees(acting_user=None, campaign=campaign, nominations=[a])
    actions.advance(acting_user=None, campaign=campaign, to=Stage.RESULT)
    a.refresh_from_db()
    assert a.final_score == Decimal("90.00")  # public share 0: the jury's score alone
    with pytest.raises(InvalidInput, match="名额为 1 名"):
        actions.confirm_honourees(acting_user=None, campaign=campaign, nominations=[a, b])
    with pytest.raises(InvalidTransition, match="确定当选"):
        actions.advance(acting_user=None, campaign=campaign, to=Stage.ANNOUNCED)
    actions.confirm_honourees(acting_user=None, campaign=campaign, nominations=[a])
    actions.advance(acting_user=None, campaign=campaign, to=Stage.ANNOUNCED)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.state, b.state) == (N.HONOURED, N.NOT_SELECTED)
    assert a.honour.role_model.honours.count() == 1
    assert a.honour.title == "测试区好人" and a.honour.category == "助人为乐"
