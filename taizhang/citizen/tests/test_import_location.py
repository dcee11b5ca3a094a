"""An import's coordinates and the phone's location accuracy (定位精度（米）, optional): each cell is checked and
named by row and column, and a valid accuracy is kept as the public form keeps it."""

from __future__ import annotations

from typing import Any

import pytest

from taizhang.citizen.exchange import COLUMNS, import_reports
from taizhang.citizen.models import Report

pytestmark = pytest.mark.django_db

HEADER = "外部编号,类别,问题描述,位置描述,纬度,经度,定位精度（米）\n"


def _import(*rows: str) -> tuple[int, list[str]]:
    created, errors = import_reports((HEADER + "\n".join(rows) + "\n").encode(), filename="r.csv")
    return created, [str(e) for e in errors]


def test_the_accuracy_column_is_part_of_the_documented_format() -> None:
    assert COLUMNS.index("定位精度（米）") == COLUMNS.index("经度") + 1


def test_a_located_row_keeps_its_accuracy_rounded_up(world: Any) -> None:
    created, errors = _import("A1,垃圾堆放,路口垃圾,,37.85,112.52,35.2", "A2,垃圾堆放,路口垃圾,西门,,,")
    assert (created, errors) == (2, [])
    assert Report.objects.get(external_id="A1").location_accuracy_m == 36
    assert Report.objects.get(external_id="A2").location_accuracy_m is None


@pytest.mark.parametrize(("row", "expected"), [
    ("B1,垃圾堆放,垃圾,,北纬37度,112.5,", "第 2 行“纬度”：“北纬37度”不是数字"),
    ("B1,垃圾堆放,垃圾,,37.8,112a,", "第 2 行“经度”：“112a”不是数字"),
    ("B1,垃圾堆放,垃圾,,137.8,112.5,", "第 2 行“纬度”：纬度应在 -90 至 90 之间"),
    ("B1,垃圾堆放,垃圾,,37.8,212.5,", "第 2 行“经度”：经度应在 -180 至 180 之间"),
    ("B1,垃圾堆放,垃圾,,nan,112.5,", "第 2 行“纬度”：纬度应在 -90 至 90 之间"),
    ("B1,垃圾堆放,垃圾,,37.8,,", "第 2 行“经度”：纬度和经度须同时填写"),
    ("B1,垃圾堆放,垃圾,西门,,,20", "第 2 行“定位精度（米）”：没有经纬度时不能填写定位精度"),
    ("B1,垃圾堆放,垃圾,,37.8,112.5,-3", "第 2 行“定位精度（米）”：定位精度应在 0 至 100000 之间"),
    ("B1,垃圾堆放,垃圾,,37.8,112.5,约30米", "第 2 行“定位精度（米）”：“约30米”不是数字"),
])
def test_a_bad_location_cell_is_named_and_nothing_is_written(world: Any, row: str, expected: str) -> None:
    created, errors = _import("OK1,垃圾堆放,另一处垃圾,东门,,,", row)
    assert created == 0 and Report.objects.count() == 0
    assert [e.replace("第 3 行", "第 2 行") for e in errors] == [expected]
