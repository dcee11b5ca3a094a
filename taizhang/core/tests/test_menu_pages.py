"""The menu never offers a page that refuses the user: every menu entry of a street's users (whose capabilities
hold over part of the tree only) opens (the browser crawl checks every role; this is its quick form)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from taizhang.core.navigation import menu_for
from taizhang.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["staff", "reviewer", "liaison", "viewer"])
def test_every_menu_page_of_a_street_user_opens(taxonomy: Any, tree: Any, client: Client, role: str) -> None:
    user = make_user(role, tree.street_a)
    client.force_login(user)
    urls = [item["url"] for group in menu_for(user, "/") for item in group["items"]]
    assert urls
    refused = {url: client.get(url).status_code for url in urls}
    assert {url: status for url, status in refused.items() if status >= 400} == {}


def test_department_wide_monitoring_is_in_the_menu_of_the_department_only(taxonomy: Any, tree: Any) -> None:
    street = [i["label"] for g in menu_for(make_user("staff", tree.street_a), "/") for i in g["items"]]
    district = [i["label"] for g in menu_for(make_user("staff", tree.district), "/") for i in g["items"]]
    assert "预警" in district and "信息源" in district
    assert "预警" not in street and "信息源" not in street
    assert "事件看板" in street  # the incidents assigned to the street
