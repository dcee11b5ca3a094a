"""A conference's coverage names ledger records by id: an id past 2147483647 (or a word) is refused at the field with
what was typed kept, where it once reached `record_id IN (…)` (SQLite: OverflowError, a bare 400 losing the form)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from taizhang.core.testing import client_for, make_record
from taizhang.ledger.actions import PlacementInput
from taizhang.ledger.models import Outlet
from taizhang.press.models import Conference
from taizhang.press.tests.conftest import World

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def held(world: World) -> Conference:
    return Conference.objects.create(
        unit=world.tree.street_a, topic="文旅发布", date=datetime.date(2026, 3, 2), state=Conference.State.HELD
    )


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (HUGE, f"用稿记录编号“{HUGE}”无效（应为 1 至 2147483647 之间的整数）"),
        (f"12,{HUGE},0", "无效（应为 1 至 2147483647 之间的整数）"),
        ("第一篇", "用稿记录编号“第一篇”无效"),
        ("2147483647", "用稿记录编号 2147483647 不存在或无权查看"),
    ],
)
def test_coverage_ids_out_of_range_are_refused_at_the_field(
    world: World, held: Conference, typed: str, message: str
) -> None:
    response = client_for(world.liaison_a).post(
        reverse("press:conference_detail", args=[held.pk]), {"op": "coverage", "placements": typed}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'id="id_placements_error"' in html
    assert f'value="{typed}"' in html
    assert not held.coverage.exists()


def test_coverage_by_good_ids_is_linked(world: World, held: Conference) -> None:
    outlet = Outlet.objects.get(name="人民日报")
    record = make_record(
        world.tree.street_a,
        "placement",
        {"placements": 1},
        placement=PlacementInput(outlet=outlet, article_title="文旅发布会报道"),
    )
    response = client_for(world.liaison_a).post(
        reverse("press:conference_detail", args=[held.pk]), {"op": "coverage", "placements": f" {record.pk}，"}
    )
    assert response.status_code == 302
    assert [p.record_id for p in held.coverage.all()] == [record.pk]
