"""Staff pages: scoping by unit, nominating through the form, masked personal data and the audited reveal, the
workbench panel, and the figures on the ledger's role-model line."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from taizhang.core.models import AuditEntry
from taizhang.core.periods import parse_period
from taizhang.core.testing import make_user
from taizhang.honours import actions, library
from taizhang.honours.models import Campaign, Nomination, Stage
from taizhang.honours.tests.factories import DEEDS, make_campaign, nominate, resident_id, to_notice

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_liaison_of_street_b_cannot_open_street_a_nominations(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    a = nominate(campaign, tree.street_a, name="王建国")
    b = nominate(campaign, tree.street_b, name="钱玉兰", birth=datetime.date(1962, 2, 2))
    liaison_b = _client(make_user("liaison", tree.street_b))
    assert liaison_b.get(f"/honours/nominations/{a.pk}/").status_code == 404
    assert liaison_b.get(f"/honours/nominations/{b.pk}/").status_code == 200
    page = liaison_b.get(f"/honours/{campaign.pk}/").content.decode()
    assert "钱玉兰" in page and "王建国" not in page  # the district's campaign, only B's own nominations


def test_liaison_nominates_through_the_form_and_sees_masked_data(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    liaison = make_user("liaison", tree.street_a)
    client = _client(liaison)
    id_number = resident_id(datetime.date(1966, 6, 16))
    response = client.post(f"/honours/{campaign.pk}/nominate/", {
        "category": campaign.categories.first().pk, "unit": tree.street_a.pk, "kind": "unit", "name": "赵德顺",
        "gender": "male", "id_number": id_number, "phone": "13912341234", "workplace": "东一社区居民",
        "deeds": DEEDS})
    assert response.status_code == 302, response.content.decode()[:2000]
    n = Nomination.objects.get()
    assert n.birth_date == datetime.date(1966, 6, 16) and n.submitted_by == liaison
    html = client.get(f"/honours/nominations/{n.pk}/").content.decode()
    assert "139****1234" in html and "13912341234" not in html and id_number not in html
    assert "查看完整个人信息" not in html  # a liaison cannot reveal
    assert client.post(f"/honours/nominations/{n.pk}/", {"op": "reveal"}).status_code == 302
    assert not AuditEntry.objects.filter(action="download", object_id=str(n.pk)).exists()
    staff = make_user("staff", tree.district)
    shown = _client(staff).post(f"/honours/nominations/{n.pk}/", {"op": "reveal"})
    assert "13912341234" in shown.content.decode() and shown["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="download", object_id=str(n.pk), user_id=staff.pk).exists()


def test_bad_nomination_form_keeps_the_input_and_says_why_in_chinese(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    client = _client(make_user("liaison", tree.street_a))
    response = client.post(f"/honours/{campaign.pk}/nominate/", {
        "category": campaign.categories.first().pk, "unit": tree.street_a.pk, "kind": "unit", "name": "赵德顺",
        "gender": "male", "id_number": "123", "phone": "12", "workplace": "东一社区", "deeds": DEEDS})
    html = response.content.decode()
    assert response.status_code == 400 and "身份证号码无效" in html and "赵德顺" in html
    assert not Nomination.objects.exists()


def test_out_of_order_stage_from_the_page_is_refused_with_a_message(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    nominate(campaign, tree.street_a)
    client = _client(make_user("staff", tree.district))
    response = client.post(f"/honours/{campaign.pk}/", {"op": "advance", "to": "notice", "version": campaign.version},
                           follow=True)
    assert "下一阶段是“资格审查”" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.stage == "nomination"


def test_workbench_panel_lists_objections_and_signoffs_waiting(tree: Any) -> None:
    from taizhang.honours.workbench import waiting

    campaign = make_campaign(tree.district)
    n = nominate(campaign, tree.street_a)
    to_notice(campaign, [n])
    actions.submit_objection(nomination=n, text="公示异议：事迹有夸大，请核实情况。")
    staff = make_user("staff", tree.district)
    ctx = waiting(staff)
    assert ctx is not None and ctx["objections"] == 1
    assert waiting(make_user("viewer", tree.street_a)) is None
    assert "公示异议待核查答复 1 件" in _client(staff).get("/").content.decode()


def test_figures_on_the_role_model_line(tree: Any, taxonomy: None) -> None:
    from taizhang.ledger.figures import compute

    year = timezone.localdate().year
    day = timezone.localdate() - datetime.timedelta(days=1)
    if day.year != year:
        day = timezone.localdate()
    people = []
    for i, (unit, level) in enumerate([(tree.street_a, "district"), (tree.street_a, "municipal"),
                                       (tree.street_b, "district")]):
        people.append(library.record_honour(
            acting_user=None, unit=unit, name=f"典型{i}号", gender="male", birth_date=None, workplace="单位",
            phone="13900000000", id_number=resident_id(datetime.date(1970, 1, 1), 300 + (0 if i == 1 else i)),
            deeds=DEEDS, title="好人", level=level, year=year, awarded_on=day))
    # the first two rows are one person (same ID number): two honours, one person selected
    total = compute("honours_selected", period=parse_period(str(year)))
    assert total.value == Decimal(2)
    assert compute("honours_awarded", period=parse_period(str(year))).value == Decimal(3)
    street_a = compute("honours_selected", period=parse_period(str(year)), unit=tree.street_a.code)
    assert street_a.value == Decimal(1)
    by_level = compute("honours_awarded", period=parse_period(str(year)), filters={"level": "municipal"})
    assert by_level.value == Decimal(1)
    person = people[0].role_model
    library.add_promotion(acting_user=None, role_model=person, kind="article", title="好人事迹报道", happened_on=day)
    library.add_promotion(acting_user=None, role_model=person, kind="lecture", title="事迹宣讲", happened_on=day)
    assert compute("honours_articles", period=parse_period(str(year))).value == Decimal(1)
    assert compute("honours_promotions", period=parse_period(str(year))).value == Decimal(2)
    assert compute("honours_articles", period=parse_period(str(year - 1))).value == Decimal(0)


def test_api_is_scoped_and_masks_personal_data(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    a = nominate(campaign, tree.street_a, phone="13912345678")
    minor = nominate(campaign, tree.street_a, name="张小明", initials="ZXM", phone="13912340000",
                     birth=datetime.date(timezone.localdate().year - 10, 1, 1))
    nominate(campaign, tree.street_b, name="钱玉兰", birth=datetime.date(1962, 2, 2))
    client = _client(make_user("liaison", tree.street_a))
    data = client.get("/api/honours/nominations/").json()
    rows = data["results"] if isinstance(data, dict) else data
    assert {r["id"] for r in rows} == {a.pk, minor.pk}
    body = client.get("/api/honours/nominations/").content.decode()
    assert "13912345678" not in body and a.id_number not in body and "张小明" not in body and "Z.X.M." in body
    assert client.get(f"/api/honours/campaigns/{campaign.pk}/").status_code == 200


def test_command_lists_campaigns_and_one_campaigns_scores(tree: Any) -> None:
    import json
    from io import StringIO

    from django.core.management import call_command

    campaign = make_campaign(tree.district, code="HR-CLI", public_share=40)
    a = nominate(campaign, tree.street_a)
    to_notice(campaign, [a], scores=[88])
    out = StringIO()
    call_command("honours", "--json", stdout=out)
    assert json.loads(out.getvalue())["campaigns"][0]["code"] == "HR-CLI"
    out = StringIO()
    call_command("honours", "HR-CLI", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["stage"] == "notice" and data["candidates"][0]["jury_score"] == "88.00"
    assert a.phone not in out.getvalue()


def test_nonsense_posted_to_staff_pages_is_a_message_not_a_500(tree: Any) -> None:
    """Bare buttons and unknown ops go back with a message (302); a refused form that had something typed in it
    comes back on its page (400) with what was typed — never a 500."""
    campaign = make_campaign(tree.district)
    n = nominate(campaign, tree.street_a)
    client = _client(make_user("staff", tree.district))
    for data in ({"op": "advance", "to": "qualification", "version": "abc"}, {"op": "nope"}):
        assert client.post(f"/honours/{campaign.pk}/", data).status_code == 302
    for data in ({"op": "confirm", "honoured": "x"}, {"op": "juror", "username": "nobody-here"}):
        assert client.post(f"/honours/{campaign.pk}/", data).status_code == 400
    for data in ({"op": "sign", "item": "abc"}, {"op": "score", "score": "abc"}, {"op": "withdraw", "reason": ""}):
        assert client.post(f"/honours/nominations/{n.pk}/", data).status_code == 400
    assert client.post(f"/honours/nominations/{n.pk}/", {"op": "nope"}).status_code == 302
    assert client.post("/honours/signoffs/", {"nomination": "1" * 30, "item": "-1"}).status_code == 400
    campaign.refresh_from_db()
    assert campaign.stage == "nomination"


def test_a_refused_juror_or_withdrawal_comes_back_with_what_was_typed(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    n = nominate(campaign, tree.street_a)
    client = _client(make_user("staff", tree.district))
    response = client.post(f"/honours/{campaign.pk}/", {"op": "juror", "username": "no-such-user-zz"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="no-such-user-zz"' in page and "未找到" in page
    assert not campaign.jurors.exists()
    response = client.post(f"/honours/nominations/{n.pk}/", {"op": "withdraw", "reason": "   "})
    page = response.content.decode()
    assert response.status_code == 400 and "请填写撤回原因" in page and 'id="withdraw_error"' in page
    n.refresh_from_db()
    assert n.state == Nomination.State.SUBMITTED


def test_a_refused_sign_off_keeps_the_conclusion_and_opinion(tree: Any) -> None:
    campaign = make_campaign(tree.district)
    n = nominate(campaign, tree.street_a)
    actions.advance(acting_user=None, campaign=campaign, to="qualification")
    item = campaign.qualification_items.first()
    assert item is not None
    client = _client(make_user("staff", tree.district))
    # signed elsewhere first: this one is refused, but the opinion typed is not lost
    actions.sign_off(acting_user=None, nomination=n, item=item, positive=True, opinion="经核查无问题")
    response = client.post("/honours/signoffs/", {"nomination": n.pk, "item": item.pk, "positive": "0",
                                                  "opinion": "发现有失信记录，不予通过"})
    assert response.status_code == 400
    assert "发现有失信记录，不予通过" in response.content.decode()
    assert n.signoffs.get(item=item).opinion == "经核查无问题"
    other = campaign.qualification_items.exclude(pk=item.pk).first()
    if other is not None:
        response = client.post(f"/honours/nominations/{n.pk}/", {"op": "sign", "item": other.pk, "positive": "0",
                                                                 "opinion": "  "})
        page = response.content.decode()
        assert response.status_code == 400 and "请填写审查意见" in page
        assert f'id="sign_error_{other.pk}"' in page and '<option value="0" selected>' in page
        assert not n.signoffs.filter(item=other).exists()


def test_results_link_only_the_candidates_the_viewer_may_open(tree: Any) -> None:
    """The results table names every candidate of the campaign; a liaison of street B gets a link to street B's
    candidate and plain text for street A's (whose page would answer 404)."""
    campaign = make_campaign(tree.district, public_share=0, categories=[("助人为乐", 2)])
    a = nominate(campaign, tree.street_a)
    b = nominate(campaign, tree.street_b, name="周九", birth=datetime.date(1960, 9, 9))
    to_notice(campaign, [a, b], scores=[90, 80])
    Campaign.objects.filter(pk=campaign.pk).update(notice_ends=timezone.localdate() - datetime.timedelta(days=1))
    campaign.refresh_from_db()
    actions.advance(acting_user=None, campaign=campaign, to=Stage.VOTE)
    actions.advance(acting_user=None, campaign=campaign, to=Stage.RESULT)
    liaison_b = _client(make_user("liaison", tree.street_b))
    html = liaison_b.get(f"/honours/{campaign.pk}/").content.decode()
    assert "评选结果" in html
    assert f'href="/honours/nominations/{b.pk}/"' in html
    assert f'href="/honours/nominations/{a.pk}/"' not in html and a.shown_name in html
    assert liaison_b.get(f"/honours/nominations/{a.pk}/").status_code == 404
    staff_html = _client(make_user("staff", tree.district)).get(f"/honours/{campaign.pk}/").content.decode()
    assert f'href="/honours/nominations/{a.pk}/"' in staff_html
