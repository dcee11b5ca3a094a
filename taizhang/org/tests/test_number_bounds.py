"""排序 and 人口 of a unit within range: a number an integer column cannot hold (PostgreSQL: a DataError, SQLite: an
OverflowError, both once a bare answer that lost the form) is refused at the field, with what was typed kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from taizhang.core.errors import InvalidInput
from taizhang.core.testing import client_for, make_user
from taizhang.org import actions
from taizhang.org.models import Unit

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
SORT = "排序应为 0 至 99999 之间的整数"
POPULATION = "人口应为 0 至 100000000 之间的整数"


def edit_data(unit: Unit, **changes: Any) -> dict[str, Any]:
    data = {
        "code": unit.code,
        "name": "东一社区（新名）",
        "short_name": "东一",
        "kind": unit.kind,
        "sort_order": "1",
        "population": "3000",
        "is_active": "on",
        "version": str(unit.version),
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("sort_order", HUGE, SORT),
        ("sort_order", "2147483648", SORT),
        ("sort_order", "100000", SORT),
        ("sort_order", "-1", SORT),
        ("population", HUGE, POPULATION),
        ("population", "2147483648", POPULATION),
        ("population", "100000001", POPULATION),
        ("population", "-5", POPULATION),
    ],
)
def test_unit_numbers_out_of_range_are_refused_at_the_field(tree: Any, field: str, typed: str, message: str) -> None:
    unit = tree.community_a1
    c = client_for(make_user("sysadmin", tree.district))
    response = c.post(reverse("org:unit_edit", args=[unit.pk]), edit_data(unit, **{field: typed}))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert f'value="{typed}"' in html
    assert 'value="东一社区（新名）"' in html
    unit.refresh_from_db()
    assert unit.name == "东一社区"
    assert c.get(reverse("org:unit_list")).status_code == 200


def test_unit_numbers_at_the_limits_are_saved(tree: Any) -> None:
    unit = tree.community_a1
    c = client_for(make_user("sysadmin", tree.district))
    response = c.post(
        reverse("org:unit_edit", args=[unit.pk]), edit_data(unit, sort_order="99999", population="100000000")
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert (unit.sort_order, unit.population) == (99999, 100_000_000)


def test_a_new_unit_with_a_huge_population_is_not_created(tree: Any) -> None:
    c = client_for(make_user("sysadmin", tree.district))
    response = c.post(
        reverse("org:unit_create"),
        {
            "code": "X9",
            "name": "新单位",
            "kind": "community",
            "parent": tree.street_a.pk,
            "sort_order": "0",
            "population": HUGE,
        },
    )
    assert response.status_code == 200
    assert POPULATION in response.content.decode()
    assert not Unit.objects.filter(code="X9").exists()


def test_the_actions_refuse_numbers_out_of_range(tree: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        actions.create_unit(acting_user=None, code="X8", name="新单位", parent=tree.street_a, sort_order=2**31)
    assert caught.value.errors == {"sort_order": [SORT]}
    unit = tree.community_a1
    with pytest.raises(InvalidInput) as caught:
        actions.update_unit(acting_user=None, unit=unit, expected_version=unit.version, population=2**31)
    assert caught.value.errors == {"population": [POPULATION]}
    assert not Unit.objects.filter(code="X8").exists()
    unit.refresh_from_db()
    assert unit.population is None
