# ruff: noqa: S314 - parses the app's own responses
"""Open311 GeoReport v2: the spec's endpoints, formats and error list, with the spec's example parameters."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from taizhang.citizen import actions
from taizhang.citizen.models import Open311Key, Report
from taizhang.citizen.open311 import create_key, revoke_key

from .conftest import PHONE, submit

pytestmark = pytest.mark.django_db
BASE = "/public/open311/v2"


@pytest.fixture
def key(world: Any) -> str:
    return create_key(acting_user=None, name="测试客户端")[1]


def spec_post(key: str, **extra: Any) -> dict[str, Any]:
    """The spec's example POST parameters (GeoReport v2, POST Service Request), on our service codes."""
    data = {
        "api_key": key, "service_code": "facility_damage", "lat": "37.76524078", "long": "-122.4212043",
        "address_string": "1234 5th street", "email": "smit222@sfgov.edu", "device_id": "tt222111",
        "account_id": "123456", "first_name": "john", "last_name": "smith", "phone": "111111111",
        "description": "A large sinkhole is destroying the street", "attribute[facility]": "manhole",
    }
    data.update(extra)
    return data


def test_services_json_and_xml(world: Any) -> None:
    rows = Client().get(f"{BASE}/services.json").json()
    parking = next(r for r in rows if r["service_code"] == "illegal_parking")
    assert set(parking) == {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
    assert parking["service_name"] == "乱停车" and parking["metadata"] is True and parking["type"] == "realtime"
    response = Client().get(f"{BASE}/services.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = ET.fromstring(response.content)
    assert root.tag == "services" and root.find("service/service_code") is not None
    assert {s.findtext("service_code") for s in root.findall("service")} >= {"garbage", "illegal_parking"}


def test_service_definition_with_attributes(world: Any) -> None:
    data = Client().get(f"{BASE}/services/illegal_parking.json").json()
    assert data["service_code"] == "illegal_parking"
    vehicle = data["attributes"][0]
    assert vehicle["variable"] is True and vehicle["code"] == "vehicle" and vehicle["datatype"] == "singlevaluelist"
    assert vehicle["required"] is True and vehicle["order"] == 1
    assert {"key": "car", "name": "机动车"} in vehicle["values"]
    root = ET.fromstring(Client().get(f"{BASE}/services/illegal_parking.xml").content)
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key") is not None
    bad = Client().get(f"{BASE}/services/nope.json")
    assert bad.status_code == 404 and bad.json()[0]["code"] == 404


def test_post_request_with_spec_example(world: Any, key: str) -> None:
    response = Client().post(f"{BASE}/requests.json", spec_post(key))
    assert response.status_code == 200, response.content
    row = response.json()[0]
    report = Report.objects.get(pk=int(row["service_request_id"]))
    assert row["token"] == report.code and "account_id" in row and "service_notice" in row
    assert report.channel == "open311" and report.answers == {"facility": "manhole"}
    assert report.contact_name == "john smith" and report.phone == ""  # 111111111 is not a number we can call
    xml = Client().post(f"{BASE}/requests.xml", spec_post(key, phone=PHONE))
    root = ET.fromstring(xml.content)
    assert root.tag == "service_requests" and root.findtext("request/service_request_id")
    assert Report.objects.get(pk=int(root.findtext("request/service_request_id") or 0)).phone == PHONE


def test_post_errors_in_spec_format(world: Any, key: str) -> None:
    bad_key = Client().post(f"{BASE}/requests.json", spec_post("wrong"))
    assert bad_key.status_code == 403
    assert bad_key.json() == [{"code": 403, "description": "Invalid api_key received -- can't proceed with "
                                                           "create_request."}]
    bad_code = Client().post(f"{BASE}/requests.json", spec_post(key, service_code="potholes"))
    assert bad_code.status_code == 400 and bad_code.json()[0]["code"] == 400
    no_loc = Client().post(f"{BASE}/requests.xml", spec_post(key, lat="", long="", address_string=""))
    assert no_loc.status_code == 400
    root = ET.fromstring(no_loc.content)
    assert root.tag == "errors" and root.findtext("error/code") == "400"
    assert "lat" in (root.findtext("error/description") or "")
    missing_attr = Client().post(f"{BASE}/requests.json", spec_post(key, **{"attribute[facility]": ""}))
    assert missing_attr.status_code == 400 and "损坏的设施" in missing_attr.json()[0]["description"]
    revoke_key(acting_user=None, key=key)
    assert Client().post(f"{BASE}/requests.json", spec_post(key)).status_code == 403


def test_get_requests_filters_and_never_returns_identity(world: Any) -> None:
    r1 = submit(world, phone=PHONE, contact_name="李四", description="联系13912345678")
    r2 = submit(world, category=world.categories["other"], place=world.place_b)
    actions.reject_report(acting_user=world.intake, report=r2, reason="不属于受理范围")
    actions.dispatch_report(acting_user=world.intake, report=r1)
    client = Client()
    rows = client.get(f"{BASE}/requests.json").json()
    assert {r["service_request_id"] for r in rows} == {str(r1.pk), str(r2.pk)}
    body = client.get(f"{BASE}/requests.json").content.decode()
    assert PHONE not in body and "李四" not in body and r1.code not in body
    one = next(r for r in rows if r["service_request_id"] == str(r1.pk))
    assert one["status"] == "open" and one["agency_responsible"] == world.tree.street_a.name
    assert one["expected_datetime"] and one["requested_datetime"].endswith("+08:00")
    assert one["description"] == "垃圾堆放"  # the category's name: never the reporter's text, even masked
    closed = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [str(r2.pk)] and closed[0]["status_notes"] == "不属于受理范围"
    by_code = client.get(f"{BASE}/requests.json", {"service_code": "garbage"}).json()
    assert [r["service_request_id"] for r in by_code] == [str(r1.pk)]
    by_id = client.get(f"{BASE}/requests.json", {"service_request_id": f"{r2.pk},{r1.pk}"}).json()
    assert len(by_id) == 2
    future = client.get(f"{BASE}/requests.json", {"start_date": "2099-01-01T00:00:00Z"}).json()
    assert future == []
    bad = client.get(f"{BASE}/requests.json", {"start_date": "yesterday"})
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    single = client.get(f"{BASE}/requests/{r1.pk}.xml")
    root = ET.fromstring(single.content)
    assert root.findtext("request/service_request_id") == str(r1.pk) and root.findtext("request/status") == "open"
    assert client.get(f"{BASE}/requests/999999.json").status_code == 404


def test_public_requests_never_carry_what_the_reporter_wrote(world: Any) -> None:
    """Masking would catch the phone number below but not the name, the address, the plate or the quarrel: none of
    it, masked or not, is in any public answer; staff's public reply is, and staff still read the masked text."""
    story = "隔壁张三家（幸福小区3栋502）的车牌晋A12345天天堵门，电话13912345678"
    r1 = submit(world, category=world.categories["street_vending"], description=story,
                answers={"kind": "shop", "shop_name": "张三烟酒店"}, address="幸福小区3栋楼下", place=None,
                lat=30.250234, lng=120.160117)
    r2 = submit(world, description="李四天天往楼道扔垃圾，电话13800001111")
    actions.answer_report(acting_user=world.intake, report=r2, reply="已通知物业清理楼道。")
    client = Client()
    bodies = [client.get(f"{BASE}/requests.{fmt}").content.decode() for fmt in ("json", "xml")]
    bodies += [client.get(f"{BASE}/requests/{r.pk}.{fmt}").content.decode() for r in (r1, r2)
               for fmt in ("json", "xml")]
    bodies.append(client.get(f"{BASE}/requests.json", {"service_request_id": f"{r1.pk},{r2.pk}"}).content.decode())
    for body in bodies:
        for private in ("张三", "幸福小区", "晋A12345", "堵门", "139****5678", "13912345678", "李四", "扔垃圾",
                        "138****1111", "烟酒店"):
            assert private not in body, (private, body[:300])
    rows = {r["service_request_id"]: r for r in client.get(f"{BASE}/requests.json").json()}
    assert rows[str(r1.pk)]["description"] == "占道经营" and rows[str(r1.pk)]["address"] == "东城街道"
    assert rows[str(r2.pk)]["description"] == "垃圾堆放"
    assert rows[str(r2.pk)]["status_notes"] == "已通知物业清理楼道。"  # written by staff for the public
    root = ET.fromstring(client.get(f"{BASE}/requests/{r1.pk}.xml").content)
    assert root.findtext("request/description") == "占道经营"
    # the point is rounded to about 100 m: where the reporter stood can be a home
    assert (rows[str(r1.pk)]["lat"], rows[str(r1.pk)]["long"]) == (30.25, 120.16)
    assert root.findtext("request/lat") == "30.25"
    # staff keep the reporter's text, phone masked, in the staff API
    staff = Client()
    staff.force_login(world.intake)
    assert staff.get(f"/api/citizen/reports/{r1.pk}/").json()["description"] == story.replace(
        "13912345678", "139****5678")


def test_tokens(world: Any) -> None:
    report = submit(world)
    data = Client().get(f"{BASE}/tokens/{report.code}.json").json()
    assert data == [{"service_request_id": str(report.pk), "token": report.code}]
    assert Client().get(f"{BASE}/tokens/NOPE.xml").status_code == 404


def test_open311_key_command_prints_and_revokes(world: Any, capsys: Any) -> None:
    call_command("open311-key", "--name", "市民热线 App")
    out = capsys.readouterr().out.strip().splitlines()[-1]
    assert out.startswith("o311_") and Open311Key.objects.get().name == "市民热线 App"
    assert Open311Key.objects.get().key_hash != out
    call_command("open311-key", "--revoke", out)
    assert Open311Key.objects.get().revoked_at is not None
