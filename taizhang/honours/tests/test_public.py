"""Public pages of role models: 公示 with the objection form (masked, rate-limited), the objection's answer by code,
the library and the portal sections never showing phone, ID number or a minor's full name."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from taizhang.core.testing import make_user
from taizhang.honours import actions, library
from taizhang.honours.models import Objection, Stage
from taizhang.honours.tests.factories import make_campaign, nominate, resident_id, to_notice

pytestmark = pytest.mark.django_db
PUBLIC = "/public"
ADULT_PHONE, MINOR_PHONE = "13911112222", "13933334444"


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


@pytest.fixture
def on_notice(tree: Any) -> dict[str, Any]:
    campaign = make_campaign(tree.district, code="HR-PUB")
    adult = nominate(campaign, tree.street_a, name="王建国", phone=ADULT_PHONE)
    minor = nominate(campaign, tree.street_b, name="张小明", initials="ZXM", phone=MINOR_PHONE,
                     birth=datetime.date(timezone.localdate().year - 11, 4, 5))
    to_notice(campaign, [adult, minor])
    person = library.record_honour(
        acting_user=None, unit=tree.street_b, name="李小红", gender="female",
        birth_date=None, workplace="西城实验小学", phone="13955556666",
        id_number=resident_id(datetime.date(timezone.localdate().year - 10, 1, 1)),
        deeds="在校园里拾金不昧，把捡到的钱包交还失主，多次帮助同学。", title="美德少年", level="district",
        year=timezone.localdate().year - 1, awarded_on=timezone.localdate() - datetime.timedelta(days=200),
        initials="LXH").role_model
    return {"campaign": campaign, "adult": adult, "minor": minor, "young_honouree": person}


def _no_personal_data(html: str, world: dict[str, Any]) -> None:
    for secret in (ADULT_PHONE, MINOR_PHONE, "13955556666", world["adult"].id_number, world["minor"].id_number,
                   world["young_honouree"].id_number, "张小明", "李小红"):
        assert secret not in html, secret


def test_notice_page_shows_name_unit_deeds_and_minor_by_initials_only(on_notice: dict[str, Any]) -> None:
    response = Client().get(f"{PUBLIC}/honours/notice/HR-PUB/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "王建国" in html and "Z.X.M." in html and "东一社区居民" in html and "公示期" in html
    _no_personal_data(html, on_notice)
    assert "<script>" not in html and " style=" not in html


def test_library_and_portal_sections_are_masked(on_notice: dict[str, Any]) -> None:
    client = Client()
    for url in (f"{PUBLIC}/", f"{PUBLIC}/honours/", f"{PUBLIC}/honours/library/",
                f"{PUBLIC}/honours/library/{on_notice['young_honouree'].pk}/"):
        response = client.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        _no_personal_data(html, on_notice)
        assert "L.X.H." in html, url
    home = client.get(f"{PUBLIC}/").content.decode()
    assert "评选公示" in home and "身边好人" in home and on_notice["campaign"].title in home


def test_numbers_typed_into_deeds_are_masked_on_public_pages(tree: Any) -> None:
    campaign = make_campaign(tree.district, code="HR-NUM")
    n = actions.nominate(acting_user=None, campaign=campaign, category=campaign.categories.first(),
                         unit=tree.street_a, name="刘一", gender="male", workplace="东城物业",
                         phone="13800001111", id_number=resident_id(datetime.date(1980, 2, 2)),
                         deeds="群众来电13812349876反映，他连续十年义务为小区老人理发，深受好评。")
    to_notice(campaign, [n])
    html = Client().get(f"{PUBLIC}/honours/notice/HR-NUM/").content.decode()
    assert "13812349876" not in html and "138****9876" in html


def test_objection_flow_from_public_site_to_answer_on_record(on_notice: dict[str, Any], tree: Any) -> None:
    client = Client()
    adult = on_notice["adult"]
    response = client.post(f"{PUBLIC}/honours/notice/HR-PUB/", {
        "nomination": adult.pk, "text": "该候选人所述救人事迹时间地点与事实不符，请核实。",
        "contact_phone": "13700001111"})
    assert response.status_code == 302, response.content.decode()[:1500]
    objection = Objection.objects.get()
    assert response["Location"].endswith(f"/honours/objection/{objection.code}/?sent=1")
    sent = client.get(response["Location"]).content.decode()
    assert "异议已提交" in sent and objection.code in sent
    client.get(response["Location"])  # a refresh of the confirmation sends nothing again
    assert Objection.objects.count() == 1
    assert objection.device_hash and objection.address_hash
    page = client.get(f"{PUBLIC}/honours/objection/{objection.code}/").content.decode()
    assert "已收到" in page and "13700001111" not in page
    staff = make_user("staff", tree.district)
    staff_client = Client()
    staff_client.force_login(staff)
    detail = staff_client.get(f"/honours/objections/{objection.pk}/").content.decode()
    assert "137****1111" in detail and "13700001111" not in detail
    staff_client.post(f"/honours/objections/{objection.pk}/", {"op": "investigate",
                                                               "findings": "经走访现场目击者，事迹属实。"})
    staff_client.post(f"/honours/objections/{objection.pk}/", {"op": "answer", "upheld": "0",
                                                               "answer": "经核查，候选人事迹属实，异议不成立。"})
    objection.refresh_from_db()
    assert objection.state == Objection.State.DISMISSED and objection.answered_by == staff
    page = client.get(f"{PUBLIC}/honours/objection/{objection.code}/").content.decode()
    assert "异议不成立" in page and "事迹属实" in page


def test_upheld_objection_takes_the_candidate_off_the_notice(on_notice: dict[str, Any]) -> None:
    adult = on_notice["adult"]
    o = actions.submit_objection(nomination=adult, text="该候选人曾有酒驾被处罚记录，不宜评为好人。")
    actions.investigate(acting_user=None, objection=o, findings="公安机关核实属实")
    actions.answer(acting_user=None, objection=o, upheld=True, text="异议成立，取消候选资格")
    html = Client().get(f"{PUBLIC}/honours/notice/HR-PUB/").content.decode()
    assert "王建国" not in html and "Z.X.M." in html


def test_bad_objections_are_refused_in_chinese_and_nothing_is_lost(on_notice: dict[str, Any]) -> None:
    client = Client()
    response = client.post(f"{PUBLIC}/honours/notice/HR-PUB/", {"nomination": on_notice["adult"].pk, "text": "短",
                                                              "contact_phone": "abc"})
    html = response.content.decode()
    assert response.status_code == 400 and "不少于10字" in html
    # the answer opens at the objection form, where its errors are, not at the candidate list above it
    assert 'action="#objection"' in html and '<div class="pub-alert" role="alert">' in html
    response = client.post(f"{PUBLIC}/honours/notice/HR-PUB/", {"nomination": "99999999", "text": "x" * 20})
    assert response.status_code == 400 and "请选择候选人" in response.content.decode()
    assert not Objection.objects.exists()


@override_settings(TAIZHANG_HONOURS_CAPTCHA_AFTER=100, TAIZHANG_HONOURS_DEVICE_LIMIT=2)
def test_objections_are_rate_limited_per_device(on_notice: dict[str, Any]) -> None:
    client = Client()
    data = {"nomination": on_notice["adult"].pk, "text": "该候选人事迹存在夸大成分，请核实。"}
    for _ in range(2):
        assert client.post(f"{PUBLIC}/honours/notice/HR-PUB/", data).status_code == 302
    response = client.post(f"{PUBLIC}/honours/notice/HR-PUB/", data)
    assert response.status_code == 400 and "已达上限" in response.content.decode()
    assert Objection.objects.count() == 2


def test_notice_page_is_gone_outside_the_notice_period(on_notice: dict[str, Any]) -> None:
    campaign = on_notice["campaign"]
    type(campaign).objects.filter(pk=campaign.pk).update(notice_ends=timezone.localdate() - datetime.timedelta(days=1))
    assert Client().get(f"{PUBLIC}/honours/notice/HR-PUB/").status_code == 404
    assert Client().get(f"{PUBLIC}/honours/notice/NOPE/").status_code == 404
    assert campaign.stage == Stage.NOTICE
