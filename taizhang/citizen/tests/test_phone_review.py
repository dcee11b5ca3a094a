"""Findings of a citizen's walk through the public 随手拍 pages on a 390 px phone: problems were listed only above
the form (never beside their field) and one at a time (a missing answer came back only after the description was
fixed); tapping an option's name of a multiple-choice question ticked the first box; the tracking page's 补充 /
评价 / 重新办理 forms lost what was typed after a refusal and showed the problem only at the top; the public list
said 暂无报告 when a filter matched nothing, with no way to clear it; tap targets were 40 px, not 44 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from lxml import html as lxml_html

from taizhang.citizen import actions
from taizhang.citizen.models import Report

from .conftest import submit
from .test_browser import PHONE_VIEW

P = "/public"
STATIC = Path(__file__).resolve().parents[1] / "static" / "citizen"


def doc(response: Any) -> Any:
    return lxml_html.fromstring(response.content.decode())


def beside(page: Any, eid: str) -> str:
    found = page.xpath(f"//*[@id='{eid}'][contains(@class, 'pub-field-error')]")
    return found[0].text_content().strip() if found else ""


@pytest.mark.django_db
def test_each_problem_is_shown_beside_its_field_and_all_at_once(world: Any) -> None:
    parking = world.categories["illegal_parking"]
    response = Client().post(f"{P}/report/", {"category": parking.pk, "description": "车" * 2001,
                                              "address": "路口", "phone": "123"})
    assert response.status_code == 400 and Report.objects.count() == 0
    page = doc(response)
    # the description's length, the missing answer and the phone number: all three in one go, each at its field
    assert "最多 2000 字" in beside(page, "err-description")
    assert beside(page, "err-attr_vehicle") == "请填写“车辆类型”"
    assert beside(page, "err-phone") == "请填写手机号或带区号的固定电话"
    assert page.xpath("//textarea[@name='description']/@aria-describedby")[0].startswith("err-description")
    assert page.xpath("//select[@name='attr_vehicle']/@aria-invalid") == ["true"]
    # the list above the form names each field and links to it
    links = {a.get("href"): a.text_content() for a in page.xpath("//*[@id='error-summary']//a")}
    assert links["#id_attr_vehicle"] == "车辆类型：请填写“车辆类型”"
    assert "#description" in links and "#id_phone" in links
    assert page.xpath("//input[@name='address']/@value") == ["路口"]  # what was typed stays


@pytest.mark.django_db
def test_refusals_of_the_action_and_of_photos_are_beside_their_field(world: Any) -> None:
    garbage = world.categories["garbage"]
    page = doc(Client().post(f"{P}/report/", {"category": garbage.pk, "description": "垃圾"}))
    assert "请提供位置" in beside(page, "err-location")
    assert page.xpath("//fieldset[@id='location']/@aria-describedby") == ["err-location"]
    bad = SimpleUploadedFile("notes.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    page = doc(Client().post(f"{P}/report/", {"category": garbage.pk, "description": "垃圾", "place": world.place_a.pk,
                                              "photos": [bad]}))
    assert "照片无法识别" in beside(page, "err-photos")
    assert page.xpath("//input[@id='photos']/@aria-describedby") == ["err-photos"]
    empty = doc(Client().post(f"{P}/report/", {}))
    assert beside(empty, "err-category") == "请选择问题类别" and beside(empty, "err-description") == "请描述问题"
    # the missing location comes back with the form's own problems, not one round later
    assert beside(empty, "err-location") == actions.NO_LOCATION
    located = doc(Client().post(f"{P}/report/", {"description": "垃圾", "address": "路口东侧"}))
    assert beside(located, "err-category") == "请选择问题类别" and not beside(located, "err-location")


@pytest.mark.django_db
def test_each_box_of_a_multiple_choice_question_has_its_own_label(world: Any) -> None:
    page = doc(Client().get(f"{P}/report/"))
    boxes = page.xpath("//input[@name='attr_blocking']")
    assert len(boxes) == 3
    for box in boxes:
        label = box.getparent()
        assert label.tag == "label" and len(label.xpath(".//input")) == 1  # the label holds this box alone
    group = page.xpath("//*[@id='id_attr_blocking']")[0]
    assert group.get("role") == "group" and page.xpath("//*[@id='lbl-attr_blocking']")[0].text_content() == "占用的地方"


@pytest.mark.django_db
def test_tracking_forms_keep_what_was_typed_and_say_the_problem_beside_it(world: Any) -> None:
    report = submit(world)
    client = Client()
    bad = SimpleUploadedFile("x.jpg", b"not a photo", content_type="image/jpeg")
    response = client.post(f"{P}/track/{report.code}/info/", {"text": "又多了两袋", "photos": [bad]})
    assert response.status_code == 400
    page = doc(response)
    form = page.xpath("//form[@id='info-form']")[0]
    assert form.xpath(".//textarea[@name='text']")[0].text == "又多了两袋"
    assert "照片无法识别" in beside(page, "err-info-photos") and "照片需重新选择" in form.text_content()
    assert page.xpath("//*[@role='alert']//a[@href='#info-form']")
    page = doc(client.post(f"{P}/track/{report.code}/info/", {"text": ""}))
    assert beside(page, "err-text") == "请填写补充说明或添加照片"
    actions.answer_report(acting_user=world.intake, report=report, reply="已清运")
    page = doc(client.post(f"{P}/track/{report.code}/rate/", {"rating": "", "comment": "还行"}))
    assert page.xpath("//form[@id='rate-form']//input[@name='comment']/@value") == ["还行"]
    assert "满意" in beside(page, "err-rating")


@pytest.mark.django_db
def test_an_empty_filter_says_so_and_offers_to_clear_it(world: Any) -> None:
    submit(world)
    page = doc(Client().get(f"{P}/reports/", {"q": "没有这个地方"}))
    empty = page.xpath("//*[@id='list-empty']")[0]
    assert "没有符合条件的报告" in empty.text_content()
    assert empty.xpath(".//a/@href") == [f"{P}/reports/"]
    assert not page.xpath("//nav[contains(@class, 'pub-pages')]")  # no 第 1 / 1 页 over nothing
    assert page.xpath("//input[@name='q']/@placeholder") == ["地点或街道名称"]


def test_phone_tap_targets_are_44px() -> None:
    css = (STATIC / "public.css").read_text(encoding="utf-8")
    phone = css[css.index("@media (max-width:700px){"):]
    phone = phone[:phone.index("\n}")]
    assert "min-height:40px" not in phone
    for selector in (".pub-nav a", ".pub-btn", ".pub-check", ".pub-pages a", ".pub-field select"):
        rule = re.search(re.escape(selector) + r"[^{]*\{([^}]*)\}", phone)
        assert rule is not None and "min-height:44px" in rule.group(1), selector


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_refused_report_on_a_phone(live_server: Any, browser: Any, world: Any) -> None:
    page = browser.new_context(viewport=PHONE_VIEW, locale="zh-CN", is_mobile=True, has_touch=True).new_page()
    page.goto(f"{live_server.url}/public/report/")
    page.check(f"input[name=category][value='{world.categories['illegal_parking'].pk}']")
    page.click("text=盲道")  # the option's name ticks its own box
    assert page.is_checked("input[name=attr_blocking][value=blind]")
    assert not page.is_checked("input[name=attr_blocking][value=sidewalk]")
    page.evaluate("document.getElementById('report-form').noValidate = true")
    page.fill("#description", "盲道上停了一辆车")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    error = page.locator("#err-attr_vehicle")
    assert error.inner_text() == "请填写“车辆类型”"
    select_box, error_box = page.locator("#id_attr_vehicle").bounding_box(), error.bounding_box()
    assert select_box and error_box and 0 <= error_box["y"] - (select_box["y"] + select_box["height"]) < 40
    assert page.is_checked("input[name=attr_blocking][value=blind]")
    for selector in (".pub-brand", ".pub-nav a", ".pub-check", ".pub-cat", "#locate", "button[type=submit]"):
        box = page.locator(selector).first.bounding_box()
        assert box is not None and box["height"] >= 44, (selector, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
