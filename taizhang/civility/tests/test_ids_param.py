"""?ids= on the civility lists (a figure's rows): an id past 2147483647, 0 or a word matches no row and is named in
a notice; the list is then empty, never everything and never a database error (SQLite: OverflowError)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from taizhang.core.testing import client_for

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"
LISTS = [
    "civility:problem_list",
    "civility:document_list",
    "civility:inspection_list",
    "civility:site_list",
    "civility:title_list",
]


@pytest.mark.parametrize("name", LISTS)
@pytest.mark.parametrize("ids", [HUGE, f"{HUGE},2147483648", "0,abc"])
def test_ids_past_the_range_give_an_empty_list_with_a_notice(world: dict[str, Any], name: str, ids: str) -> None:
    response = client_for(world["staff"]).get(reverse(name), {"ids": ids})
    assert response.status_code == 200
    html = response.content.decode()
    assert "无效（应为 1 至 2147483647 之间的整数），已忽略" in html
    assert "东一农贸市场" not in html or name != "civility:site_list"


def test_site_list_keeps_the_good_id_beside_a_bad_one(world: dict[str, Any]) -> None:
    market = world["market"]
    response = client_for(world["staff"]).get(reverse("civility:site_list"), {"ids": f"{market.pk},{HUGE}"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "东一农贸市场" in html
    assert "西一背街" not in html
    assert "已忽略" in html
