"""Bodies that are not a JSON object (``null``, ``[]``, ``"s"``, ``123``) are a 400 in Chinese on every app's POST
endpoints, never a 500; ids of the wrong type inside an object are a 400 naming the field; API 404s and DRF's
"No data provided" are in Chinese (core.api_base.SafeJSONParser, int_field; core.api.exception_handler)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.test import APIClient

from taizhang.core.api import NO_DATA_MESSAGE, exception_handler
from taizhang.core.api_base import NOT_AN_OBJECT_MESSAGE, SafeJSONParser, int_field
from taizhang.core.errors import InvalidInput
from taizhang.core.testing import make_record, make_user

pytestmark = pytest.mark.django_db

NOT_OBJECTS = ["null", "[]", '"s"', "123", "[1, 2, 3]", "true", '[{"reason": "x"}]']


class World:
    def __init__(self, tree: Any) -> None:
        from taizhang.cases import actions as case_actions
        from taizhang.citizen import actions as citizen_actions
        from taizhang.citizen.models import Category, Place

        self.tree = tree
        self.staff_user = make_user("staff", tree.district, username="bodies_staff")
        self.liaison_user = make_user("liaison", tree.street_a, username="bodies_liaison")
        self.staff = api(self.staff_user)
        self.liaison = api(self.liaison_user)
        self.record = make_record(tree.street_a, "lecture_event", {"lecture_audience": 50}, status="submitted")
        self.case = case_actions.dispatch_case(acting_user=None, kind="general", unit=tree.street_a, title="广场垃圾")
        place = Place.objects.create(name="人民路", kind=Place.Kind.ROAD, area=tree.street_a, lat=30.25, lng=120.16)
        self.report = citizen_actions.submit_report(
            category=Category.objects.get(key="garbage"), description="路边垃圾成堆", place=place
        )


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(taxonomy: Any, tree: Any) -> World:
    return World(tree)


def endpoints(w: World) -> list[str]:
    """A POST of every app that reads its body (the detail ones on an object the staff user may act on)."""
    return [
        "/api/adjustments/",
        "/api/assessment-runs/",
        "/api/cases/",
        f"/api/cases/{w.case.pk}/send-back/",
        f"/api/citizen/reports/{w.report.pk}/answer/",
        f"/api/citizen/reports/{w.report.pk}/merge/",
        f"/api/records/{w.record.pk}/approve/",
        "/api/records/",
        "/api/summaries/",
        "/api/reports/extract/",
        "/api/reports/fill/",
        "/api/civility/inspections/",
        "/api/monitor/items/",
    ]


def test_a_body_that_is_not_an_object_is_a_chinese_400_everywhere(world: World, subtests: Any) -> None:
    for url in endpoints(world):
        for body in NOT_OBJECTS:
            with subtests.test(url=url, body=body):
                response = world.staff.post(url, body, content_type="application/json")
                assert response.status_code == 400, response.content
                assert response.json() == {"detail": NOT_AN_OBJECT_MESSAGE}


def test_a_liaison_gets_the_same_answer(world: World) -> None:
    for url in ("/api/adjustments/", f"/api/records/{world.record.pk}/withdraw/", "/api/reports/slots/"):
        response = world.liaison.post(url, "[]", content_type="application/json")
        assert response.status_code == 400, (url, response.content)
        assert response.json()["detail"] == NOT_AN_OBJECT_MESSAGE


def test_objects_and_forms_still_work(world: World) -> None:
    text = "今年共举办宣讲活动12场，受众3000人次。"
    as_json = world.staff.post("/api/reports/extract/", {"text": text}, format="json")
    as_form = world.staff.post("/api/reports/extract/", {"text": text})  # multipart, as a form sends it
    encoded = world.staff.post(
        "/api/reports/extract/", "text=" + text, content_type="application/x-www-form-urlencoded"
    )
    assert as_json.status_code == as_form.status_code == encoded.status_code == 200, encoded.content
    assert as_json.json() == as_form.json() == encoded.json()
    assert [f["value"] for f in as_json.json()["figures"]] == [12, 3000]
    reply = world.staff.post(
        f"/api/citizen/reports/{world.report.pk}/answer/", {"reply": "已转交环卫部门处理"}, format="json"
    )
    assert reply.status_code == 200, reply.content


def test_the_parser_refuses_anything_but_an_object() -> None:
    parser = SafeJSONParser()
    assert parser.parse(io.BytesIO(b'{"reason": "x"}')) == {"reason": "x"}
    for body in NOT_OBJECTS:
        with pytest.raises(ParseError) as caught:
            parser.parse(io.BytesIO(body.encode()))
        assert caught.value.detail == NOT_AN_OBJECT_MESSAGE
    with pytest.raises(ParseError, match="不是有效的 JSON"):
        parser.parse(io.BytesIO(b"[1,"))


@pytest.mark.parametrize(("raw", "expected"), [("12", 12), (12, 12), (" 7 ", 7), ("007", 7)])
def test_int_field_takes_a_positive_integer(raw: Any, expected: int) -> None:
    assert int_field({"source": raw}, "source") == expected


@pytest.mark.parametrize("raw", [[1, "a", None], {"id": 1}, True, 1.5, "abc", "-3", 0, "１２", "9" * 25, 2**63])
def test_int_field_refuses_other_values(raw: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        int_field({"source": raw}, "source", label="来源编号")
    assert caught.value.errors == {"source": ["应为正整数"]}
    assert caught.value.message == "source 应为正整数（来源编号）"


def test_int_field_missing() -> None:
    assert int_field({"source": None}, "source", required=False) is None
    assert int_field({"source": ""}, "source", required=False) is None
    with pytest.raises(InvalidInput, match="请填写 source"):
        int_field({}, "source")


def test_monitor_items_with_a_source_of_the_wrong_type_is_a_400(world: World) -> None:
    from taizhang.monitor import actions
    from taizhang.monitor.models import IngestBatch, Source

    for source in ([1, "a", None], {"id": 1}, "abc", True, 1.5, 10**30):
        response = world.staff.post("/api/monitor/items/", {"source": source, "items": [{"title": "t"}]}, format="json")
        assert response.status_code == 400, (source, response.content)
        assert response.json()["errors"] == {"source": ["应为正整数"]}
        assert "source 应为正整数" in response.json()["detail"]
    unknown = world.staff.post("/api/monitor/items/", {"source": 999999, "items": []}, format="json")
    assert unknown.status_code == 400 and "请指定接口来源" in unknown.json()["detail"]
    source, _token = actions.create_source(acting_user=None, name="外部采集器", kind=Source.Kind.API)
    ok = world.staff.post(
        "/api/monitor/items/",
        {
            "source": str(source.pk),
            "items": [{"title": "宣讲活动", "text": "社区举办宣讲", "url": "https://example.com/a", "source": "某网"}],
        },
        format="json",
    )
    assert ok.status_code == 202, ok.content
    assert IngestBatch.objects.filter(source=source).count() == 1


def test_ids_of_the_wrong_type_in_other_bodies_are_a_400(world: World) -> None:
    from taizhang.civility import actions

    site = actions.create_site(acting_user=None, code="S1", type="market", name="人民广场", unit=world.tree.street_a)
    for bad in ([site.pk], {"id": site.pk}, "abc", 1.5, 10**30):
        response = world.staff.post("/api/civility/inspections/", {"site": bad, "answers": []}, format="json")
        assert response.status_code == 400, (bad, response.content)
        assert response.json()["errors"] == {"site": ["应为正整数"]}
        rounds = world.staff.post("/api/civility/inspections/", {"site": site.pk, "round": bad}, format="json")
        assert rounds.status_code == 400 and rounds.json()["errors"] == {"round": ["应为正整数"]}
    missing = world.staff.post("/api/civility/inspections/", {"answers": []}, format="json")
    assert missing.status_code == 400 and missing.json()["detail"] == "请指定点位"
    for bad in ([1], "abc", 10**30):
        response = world.staff.post(
            f"/api/cases/{world.case.pk}/decide-extension/", {"request": bad, "approve": True}, format="json"
        )
        assert response.status_code == 400, (bad, response.content)
        assert response.json()["errors"] == {"request": ["应为正整数"]}
    for bad in ([1], {"id": 1}, "abc"):
        merged = world.staff.post(f"/api/citizen/reports/{world.report.pk}/merge/", {"into": bad}, format="json")
        assert merged.status_code == 400, (bad, merged.content)
        assert merged.json()["errors"] == {"into": ["应为正整数"]}
    text = world.staff.post("/api/reports/extract/", {"text": ["宣讲活动12场"]}, format="json")
    assert text.status_code == 400 and text.json()["errors"] == {"text": ["应为字符串"]}


def test_404s_are_in_chinese(world: World) -> None:
    expected = {
        "/api/records/999999999/": "未找到该台账记录。",
        "/api/citizen/reports/999999999/": "未找到该随手拍报告。",
        "/api/cases/999999999/": "未找到该工单。",
        "/api/summaries/999999999/": "未找到该工作总结。",
        "/api/records/abc/": "未找到该对象。",
    }
    for url, detail in expected.items():
        response = world.staff.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": detail}
    # a message a view chose is kept as it is
    assess = world.staff.get("/api/assess/?scheme=nope&period=2024")
    assert assess.status_code == 404 and assess.json() == {"detail": "未知的考核方案"}
    scoped = world.staff.post("/api/records/999999999/approve/", {}, format="json")
    assert scoped.status_code == 404 and scoped.json() == {"detail": "未找到该对象，或您无权查看。"}


def test_no_data_provided_is_said_in_chinese(world: World) -> None:
    from taizhang.ledger.api import RecordWriteSerializer, _valid
    from taizhang.reports.api import ComposeSerializer

    serializer = ComposeSerializer(data=None)  # what a `null` body gave before the parser refused it
    assert not serializer.is_valid()
    response = exception_handler(ValidationError(serializer.errors), {})
    assert response is not None and response.status_code == 400
    assert response.data == {"non_field_errors": [NO_DATA_MESSAGE]}
    with pytest.raises(InvalidInput) as caught:
        _valid(RecordWriteSerializer, None)
    response = exception_handler(caught.value, {})
    assert response is not None and response.data["errors"] == {"non_field_errors": [NO_DATA_MESSAGE]}
    for url in ("/api/records/", "/api/summaries/"):
        empty = world.staff.post(url, "", content_type="application/json")  # parsed as {}: each field is required
        assert empty.status_code == 400
        assert (empty.json().get("errors") or empty.json())["unit"] == ["该字段是必填项。"]
        null = world.staff.post(url, "null", content_type="application/json")
        assert null.status_code == 400 and null.json() == {"detail": NOT_AN_OBJECT_MESSAGE}


def test_an_unknown_metric_points_at_the_metrics_endpoint(world: World) -> None:
    response = world.staff.get("/api/figures/?metric=x")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "/api/taxonomy/metrics/" in detail and "taizhang metrics" not in detail and "“x”" in detail
    assert response.json()["errors"] == {"metric": ["未知指标"]}
    listed = world.staff.get("/api/taxonomy/metrics/")
    assert listed.status_code == 200 and "lecture_audience" in json.dumps(listed.json())
