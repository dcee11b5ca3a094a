"""The phone's stated location accuracy (coords.accuracy) on a citizen report: kept from the public form in whole
metres, absurd values dropped without an error, shown to staff with a warning past 200 m, carried by the staff
API and the handling unit's case, never by Open311 (GeoReport v2 has no such field)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from taizhang.citizen import actions
from taizhang.citizen.models import IMPRECISE_LOCATION_M, Report

from .conftest import submit

pytestmark = pytest.mark.django_db
PUBLIC = "/public"
JS = Path(__file__).resolve().parents[1] / "static" / "citizen" / "public.js"


def located_form(world: Any, **extra: Any) -> dict[str, Any]:
    data = {"category": world.categories["garbage"].pk, "description": "路口垃圾桶满了",
            "lat": "30.25001", "lng": "120.16002", "accuracy": "35.4"}
    data.update(extra)
    return data


@pytest.mark.parametrize(("raw", "stored"), [
    ("35.4", 36), ("12", 12), (" 8 ", 8), ("0.2", 1), ("0", 1), (65, 65), (1e3, 1000), ("100000", 100000),
    ("1e3", 1000),
])
def test_plausible_accuracy_is_kept_in_whole_metres_rounded_up(raw: Any, stored: int) -> None:
    assert actions.location_accuracy(raw) == stored


@pytest.mark.parametrize("raw", [
    None, "", "   ", "-1", -0.5, "100000.5", "1e9", "abc", "12 米", "nan", "NaN", "inf", "-inf", float("nan"),
    True, "9" * 400,
])
def test_absurd_accuracy_is_dropped(raw: Any) -> None:
    assert actions.location_accuracy(raw) is None


def test_public_form_stores_the_phones_accuracy(world: Any) -> None:
    response = Client().post(f"{PUBLIC}/report/", located_form(world))
    assert response.status_code == 302, response.content.decode()[:800]
    report = Report.objects.get()
    assert (report.lat, report.lng, report.location_accuracy_m) == (30.25001, 120.16002, 36)


@pytest.mark.parametrize("bad", ["-3", "abc", "1e9", "NaN", "Infinity", "100001", "x" * 5000])
def test_bad_accuracy_never_stops_the_report_nor_shows_an_error(world: Any, bad: str) -> None:
    response = Client().post(f"{PUBLIC}/report/", located_form(world, accuracy=bad))
    assert response.status_code == 302, response.content.decode()[:800]
    report = Report.objects.get()
    assert report.located and report.location_accuracy_m is None
    follow = Client().get(response["Location"]).content.decode()
    assert "精度" not in follow


def test_accuracy_without_a_phone_location_is_not_stored(world: Any) -> None:
    response = Client().post(f"{PUBLIC}/report/", located_form(world, lat="", lng="", place=world.place_a.pk))
    assert response.status_code == 302, response.content.decode()[:800]
    assert Report.objects.get().location_accuracy_m is None
    assert submit(world, lat=None, lng=None, location_accuracy_m="20").location_accuracy_m is None


def test_report_page_carries_the_accuracy_field_and_keeps_it_on_an_error(world: Any) -> None:
    html = Client().get(f"{PUBLIC}/report/").content.decode()
    assert 'name="accuracy" id="id_accuracy"' in html
    again = Client().post(f"{PUBLIC}/report/", located_form(world, description="")).content.decode()
    assert 'name="accuracy" id="id_accuracy" value="35.4"' in again
    script = JS.read_text(encoding="utf-8")
    assert "pos.coords.accuracy" in script and 'getElementById("id_accuracy")' in script


@pytest.mark.parametrize(("accuracy", "warned"), [(36, False), (IMPRECISE_LOCATION_M, False),
                                                  (IMPRECISE_LOCATION_M + 1, True), (1500, True)])
def test_staff_see_the_accuracy_and_a_warning_past_200_m(world: Any, accuracy: int, warned: bool) -> None:
    report = submit(world, place=None, lat=30.2502, lng=120.1601, location_accuracy_m=accuracy)
    client = Client()
    client.force_login(world.intake)
    page = client.get(f"/citizen/reports/{report.pk}/").content.decode()
    assert f"定位精度约 {accuracy} 米" in page
    assert ('id="location-imprecise"' in page) is warned
    assert ("位置可能不准确" in page) is warned


def test_staff_page_says_nothing_of_accuracy_when_unknown(world: Any) -> None:
    report = submit(world, place=None, lat=30.2502, lng=120.1601)
    client = Client()
    client.force_login(world.intake)
    page = client.get(f"/citizen/reports/{report.pk}/").content.decode()
    assert "30.25020" in page and "定位精度" not in page


def test_staff_api_and_the_units_case_carry_the_accuracy(world: Any) -> None:
    from taizhang.cases.models import Case

    report = submit(world, place=None, lat=30.2502, lng=120.1601, location_accuracy_m=480)
    client = Client()
    client.force_login(world.intake)
    row = client.get(f"/api/citizen/reports/{report.pk}/").json()
    assert (row["lat"], row["lng"], row["location_accuracy_m"]) == (30.2502, 120.1601, 480)
    listed = client.get("/api/citizen/reports/").json()["results"]
    assert [r["location_accuracy_m"] for r in listed] == [480]
    actions.dispatch_report(acting_user=world.intake, report=report)
    case = Case.objects.for_subject(report).get()
    assert "定位精度约 480 米" in case.description and "位置可能不准确" in case.description
    unit = Client()
    unit.force_login(world.unit_user)
    assert unit.get(f"/api/citizen/reports/{report.pk}/").json()["location_accuracy_m"] == 480


def test_open311_neither_takes_nor_publishes_an_accuracy(world: Any) -> None:
    from taizhang.citizen.open311 import create_key

    key = create_key(acting_user=None, name="测试客户端")[1]
    response = Client().post(f"{PUBLIC}/open311/v2/requests.json", {
        "api_key": key, "service_code": "garbage", "lat": "30.2502", "long": "120.1601", "accuracy": "12",
        "location_accuracy_m": "12", "description": "垃圾"})
    assert response.status_code == 200, response.content.decode()
    assert Report.objects.get().location_accuracy_m is None
    rows = Client().get(f"{PUBLIC}/open311/v2/requests.json").json()
    assert rows and all("accuracy" not in field for r in rows for field in r)
