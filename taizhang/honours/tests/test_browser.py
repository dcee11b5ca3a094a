"""In real Chromium at a phone's width (390 px): a citizen opens the portal, follows 评选公示 to the public notice,
reads the candidates (a minor by initials), submits an objection and gets a code; staff answer it; the citizen reads
the answer by the code. No sideways scrolling, no personal data on the way."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from taizhang.honours import actions
from taizhang.honours.models import Objection
from taizhang.honours.tests.factories import make_campaign, nominate, to_notice

pytestmark = [pytest.mark.browser]
PHONE_VIEW = {"width": 390, "height": 844}


@pytest.mark.django_db(transaction=True)
def test_citizen_reads_the_notice_and_objects_on_a_phone(live_server: Any, browser: Any, tree: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    campaign = make_campaign(tree.district, code="HR-PHONE")
    adult = nominate(campaign, tree.street_a, name="王建国", phone="13911112222")
    minor = nominate(campaign, tree.street_b, name="张小明", initials="ZXM", phone="13933334444",
                     birth=datetime.date(timezone.localdate().year - 11, 4, 5))
    to_notice(campaign, [adult, minor])
    pub = f"{live_server.url}/public"
    page = browser.new_context(viewport=PHONE_VIEW, locale="zh-CN").new_page()
    page.goto(f"{pub}/")
    page.click(f"text={campaign.title}")
    page.wait_for_load_state("networkidle")
    assert "/honours/notice/HR-PHONE/" in page.url
    html = page.content()
    assert "王建国" in html and "Z.X.M." in html
    for secret in ("张小明", "13911112222", "13933334444", adult.id_number, minor.id_number):
        assert secret not in html, secret
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.select_option("select[name=nomination]", str(adult.pk))
    page.fill("textarea[name=text]", "该候选人所述救人事迹的时间与事实不符，请核实。")
    page.click("button:has-text('提交异议')")
    page.wait_for_load_state("networkidle")
    objection = Objection.objects.get()
    assert page.locator("#objection-code").inner_text() == objection.code
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    actions.investigate(acting_user=None, objection=objection, findings="经走访目击者，事迹属实。")
    actions.answer(acting_user=None, objection=objection, upheld=False, text="经核查，事迹属实，异议不成立。")
    page.reload()  # the confirmation is the objection's own page: a refresh shows the answer, sends nothing
    page.wait_for_load_state("networkidle")
    assert Objection.objects.count() == 1
    assert "异议不成立" in page.content() and "事迹属实" in page.content()
