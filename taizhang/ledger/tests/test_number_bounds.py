"""Numbers past what the columns hold, typed on the ledger pages: a figure check's bound (too many digits, NaN,
Infinity), a metric's 排序, a placement's 署名单位 (ids) and ?ids= on the record list. Each is refused with a Chinese
message (at the field where there is a form, with what was typed), nothing is saved and no page answers 500."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from taizhang.core.testing import client_for, make_record, make_user
from taizhang.ledger.actions import PlacementInput
from taizhang.ledger.forms import parse_ids
from taizhang.ledger.models import ActivityType, FigureBound, MetricDefinition, Outlet, Record

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def admin(taxonomy: Any, tree: Any) -> Any:
    return make_user("sysadmin", tree.district)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (HUGE, "单条记录上限数值过大：整数部分最多 14 位"),
        ("1e20", "单条记录上限数值过大：整数部分最多 14 位"),
        ("0.00001", "单条记录上限最多保留 4 位小数"),
        ("nan", "单条记录上限应填写数字"),
        ("sNaN", "单条记录上限应填写数字"),
        ("Infinity", "单条记录上限应填写数字"),
        ("-Infinity", "单条记录上限应填写数字"),
    ],
)
def test_a_figure_bound_past_its_column_is_refused(admin: Any, typed: str, message: str) -> None:
    c = client_for(admin)
    url = reverse("ledger:check_list")
    bound = FigureBound.objects.get(key="rm_good_people_grassroots")
    before = (bound.max_value, bound.version)
    response = c.post(
        url,
        {"kind": "bound", "pk": bound.pk, "version": bound.version, "is_active": "1", "max_value": typed},
    )
    assert response.status_code == 400  # the page again, not a redirect that loses what was typed
    html = response.content.decode()
    assert message in html
    assert f"填写的是“{typed}”" in html  # what was typed is named back
    # ...and kept in its row's box, marked invalid, with the problem beside it
    assert f'id="tz-max-{bound.pk}" name="max_value" value="{typed}"' in html
    assert f'aria-describedby="tz-max-{bound.pk}-error"' in html
    assert f'id="tz-max-{bound.pk}-error" role="alert"' in html
    bound.refresh_from_db()
    assert (bound.max_value, bound.version) == before
    assert c.get(url).status_code == 200


def test_the_largest_bound_the_column_holds_is_saved_and_listed(admin: Any) -> None:
    c = client_for(admin)
    url = reverse("ledger:check_list")
    bound = FigureBound.objects.get(key="rm_good_people_grassroots")
    c.post(
        url,
        {"kind": "bound", "pk": bound.pk, "version": bound.version, "is_active": "1", "max_value": "99999999999999.9"},
    )
    bound.refresh_from_db()
    assert bound.max_value == Decimal("99999999999999.9")
    assert c.get(url).status_code == 200


def metric_post(metric: MetricDefinition, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": metric.name,
        "measure_word": metric.measure_word,
        "kind": metric.kind,
        "value_type": metric.value_type,
        "min_value": metric.min_value if metric.min_value is not None else "",
        "max_value": metric.max_value if metric.max_value is not None else "",
        "aggregation": metric.aggregation,
        "aliases": "，".join(metric.aliases),
        "sort_order": metric.sort_order,
        "is_active": "on",
        "version": metric.version,
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("typed", [HUGE, "2147483648", "100000", "-1"])
def test_a_metric_sort_order_out_of_range_is_refused_at_the_field(admin: Any, typed: str) -> None:
    metric = MetricDefinition.objects.get(key="lecture_audience")
    response = client_for(admin).post(
        reverse("ledger:metric_edit", args=[metric.pk]), metric_post(metric, sort_order=typed, measure_word="人")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "排序应为 0 至 99999 之间的整数" in html
    assert 'id="id_sort_order_error"' in html
    assert f'value="{typed}"' in html
    assert 'value="人"' in html
    metric.refresh_from_db()
    assert (metric.version, metric.measure_word) == (1, "人次")


def test_update_metric_refuses_a_sort_order_out_of_range(admin: Any) -> None:
    from taizhang.core.errors import InvalidInput
    from taizhang.ledger.taxonomy import update_metric

    metric = MetricDefinition.objects.get(key="lecture_audience")
    with pytest.raises(InvalidInput) as caught:
        update_metric(acting_user=admin, metric=metric, expected_version=metric.version, sort_order=2**31)
    assert caught.value.errors == {"sort_order": ["排序应为 0 至 99999 之间的整数"]}
    with pytest.raises(InvalidInput) as caught:
        update_metric(acting_user=admin, metric=metric, expected_version=metric.version, max_value=Decimal("1e20"))
    assert caught.value.errors == {"max_value": ["数值过大：整数部分最多 14 位"]}
    metric.refresh_from_db()
    assert metric.version == 1


def test_a_credited_unit_id_past_the_range_is_refused_at_the_field(taxonomy: Any, tree: Any) -> None:
    liaison = make_user("liaison", tree.street_a)
    outlet = Outlet.objects.get(name="人民日报")
    record = make_record(
        tree.street_a,
        "placement",
        {"placements": 1},
        status="draft",
        placement=PlacementInput(outlet=outlet, article_title="东城经验"),
    )
    placement = ActivityType.objects.get(key="placement")
    data = {
        "unit": tree.street_a.pk,
        "activity_type": placement.pk,
        "title": "我改过的标题",
        "start_date": "2024-05-12",
        "fig_placements": "1",
        "outlet": outlet.pk,
        "article_title": "东城经验（改）",
        "credited_units": [str(tree.street_a.pk), HUGE],
        "idempotency_key": uuid.uuid4().hex,
        "version": record.version,
    }
    response = client_for(liaison).post(reverse("ledger:record_edit", args=[record.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_credited_units_error"' in html
    assert HUGE in html  # named in the message
    assert 'value="我改过的标题"' in html
    assert 'value="东城经验（改）"' in html
    assert f'value="{tree.street_a.pk}" selected' in html or f'value="{tree.street_a.pk}"  selected' in html
    record.refresh_from_db()
    assert record.title != "我改过的标题"


@pytest.mark.parametrize("ids", [HUGE, f"{HUGE},{2**31}", "0", "abc"])
def test_record_list_with_ids_past_the_range_is_empty_with_a_notice(taxonomy: Any, tree: Any, ids: str) -> None:
    make_record(tree.street_a, "lecture_event", {"lecture_audience": 5}, title="一条已审核的宣讲")
    response = client_for(make_user("staff", tree.district)).get(reverse("ledger:record_list"), {"ids": ids})
    assert response.status_code == 200
    html = response.content.decode()
    assert "记录编号" in html and "无效（应为 1 至 2147483647 之间的整数），已忽略" in html
    assert "一条已审核的宣讲" not in html
    assert response.context["page"].paginator.count == 0


def test_record_list_keeps_the_good_ids_beside_a_bad_one(taxonomy: Any, tree: Any) -> None:
    good = make_record(tree.street_a, "lecture_event", {"lecture_audience": 5}, title="列出的那一条")
    make_record(tree.street_a, "lecture_event", {"lecture_audience": 6}, title="不在编号里的一条")
    response = client_for(make_user("staff", tree.district)).get(
        reverse("ledger:record_list"), {"ids": f"{good.pk},{HUGE}"}
    )
    assert response.status_code == 200
    assert [r.pk for r in response.context["page"].object_list] == [good.pk]
    assert "无效" in response.content.decode()


def test_parse_ids_drops_what_no_row_has() -> None:
    assert parse_ids(f"1, 2，{HUGE},0,-3,abc,2147483647,2147483648,{'9' * 5000}") == [1, 2, 2147483647]
    assert Record.objects.filter(pk__in=parse_ids(HUGE)).count() == 0
