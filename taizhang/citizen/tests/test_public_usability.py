"""The usability review of the public 随手拍 pages on a phone (answers kept after an error, no free text on public
pages, POST/redirect/GET, GPS reports, codes typed with spaces, required fields, wording) and the staff statistics
page (no 0% over nothing, areas only in the by-area table)."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from lxml import html as lxml_html

from taizhang.citizen import actions
from taizhang.citizen.models import Report

from .conftest import PHONE, jpeg_with_gps, submit

pytestmark = pytest.mark.django_db
PUBLIC = "/public"
PRIVATE = "解放路12号3单元502李四家门口"


def damage_form(world: Any, **extra: Any) -> dict[str, Any]:
    data = {"category": world.categories["facility_damage"].pk, "description": "路灯不亮，晚上很黑",
            "place": world.place_b.pk, "attr_facility": "lamp", "attr_danger": "yes", "phone": PHONE,
            "address": "广场北门"}
    data.update(extra)
    return data


def doc(response: Any) -> Any:
    return lxml_html.fromstring(response.content.decode())


# --- 1. every answer kept after an error; photos: say they must be chosen again --------------------------------
@pytest.mark.parametrize("bad", [{"phone": "1380013800"}, {"photos": "not-an-image"}])
def test_answers_are_kept_when_the_form_comes_back(world: Any, bad: dict[str, Any]) -> None:
    data = damage_form(world, **bad)
    if bad.get("photos"):
        data["photos"] = [SimpleUploadedFile("p.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")]
    else:
        data["photos"] = [jpeg_with_gps()]
    response = Client().post(f"{PUBLIC}/report/", data)
    assert response.status_code == 400 and Report.objects.count() == 0
    page = doc(response)
    assert page.xpath("//select[@name='attr_facility']/option[@selected]/@value") == ["lamp"]
    assert page.xpath("//select[@name='attr_danger']/option[@selected]/@value") == ["yes"]
    assert page.xpath("//select[@name='place']//option[@selected]/@value") == [str(world.place_b.pk)]
    assert page.xpath("//input[@name='address']/@value") == ["广场北门"]
    assert page.xpath("//input[@name='category'][@checked]/@value") == [str(world.categories["facility_damage"].pk)]
    chosen = page.xpath("//fieldset[@data-for-cat='facility_damage']")[0]
    assert "is-hidden" not in chosen.get("class") and chosen.get("disabled") is None
    other = page.xpath("//fieldset[@data-for-cat='illegal_parking']")[0]
    assert "is-hidden" in other.get("class") and other.get("disabled") is not None
    # the photo input cannot keep files: the page says so, above the field
    note = page.xpath("//*[@id='photos-dropped']")
    assert note and "照片需重新选择" in note[0].text_content()
    assert note[0].getnext().xpath(".//input[@type='file']")


def test_other_question_kinds_and_a_wrong_captcha_keep_answers(world: Any, settings: Any) -> None:
    settings.TAIZHANG_CITIZEN_CAPTCHA_AFTER = 0
    data = {"category": world.categories["street_vending"].pk, "description": "早餐摊占道", "place": world.place_a.pk,
            "attr_kind": "mobile", "attr_shop_name": "老王早点", "captcha_0": "nope", "captcha_1": "wrong"}
    response = Client().post(f"{PUBLIC}/report/", data)
    html = response.content.decode()
    assert response.status_code == 400 and "验证码不正确" in html
    page = doc(response)
    assert page.xpath("//select[@name='attr_kind']/option[@selected]/@value") == ["mobile"]
    assert page.xpath("//input[@name='attr_shop_name']/@value") == ["老王早点"]
    assert "照片需重新选择" not in html  # no photos were sent
    parking = {**damage_form(world), "category": world.categories["illegal_parking"].pk, "attr_vehicle": "car",
               "attr_blocking": ["blind", "fire"], "phone": "123"}
    page = doc(Client().post(f"{PUBLIC}/report/", parking))
    assert sorted(page.xpath("//input[@name='attr_blocking'][@checked]/@value")) == ["blind", "fire"]


# --- 2. no free text on pages anyone can see --------------------------------------------------------------------
def test_public_pages_never_show_the_reporters_place_text(world: Any) -> None:
    picked = submit(world, place=world.place_a, address=PRIVATE)
    located = submit(world, place=None, lat=30.2502, lng=120.1601, address=PRIVATE)  # near 人民路: 东城街道
    typed = submit(world, place=None, address=PRIVATE)  # area: the district (not a street) → 附近
    client = Client()
    for url in (f"{PUBLIC}/", f"{PUBLIC}/reports/", f"{PUBLIC}/open311/v2/requests.json",
                f"{PUBLIC}/open311/v2/requests/{typed.pk}.json"):
        html = client.get(url).content.decode()
        assert "解放路" not in html and "李四" not in html, url
    listing = client.get(f"{PUBLIC}/reports/").content.decode()
    assert "人民路" in listing and "东城街道" in listing and "附近" in listing
    assert {r["address"] for r in client.get(f"{PUBLIC}/open311/v2/requests.json").json()} == {
        "人民路", "东城街道", "附近"}
    # searching the list does not search the free text either (it would confirm what was typed)
    assert "没有符合条件的报告" in client.get(f"{PUBLIC}/reports/", {"q": "李四"}).content.decode()
    assert "垃圾堆放" in client.get(f"{PUBLIC}/reports/", {"q": "东城"}).content.decode()
    # the holder of the code still sees what they typed
    for report in (picked, located, typed):
        assert PRIVATE in client.get(f"{PUBLIC}/track/{report.code}/").content.decode()


# --- 3. POST/redirect/GET ---------------------------------------------------------------------------------------
def test_success_page_is_reached_by_redirect_and_reloading_sends_nothing(world: Any) -> None:
    client = Client()
    response = client.post(f"{PUBLIC}/report/", damage_form(world))
    assert response.status_code == 302
    report = Report.objects.get()
    done = response["Location"]
    for _ in range(2):  # a reload is a GET of the success page
        page = client.get(done)
        assert page.status_code == 200 and page["Cache-Control"] == "no-store"
        assert actions.code_groups(report.code) in page.content.decode()
    assert Report.objects.count() == 1
    Report.objects.filter(pk=report.pk).update(submitted_at=timezone.now() - datetime.timedelta(days=2))
    assert client.get(done)["Location"] == f"{PUBLIC}/track/{report.code}/"  # later: the tracking page


# --- 4. reports located by the phone ----------------------------------------------------------------------------
def test_a_located_report_never_says_no_place(world: Any) -> None:
    near = submit(world, place=None, lat=30.2502, lng=120.1601)
    far = submit(world, place=None, lat=31.9, lng=118.0)
    client = Client()
    page = client.get(f"{PUBLIC}/track/{near.code}/").content.decode()
    assert "未填写" not in page and "已定位（东城街道附近）" in page
    page = client.get(f"{PUBLIC}/track/{far.code}/").content.decode()
    assert "未填写" not in page and "已定位" in page
    assert "未填写" not in client.get(f"{PUBLIC}/reports/").content.decode()
    assert submit(world, place=None, address="桥下").place_text == "桥下"


# --- 5. codes typed with spaces, hyphens, in lower case ---------------------------------------------------------
def test_tracking_code_with_spaces_and_hyphens_is_found(world: Any) -> None:
    report = submit(world)
    grouped = actions.code_groups(report.code)
    assert grouped.replace(" ", "") == report.code and len(grouped.split()) == 3
    client = Client()
    for typed in (grouped.lower(), "  " + grouped + " ", "-".join(grouped.split()), grouped.replace(" ", "　")):
        response = client.get(f"{PUBLIC}/track/", {"code": typed})
        assert response.status_code == 302, typed
        assert response["Location"] == f"{PUBLIC}/track/{report.code}/"
    assert client.get(f"{PUBLIC}/track/{report.code.lower()}/")["Location"] == f"{PUBLIC}/track/{report.code}/"


# --- 6. and 7. required fields, limits, wording -----------------------------------------------------------------
def test_required_fields_are_marked_and_checked_by_the_browser(world: Any) -> None:
    page = doc(Client().get(f"{PUBLIC}/report/"))
    assert page.xpath("//textarea[@name='description']/@required")
    assert not page.xpath("//textarea[@name='description']/@maxlength")  # no silent cut of pasted text
    assert page.xpath("//input[@name='category']/@required")
    for name in ("attr_vehicle", "attr_kind", "attr_facility"):
        assert page.xpath(f"//select[@name='{name}']/@required"), name
    for name in ("attr_blocking", "attr_amount", "attr_danger"):  # optional questions
        assert not page.xpath(f"//*[@name='{name}'][@required]"), name
    legend = page.xpath("//fieldset[@id='location']/legend")[0]
    assert "位置" in legend.text_content() and legend.xpath(".//span[@class='pub-req']")
    assert "（最多 2000 字）" in page.text_content()


def test_long_description_is_refused_not_cut(world: Any) -> None:
    text = "路灯" * 1001
    response = Client().post(f"{PUBLIC}/report/", damage_form(world, description=text))
    html = response.content.decode()
    assert response.status_code == 400 and Report.objects.count() == 0
    assert "最多 2000 字，现有 2002 字" in html
    assert doc(response).xpath("//textarea[@name='description']")[0].text == text  # kept whole
    # a newline counts once, as the page counts it
    ok = Client().post(f"{PUBLIC}/report/", damage_form(world, description=("灯" * 999 + "\r\n") * 2))
    assert ok.status_code == 302


def test_not_an_image_message_and_captcha_wording(world: Any, settings: Any) -> None:
    bad = SimpleUploadedFile("p.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    html = Client().post(f"{PUBLIC}/report/", damage_form(world, photos=[bad])).content.decode()
    assert "照片无法识别，请选择 JPG 或 PNG 图片" in html and "文件类型与内容不符" not in html
    settings.TAIZHANG_CITIZEN_CAPTCHA_AFTER = 0
    page = doc(Client().get(f"{PUBLIC}/report/"))
    assert page.xpath("//img[@class='captcha']/@alt") == ["验证码图片"]
    assert not re.search(r'alt="captcha"', Client().get(f"{PUBLIC}/report/").content.decode())
    renew = page.xpath("//a[@id='captcha-new']")[0]
    assert renew.text_content() == "换一张" and renew.get("href") == f"{PUBLIC}/report/"
    assert page.xpath("//input[@name='captcha_1']/@required")


# --- 10. the statistics page ------------------------------------------------------------------------------------
def test_stats_show_a_dash_over_nothing_and_only_areas(world: Any) -> None:
    from taizhang.citizen import stats
    from taizhang.core.periods import parse_period

    submit(world, place=world.place_a)  # one report in 东城街道, this month
    period = parse_period(timezone.localdate().strftime("%Y-%m"))
    tables = {t.title: t for t in stats.summary(period)["tables"]}
    by_area = {r.label: r.values for r in tables["按街道（问题所在片区）"].rows}
    assert set(by_area) == {"东城街道", "西城街道"}  # not 区教育局 (a bureau)
    assert by_area["东城街道"][:2] == ["1件", "0%"]  # one report, not closed: 0% is a real figure
    assert by_area["西城街道"] == ["0件", "—", "—", "—", "—", "—"]  # nothing to divide
    by_category = {r.label: r.values for r in tables["按类别"].rows}
    assert by_category["乱停车"] == ["0件", "—", "—", "—", "—", "—"]
