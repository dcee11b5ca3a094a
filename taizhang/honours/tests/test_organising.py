"""What organisers and jurors need around a campaign: a per-unit nomination limit, a notice when the public objects,
and the juror's own list of candidates to score."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from taizhang.core.errors import InvalidInput
from taizhang.core.models import Notification
from taizhang.core.testing import make_user
from taizhang.honours import actions
from taizhang.honours.models import Juror, JuryScore, Nomination, Stage
from taizhang.honours.tests.factories import dates, make_campaign, nominate, qualify, to_notice

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _limited(unit: Any, limit: int | None) -> Any:
    return actions.open_campaign(
        acting_user=None, unit=unit, code=f"LIM-{limit}", title="限额测试", honour_title="好人", year=2026,
        categories=[("助人为乐", 3)], dates=dates(), per_unit_limit=limit)


def test_a_unit_cannot_nominate_past_the_limit_and_a_withdrawn_nomination_frees_a_place(tree: Any) -> None:
    campaign = _limited(tree.district, 2)
    a = nominate(campaign, tree.street_a, name="张一", birth=datetime.date(1971, 1, 1))
    nominate(campaign, tree.street_a, name="张二", birth=datetime.date(1972, 1, 1))
    with pytest.raises(InvalidInput, match="最多推荐 2 人，已推荐 2 人") as exc:
        nominate(campaign, tree.street_a, name="张三", birth=datetime.date(1973, 1, 1))
    assert "unit" in exc.value.errors
    nominate(campaign, tree.street_b, name="李一", birth=datetime.date(1974, 1, 1))  # another unit has its own places
    actions.withdraw(acting_user=None, nomination=a, reason="本人要求撤回")
    nominate(campaign, tree.street_a, name="张三", birth=datetime.date(1973, 1, 1))
    assert Nomination.objects.filter(campaign=campaign, unit=tree.street_a).exclude(
        state=Nomination.State.WITHDRAWN).count() == 2


def test_the_limit_is_checked_when_opening_and_none_means_no_limit(tree: Any) -> None:
    with pytest.raises(InvalidInput, match="推荐上限"):
        _limited(tree.district, 0)
    campaign = _limited(tree.district, None)
    for i in range(4):
        nominate(campaign, tree.street_a, name=f"王{i}", birth=datetime.date(1970, 1, i + 1))
    assert campaign.nominations.count() == 4


def test_the_campaign_form_sets_the_limit(tree: Any) -> None:
    staff = make_user("staff", tree.district)
    form = {"unit": tree.district.pk, "code": "FORM-1", "title": "表单", "honour_title": "好人", "level": "district",
            "year": 2026, "categories": "助人为乐 2", "public_share": "40", "votes_per_day": 1,
            "per_unit_limit": 3, **{k: v.isoformat() for k, v in dates().items()}}
    response = _client(staff).post("/honours/new/", form)
    assert response.status_code == 302
    campaign = actions.Campaign.objects.get(code="FORM-1")
    assert campaign.per_unit_limit == 3
    assert "每个单位最多推荐 3 人" in _client(staff).get(f"/honours/{campaign.pk}/").content.decode()


def test_a_refused_campaign_form_keeps_what_was_typed(tree: Any) -> None:
    staff = make_user("staff", tree.district)
    form = {"unit": tree.district.pk, "code": "FORM-2", "title": "第六届评选", "honour_title": "好人",
            "level": "district", "year": 2026, "categories": "助人为乐 2", "public_share": "40", "votes_per_day": 1,
            **{k: v.isoformat() for k, v in dates().items()}}
    make_campaign(tree.district, code="FORM-2")  # the code is taken
    response = _client(staff).post("/honours/new/", form)
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="第六届评选"' in page and 'value="FORM-2"' in page
    assert "活动代码“FORM-2”已被使用。" in page
    assert not actions.Campaign.objects.filter(title="第六届评选").exists()


def test_a_stale_campaign_correction_answers_409_and_keeps_what_was_typed(tree: Any) -> None:
    staff = make_user("staff", tree.district)
    campaign = make_campaign(tree.district)
    data = {"version": campaign.version + 7, "title": "改过的标题", "description": "", "per_unit_limit": "",
            "reason": "标题有误", **{k: v.isoformat() for k, v in dates().items()}}
    response = _client(staff).post(f"/honours/{campaign.pk}/edit/", data)
    page = response.content.decode()
    assert response.status_code == 409
    assert 'value="改过的标题"' in page and "已被他人修改" in page
    campaign.refresh_from_db()
    assert campaign.title != "改过的标题"


def test_a_refused_objection_answer_keeps_what_was_typed(tree: Any) -> None:
    staff = make_user("staff", tree.district)
    campaign = make_campaign(tree.district)
    n = nominate(campaign, tree.street_a)
    to_notice(campaign, [n])
    objection = actions.submit_objection(nomination=n, text="此人事迹与事实不符。")
    client = _client(staff)
    response = client.post(f"/honours/objections/{objection.pk}/", {"op": "investigate", "findings": "  "})
    assert response.status_code == 400 and "请填写核查情况" in response.content.decode()
    actions.investigate(acting_user=staff, objection=objection, findings="已走访核实")
    response = client.post(f"/honours/objections/{objection.pk}/", {"op": "answer", "upheld": "1", "answer": " "})
    page = response.content.decode()
    assert response.status_code == 400 and "请填写答复内容" in page
    assert '<option value="1" selected>' in page
    objection.refresh_from_db()
    assert objection.answer == ""


def test_an_objection_notifies_the_organisers_without_copying_its_text(tree: Any) -> None:
    staff = make_user("staff", tree.district)
    liaison = make_user("liaison", tree.street_a)
    campaign = make_campaign(tree.district)
    n = nominate(campaign, tree.street_a)
    to_notice(campaign, [n])
    objection = actions.submit_objection(nomination=n, text="此人事迹与事实不符，联系电话13800001111。")
    notices = Notification.objects.filter(event="objection_received")
    assert [x.recipient_id for x in notices] == [staff.pk]  # the organiser's staff, not the nominating liaison
    notice = notices.get()
    assert objection.code in notice.body and f"/honours/objections/{objection.pk}/" == notice.url
    assert "13800001111" not in notice.body and "事实不符" not in notice.body
    assert liaison.pk not in [x.recipient_id for x in notices]


def test_the_juror_scores_from_their_own_list(tree: Any) -> None:
    juror_user = make_user("viewer", tree.street_a)
    campaign = make_campaign(tree.district, jurors=[juror_user])
    a = nominate(campaign, tree.street_a, name="赵一", birth=datetime.date(1960, 2, 2))
    b = nominate(campaign, tree.street_b, name="钱二", birth=datetime.date(1961, 3, 3))
    actions.advance(acting_user=None, campaign=campaign, to=Stage.QUALIFICATION)
    assert actions.jury_waiting(juror_user) == []  # not yet in the jury stage
    qualify(a)
    qualify(b)
    actions.advance(acting_user=None, campaign=campaign, to=Stage.JURY)
    assert [(n.pk, s) for _c, n, s in actions.jury_waiting(juror_user)] == [(a.pk, None), (b.pk, None)]
    assert actions.jury_waiting(make_user("viewer", tree.street_a)) == []  # not a juror
    client = _client(juror_user)
    page = client.get("/honours/jury/").content.decode()
    assert "尚有 2 名未评分" in page and "赵一" in page
    assert "评审待评分候选人 2 名" in client.get("/").content.decode()
    assert client.post("/honours/jury/", {"nomination": a.pk, "score": "88.5"}).status_code == 302
    assert JuryScore.objects.get(nomination=a, juror=Juror.objects.get(user=juror_user)).score == Decimal("88.50")
    response = client.post("/honours/jury/", {"nomination": b.pk, "score": "120", "comment": "事迹感人但分数写错"})
    page = response.content.decode()
    assert response.status_code == 400  # the list again, the score and comment typed kept in b's row
    assert "0 至 100" in page and f'id="score_error_{b.pk}"' in page
    assert 'value="120"' in page and 'value="事迹感人但分数写错"' in page
    assert not JuryScore.objects.filter(nomination=b).exists()
    assert "尚有 1 名未评分" in client.get("/honours/jury/").content.decode()


def test_someone_who_is_not_a_juror_cannot_score_from_the_list(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    n = nominate(campaign, tree.street_a)
    actions.advance(acting_user=None, campaign=campaign, to=Stage.QUALIFICATION)
    qualify(n)
    actions.advance(acting_user=None, campaign=campaign, to=Stage.JURY)
    outsider = make_user("staff", tree.district)
    response = _client(outsider).post("/honours/jury/", {"nomination": n.pk, "score": "90"})
    assert response.status_code == 400 and "不是本活动的评委" in response.content.decode()
    assert not JuryScore.objects.exists()
    assert "目前没有" in _client(outsider).get("/honours/jury/").content.decode()


def test_correcting_a_campaign_keeps_past_stage_dates_and_asks_for_a_reason(tree: Any) -> None:
    from taizhang.core.errors import InvalidTransition, StaleObjectError
    from taizhang.core.models import AuditEntry

    staff = make_user("staff", tree.district)
    campaign = make_campaign(tree.district)
    n = nominate(campaign, tree.street_a)
    actions.advance(acting_user=None, campaign=campaign, to=Stage.QUALIFICATION)
    campaign.refresh_from_db()
    later = campaign.jury_ends + datetime.timedelta(days=1)
    with pytest.raises(InvalidInput, match="更正说明"):
        actions.correct_campaign(acting_user=staff, campaign=campaign, expected_version=campaign.version,
                                 reason="", title="新名称")
    with pytest.raises(InvalidInput, match="推荐截止所属阶段已开始或已过"):
        actions.correct_campaign(acting_user=staff, campaign=campaign, expected_version=campaign.version,
                                 reason="改期", dates={"nomination_ends": campaign.nomination_ends
                                                       + datetime.timedelta(days=1)})
    with pytest.raises(InvalidInput, match="推荐上限"):
        actions.correct_campaign(acting_user=staff, campaign=campaign, expected_version=campaign.version,
                                 reason="限额", per_unit_limit=5)
    with pytest.raises(InvalidInput, match="公示开始不能早于评审截止"):
        actions.correct_campaign(acting_user=staff, campaign=campaign, expected_version=campaign.version,
                                 reason="延长评审", dates={"jury_ends": campaign.notice_starts
                                                         + datetime.timedelta(days=1)})
    version = campaign.version
    actions.correct_campaign(acting_user=staff, campaign=campaign, expected_version=version,
                             reason="评审专家时间冲突，延后一天", title="第五届“身边好人”评选（更正）",
                             dates={"jury_ends": later - datetime.timedelta(days=1)})
    campaign.refresh_from_db()
    assert campaign.title.endswith("（更正）") and campaign.version == version + 1
    entry = AuditEntry.objects.filter(action="update", object_id=str(campaign.pk)).latest("id")
    assert "延后一天" in entry.message and "title" in str(entry.after)
    with pytest.raises(StaleObjectError):  # a page opened before the correction cannot overwrite it
        actions.correct_campaign(acting_user=staff, campaign=campaign, expected_version=version,
                                 reason="再改", title="旧页面")
    liaison = make_user("liaison", tree.street_a)
    with pytest.raises(Exception, match="主办单位"):
        actions.correct_campaign(acting_user=liaison, campaign=campaign, expected_version=campaign.version,
                                 reason="x", title="y")
    assert n.campaign_id == campaign.pk
    type(campaign).objects.filter(pk=campaign.pk).update(stage=Stage.ANNOUNCED)
    campaign.refresh_from_db()
    with pytest.raises(InvalidTransition, match="已发布"):
        actions.correct_campaign(acting_user=staff, campaign=campaign, expected_version=campaign.version,
                                 reason="x", title="y")


def test_the_correction_page_disables_past_dates_and_shows_errors(tree: Any) -> None:
    staff = make_user("staff", tree.district)
    campaign = make_campaign(tree.district)
    client = _client(staff)
    page = client.get(f"/honours/{campaign.pk}/edit/").content.decode()
    assert "更正说明" in page and "每单位推荐上限" in page
    assert f"/honours/{campaign.pk}/edit/" in client.get(f"/honours/{campaign.pk}/").content.decode()
    data = {"version": campaign.version, "title": campaign.title, "description": "",
            "per_unit_limit": "2", "reason": "",
            **{k: v.isoformat() for k, v in dates().items()}}
    response = client.post(f"/honours/{campaign.pk}/edit/", data)
    assert response.status_code == 400 and "请填写" in response.content.decode()
    data["reason"] = "限定每单位推荐人数"
    assert client.post(f"/honours/{campaign.pk}/edit/", data).status_code == 302
    campaign.refresh_from_db()
    assert campaign.per_unit_limit == 2
    liaison_page = _client(make_user("liaison", tree.street_a)).get(f"/honours/{campaign.pk}/edit/")
    assert liaison_page.status_code in (403, 404)
