"""A report's answers to its category's questions are shown as people read them: a choice by its name (several
joined with 、), numbers and free text as given, a choice the catalogue no longer has as its key — on the staff
report page, in the case the street's liaison reads, on the reporter's tracking page, in the export and the staff
API; Open311 still publishes none of them."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from taizhang.citizen import actions
from taizhang.citizen.exchange import export_reports
from taizhang.citizen.models import Category
from taizhang.core.periods import parse_period

from .conftest import PHONE, submit

pytestmark = pytest.mark.django_db


def parking(world: Any, **answers: Any) -> Any:
    return submit(
        world, category=world.categories["illegal_parking"], description="共享单车堆在人行道上", answers=answers
    )


def test_choices_are_shown_by_their_names(world: Any) -> None:
    report = parking(world, vehicle="bike", blocking=["sidewalk", "fire"])
    assert report.answers == {"vehicle": "bike", "blocking": ["sidewalk", "fire"]}  # stored as keys
    assert actions.answer_lines(report) == [("车辆类型", "共享单车"), ("占用的地方", "人行道、消防通道")]


def test_numbers_free_text_and_keys_gone_from_the_catalogue(world: Any) -> None:
    category = Category.objects.create(
        key="noise",
        name="噪声扰民",
        attributes=[
            {"code": "times", "label": "次数", "datatype": "number"},
            {"code": "where", "label": "具体位置", "datatype": "string"},
            {
                "code": "when",
                "label": "时段",
                "datatype": "multivaluelist",
                "values": [{"key": "night", "name": "夜间"}, {"key": "noon", "name": "午休"}],
            },
        ],
    )
    report = submit(
        world,
        category=category,
        description="夜里施工",
        answers={"times": "3", "where": f"3号楼 电话{PHONE}", "when": ["night", "noon"]},
    )
    assert report.answers["times"] == 3.0
    # the catalogue changes later: one choice withdrawn, one question dropped
    category.attributes = [category.attributes[0], category.attributes[2]]
    category.attributes[1]["values"] = [{"key": "night", "name": "夜间"}]
    category.save()
    report.refresh_from_db()
    assert actions.answer_lines(report) == [("次数", "3"), ("时段", "夜间、noon"), ("where", f"3号楼 电话{PHONE}")]
    assert actions.answer_lines(report, masked=True)[2] == ("where", "3号楼 电话139****5678")
    report.answers = {"times": 2.5}
    assert actions.answer_lines(report) == [("次数", "2.5")]


def test_staff_page_and_the_case_read_names(world: Any) -> None:
    from taizhang.cases.models import Case

    report = parking(world, vehicle="bike", blocking=["sidewalk"])
    client = Client()
    client.force_login(world.intake)
    page = client.get(f"/citizen/reports/{report.pk}/").content.decode()
    assert "<dt>车辆类型</dt><dd>共享单车</dd>" in page and "<dt>占用的地方</dt><dd>人行道</dd>" in page
    assert "sidewalk" not in page and ">bike<" not in page
    actions.dispatch_report(acting_user=world.intake, report=report)
    case = Case.objects.for_subject(report).get()
    assert "车辆类型：共享单车" in case.description and "占用的地方：人行道" in case.description
    assert "bike" not in case.description and "sidewalk" not in case.description
    unit = Client()
    unit.force_login(world.unit_user)
    assert "<dt>车辆类型</dt><dd>共享单车</dd>" in unit.get(f"/citizen/reports/{report.pk}/").content.decode()
    assert "车辆类型：共享单车" in unit.get(f"/cases/{case.pk}/").content.decode()


def test_tracking_page_export_and_api_read_names_open311_none(world: Any) -> None:
    report = parking(world, vehicle="ebike", blocking=["blind", "fire"])
    track = Client().get(f"/public/track/{report.code}/").content.decode()
    assert "车辆类型：电动车" in track and "占用的地方：盲道、消防通道" in track
    book = load_workbook(io.BytesIO(export_reports(parse_period(timezone.localdate().strftime("%Y-%m")))))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("补充问题")
    assert rows[1][column] == "车辆类型：电动车；占用的地方：盲道、消防通道"
    client = Client()
    client.force_login(world.intake)
    data = client.get(f"/api/citizen/reports/{report.pk}/").json()
    assert data["answers"] == {"vehicle": "ebike", "blocking": ["blind", "fire"]}  # the stored keys, for programs
    assert data["answer_lines"] == [
        {"question": "车辆类型", "answer": "电动车"},
        {"question": "占用的地方", "answer": "盲道、消防通道"},
    ]
    for url in (f"/public/open311/v2/requests/{report.pk}.json", "/public/open311/v2/requests.xml", "/public/reports/"):
        body = Client().get(url).content.decode()
        assert "电动车" not in body and "盲道" not in body and "ebike" not in body, url
