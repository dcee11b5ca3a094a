"""Numbers typed into the targets pages stay within what the columns hold: a target value past max_digits, NaN or
Infinity, a sort order or an adjustment's points out of range are refused at the field with a Chinese message, the
typed text comes back in the form, nothing is saved, and the pages that show targets still answer 200."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from taizhang.core.testing import client_for
from taizhang.ledger.models import MetricDefinition
from taizhang.targets.forms import DecimalText
from taizhang.targets.models import Adjustment, Allocation, Target
from taizhang.targets.tests.factories import target

pytestmark = [pytest.mark.django_db, pytest.mark.urls("taizhang.targets.tests.urls")]

HUGE = "99999999999999999999"


def edit_form(t: Target, **changes: str) -> dict[str, Any]:
    form = {
        "year": str(t.year),
        "key": t.key,
        "name": t.name,
        "metric": str(t.metric_id),
        "value": "100",
        "plan_kind": t.plan_kind,
        "monthly_plan": "",
        "note": "",
        "sort_order": "0",
        "version": str(t.version),
    }
    form.update(changes)
    return form


@pytest.fixture
def lectures(world: dict[str, Any]) -> Target:
    return target(world["tree"].district)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (HUGE, "数值过大：整数部分最多 14 位"),
        ("123456789012345", "数值过大：整数部分最多 14 位"),
        ("1.23456", "最多保留 4 位小数"),
        ("nan", "应填写数字"),
        ("NaN", "应填写数字"),
        ("Infinity", "应填写数字"),
        ("-inf", "应填写数字"),
        ("1e30", "数值过大：整数部分最多 14 位"),
    ],
)
def test_target_value_out_of_range_is_refused_at_the_field(
    lectures: Target, users: dict[str, Any], typed: str, message: str
) -> None:
    staff = client_for(users["staff"])
    response = staff.post(
        reverse("targets:target_edit", args=[lectures.pk]), edit_form(lectures, value=typed, name="宣讲活动（改）")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'id="id_value_error"' in html
    assert f'value="{typed}"' in html  # the typed text comes back to be corrected
    assert 'value="宣讲活动（改）"' in html
    lectures.refresh_from_db()
    assert lectures.value == Decimal(100)
    assert lectures.name == "宣讲活动"
    assert staff.get(reverse("targets:target_detail", args=[lectures.pk])).status_code == 200
    assert staff.get(reverse("targets:target_list")).status_code == 200


def test_largest_value_the_column_holds_is_saved_and_shown(lectures: Target, users: dict[str, Any]) -> None:
    staff = client_for(users["staff"])
    response = staff.post(
        reverse("targets:target_edit", args=[lectures.pk]), edit_form(lectures, value="99999999999999")
    )
    assert response.status_code == 302
    lectures.refresh_from_db()
    assert lectures.value == Decimal("99999999999999")
    assert staff.get(reverse("targets:target_detail", args=[lectures.pk])).status_code == 200
    assert staff.get(reverse("targets:target_list")).status_code == 200


def test_a_huge_value_creates_no_target(world: dict[str, Any], users: dict[str, Any]) -> None:
    metric = MetricDefinition.objects.get(key="lecture_events")
    form = {
        "year": "2024",
        "key": "huge",
        "name": "巨大目标",
        "metric": str(metric.pk),
        "value": HUGE,
        "plan_kind": "linear",
        "sort_order": "0",
    }
    response = client_for(users["staff"]).post(reverse("targets:target_create"), form)
    assert response.status_code == 200
    assert "数值过大：整数部分最多 14 位" in response.content.decode()
    assert not Target.objects.filter(key="huge").exists()


@pytest.mark.parametrize("typed", [HUGE, "100000", "-1", "2147483648"])
def test_target_sort_order_out_of_range_is_refused(lectures: Target, users: dict[str, Any], typed: str) -> None:
    response = client_for(users["staff"]).post(
        reverse("targets:target_edit", args=[lectures.pk]), edit_form(lectures, sort_order=typed, value="120")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "排序应为 0 至 99999 之间的整数" in html
    assert 'id="id_sort_order_error"' in html
    assert f'value="{typed}"' in html
    assert 'value="120"' in html
    lectures.refresh_from_db()
    assert (lectures.sort_order, lectures.value) == (0, Decimal(100))


def test_scheme_item_sort_order_out_of_range_is_refused(world: dict[str, Any], users: dict[str, Any]) -> None:
    scheme = world["scheme"]
    url = reverse("targets:item_edit", args=[scheme.key, "placement"])
    form = {
        "version": scheme.version,
        "kind": "placement",
        "key": "placement",
        "name": "媒体用稿（改）",
        "line": "news_external",
        "points_national": "30",
        "points_provincial": "10",
        "points_municipal": "5",
        "points_district": "1",
        "headline_multiplier": "2",
        "front_page_multiplier": "1.5",
        "long_multiplier": "1",
        "multiplier_mode": "max",
        "dedupe": "on",
        "split_joint": "on",
        "cap": "",
        "sort_order": HUGE,
    }
    response = client_for(users["staff"]).post(url, form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "排序应为 0 至 99999 之间的整数" in html
    assert f'value="{HUGE}"' in html
    assert scheme.current.items.get(key="placement").name == "对外宣传用稿"


def test_allocation_past_the_column_is_refused(lectures: Target, users: dict[str, Any]) -> None:
    tree = lectures.owner
    street = tree.children.get(code="SA")
    form = {"version": str(lectures.version), "method": "manual", f"unit_{street.code}": HUGE}
    response = client_for(users["staff"]).post(reverse("targets:target_allocate", args=[lectures.pk]), form)
    assert response.status_code == 200
    assert "数值过大：整数部分最多 14 位" in response.content.decode()
    assert not Allocation.objects.filter(target=lectures).exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("1e30", "数值过大：整数部分最多 6 位"),
        ("1.234", "最多保留 2 位小数"),
        ("nan", "应填写数字"),
    ],
)
def test_adjustment_points_out_of_range_are_refused(world: dict[str, Any], typed: str, message: str) -> None:
    from taizhang.core.errors import InvalidInput
    from taizhang.targets import actions

    scheme = world["scheme"]
    with pytest.raises(InvalidInput) as caught:
        actions.propose_adjustment(
            acting_user=None,
            scheme=scheme,
            item_key="placement",
            unit=world["tree"].street_a,
            date=world["sa_prov"].start_date,
            points=typed,
            reason="事由",
        )
    assert message in " ".join(caught.value.errors.get("points", []))
    assert not Adjustment.objects.exists()


def test_decimal_text_takes_the_model_fields_bounds() -> None:
    field = DecimalText(label="分值", model_field=Adjustment._meta.get_field("points"))
    assert field.clean("999999.99") == Decimal("999999.99")
    for typed, message in (
        ("1000000", "数值过大：整数部分最多 6 位"),
        ("0.001", "最多保留 2 位小数"),
        ("sNaN", "应填写数字"),
        ("abc", "应填写数字"),
    ):
        with pytest.raises(Exception) as caught:
            field.clean(typed)
        assert message in str(caught.value.messages)
    explicit = DecimalText(max_digits=5, decimal_places=1)
    assert explicit.clean("1234.5") == Decimal("1234.5")
    with pytest.raises(Exception) as caught:
        explicit.clean("12345")
    assert "整数部分最多 4 位" in str(caught.value.messages)
