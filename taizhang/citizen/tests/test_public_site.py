"""The public site: routing by host or prefix, no staff session, the report page, tracking, rating, limits."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from taizhang.citizen.models import Report

from .conftest import PHONE, jpeg_with_gps

pytestmark = pytest.mark.django_db
PUBLIC = "/public"


def report_form(world: Any, **extra: Any) -> dict[str, Any]:
    data = {"category": world.categories["illegal_parking"].pk, "description": "汽车停在盲道上，车主电话13800001111",
            "place": world.place_a.pk, "attr_vehicle": "car", "attr_blocking": ["blind"], "phone": PHONE,
            "lat": "30.25001", "lng": "120.16002"}
    data.update(extra)
    return data


def test_public_home_lists_registered_sections(world: Any) -> None:
    response = Client().get(f"{PUBLIC}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "我要随手拍" in html and "最新办理情况" in html
    assert "<script>" not in html and "style=" not in html
    assert len(response.content) < 200 * 1024


def test_report_page_is_small_and_csp_clean(world: Any) -> None:
    response = Client().get(f"{PUBLIC}/report/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "乱停车" in html and "占道经营" in html and 'capture="environment"' in html
    assert "<script>" not in html and " style=" not in html
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert len(response.content) < 200 * 1024
    assert "leaflet" not in html  # no map without TAIZHANG_MAP_TILES


@override_settings(TAIZHANG_MAP_TILES="https://tiles.district.example/{z}/{x}/{y}.png")
def test_map_only_with_configured_tiles(world: Any) -> None:
    response = Client().get(f"{PUBLIC}/report/")
    assert "vendor/leaflet/leaflet.js" in response.content.decode()
    assert "https://tiles.district.example" in response["Content-Security-Policy"]


def test_submit_with_photo_gives_tracking_code_and_encrypted_phone(world: Any) -> None:
    client = Client()
    data = report_form(world, photos=[jpeg_with_gps()])
    response = client.post(f"{PUBLIC}/report/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    report = Report.objects.get()
    assert response["Location"] == f"{PUBLIC}/report/done/{report.code}/"
    assert report.code in client.get(response["Location"]).content.decode()
    assert report.phone == PHONE and report.answers == {"vehicle": "car", "blocking": ["blind"]}
    assert report.lat == pytest.approx(30.25001)
    assert report.photos.count() == 1
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT phone FROM citizen_report WHERE id = %s", [report.pk])
        stored = cur.fetchone()[0]
    assert stored.startswith("sm4g1:") and PHONE not in stored
    assert "tzpub_device" in response.cookies
    # the tracking page masks numbers typed into the description and never shows the reporter's phone
    page = client.get(f"{PUBLIC}/track/{report.code}/").content.decode()
    assert "138****1111" in page and "13800001111" not in page and PHONE not in page


def test_missing_required_question_and_location_are_chinese_errors(world: Any) -> None:
    data = report_form(world, attr_vehicle="", place="", lat="", lng="")
    response = Client().post(f"{PUBLIC}/report/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "请填写“车辆类型”" in html and "请提供位置" in html
    assert Report.objects.count() == 0


def test_staff_session_gives_no_powers_on_public_pages(world: Any) -> None:
    client = Client()
    client.force_login(world.intake)
    assert client.get("/citizen/").status_code == 200  # the staff site: signed in
    response = client.get(f"{PUBLIC}/")
    assert response.status_code == 200
    assert "intake" not in response.content.decode()
    assert response.wsgi_request.user.is_anonymous


@override_settings(TAIZHANG_PUBLIC_HOSTS=["report.example"], ALLOWED_HOSTS=["report.example", "testserver"])
def test_public_host_serves_public_site_and_404s_staff_urls(world: Any) -> None:
    client = Client(HTTP_HOST="report.example")
    client.force_login(world.intake)
    assert client.get("/").status_code == 200
    assert "随手拍" in client.get("/").content.decode()
    for url in ("/citizen/", "/accounts/login/", "/api/citizen/reports/", "/ledger/records/", "/public/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "页面不存在" in response.content.decode() and "工作台" not in response.content.decode()
    # the staff host no longer has the /public/ prefix once public hosts are configured
    assert Client().get("/public/").status_code == 404


@override_settings(TAIZHANG_SITE="staff")
def test_staff_only_process_serves_no_public_pages(world: Any) -> None:
    assert Client().get(f"{PUBLIC}/report/").status_code == 404


@override_settings(TAIZHANG_SITE="public")
def test_public_only_process_serves_public_site_at_root(world: Any) -> None:
    client = Client()
    assert client.get("/report/").status_code == 200
    assert client.get("/accounts/login/").status_code == 404


def test_rate_limit_and_captcha(world: Any, settings: Any) -> None:
    settings.TAIZHANG_CITIZEN_CAPTCHA_AFTER = 1
    settings.TAIZHANG_CITIZEN_DEVICE_LIMIT = 3
    client = Client()
    assert client.post(f"{PUBLIC}/report/", report_form(world)).status_code == 302
    page = client.get(f"{PUBLIC}/report/").content.decode()
    assert "captcha_0" in page  # a captcha after the first report
    response = client.post(f"{PUBLIC}/report/", report_form(world))
    assert response.status_code == 400 and "验证码" in response.content.decode()
    assert Report.objects.count() == 1
    from captcha.models import CaptchaStore

    for _ in range(2):
        store = CaptchaStore.objects.order_by("-id").first()
        assert store is not None
        ok = client.post(f"{PUBLIC}/report/", report_form(world, captcha_0=store.hashkey, captcha_1=store.response))
        assert ok.status_code == 302, ok.content.decode()[:1500]
        client.get(f"{PUBLIC}/report/")
    assert Report.objects.count() == 3
    blocked = client.post(f"{PUBLIC}/report/", report_form(world))
    assert blocked.status_code == 400 and "已达上限" in blocked.content.decode()
    # another device (no cookie) from the same address still gets a captcha, not a refusal
    other = Client()
    assert "captcha_0" in other.get(f"{PUBLIC}/report/").content.decode()


def test_address_limit_applies_across_devices(world: Any, settings: Any) -> None:
    settings.TAIZHANG_CITIZEN_CAPTCHA_AFTER = 100
    settings.TAIZHANG_CITIZEN_ADDRESS_LIMIT = 2
    for _ in range(2):
        assert Client().post(f"{PUBLIC}/report/", report_form(world)).status_code == 302
    response = Client().post(f"{PUBLIC}/report/", report_form(world))
    assert response.status_code == 400 and "已达上限" in response.content.decode()


def test_add_information_and_unknown_code(world: Any) -> None:
    client = Client()
    client.post(f"{PUBLIC}/report/", report_form(world))
    report = Report.objects.get()
    response = client.post(f"{PUBLIC}/track/{report.code}/info/", {"text": "车还在，身份证110105194912310021"})
    assert response.status_code == 302
    page = client.get(f"{PUBLIC}/track/{report.code}/").content.decode()
    assert "车还在" in page and "110105194912310021" not in page
    assert client.get(f"{PUBLIC}/track/?code=SPNOTEXIST").status_code == 404
    assert client.post(f"{PUBLIC}/track/{report.code}/rate/", {"rating": "satisfied"}).status_code == 400


def test_public_list_shows_no_personal_data(world: Any) -> None:
    client = Client()
    client.post(f"{PUBLIC}/report/", report_form(world))
    report = Report.objects.get()
    html = client.get(f"{PUBLIC}/reports/").content.decode()
    assert "乱停车" in html and "人民路" in html
    assert PHONE not in html and "13800001111" not in html and report.code not in html


def test_a_bad_phone_location_is_explained_without_field_names(world: Any) -> None:
    """The hidden coordinates were refused as "Lat：输入一个数字。": an English field name a citizen never saw."""
    from django.test import Client

    category = next(iter(world.categories.values()))
    data = {"category": str(category.pk), "description": "路口垃圾没人清理", "lat": "abc", "lng": "112.5",
            "address": "西门"}
    response = Client().post("/public/report/", data)
    body = response.content.decode()
    assert response.status_code == 400 and "定位数据无效" in body and "Lat" not in body and "Lng" not in body
