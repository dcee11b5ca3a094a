"""A figure's source link (?ids=) on the volunteers' staff lists: ids past 32 bits or words are dropped with a
notice, and a link whose ids are all bad lists nothing (it used to list every row, or answer a bare 400)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from taizhang.core.testing import make_user

pytestmark = pytest.mark.django_db

LISTS = ["/volunteers/activities/", "/volunteers/rows/hours/", "/volunteers/rows/volunteers/", "/volunteers/teams/",
         "/volunteers/certificates/", "/volunteers/orders/"]


@pytest.mark.parametrize("url", LISTS)
def test_bad_ids_are_dropped_with_a_notice(tree: Any, url: str) -> None:
    client = Client()
    client.force_login(make_user("staff", tree.district))
    response = client.get(url, {"ids": "99999999999999999999,abc"})
    body = response.content.decode()
    assert response.status_code == 200, url
    assert "“99999999999999999999”" in body and "已忽略" in body, url
