"""The staff report list opened from a figure (?ids=) says it lists that figure's reports and links to the whole
list: it looked like the whole list, with no sign it was filtered."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from .conftest import submit

pytestmark = pytest.mark.django_db
NOTICE = re.compile(r'<div class="tz-alert tz-alert--info" id="traced-notice">(.*?)</div>', re.S)


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_figures_reports_are_marked_and_lead_to_the_whole_list(world: Any) -> None:
    made = [submit(world) for _ in range(3)]
    other = submit(world)  # not behind the figure
    ids = ",".join(str(r.pk) for r in made)
    html = _client(world.intake).get("/citizen/reports/", {"ids": ids, "status": "new", "q": ""}).content.decode()
    notice = NOTICE.search(html)
    assert notice is not None, html[:3000]
    assert "按数字溯源列出 3 条报告" in notice.group(1) and "其余" not in notice.group(1)
    # 查看全部报告: no ids, and no other filter either
    assert '<a href="/citizen/reports/">查看全部报告</a>' in notice.group(1)
    assert other.code not in html and all(r.code in html for r in made)
    # filtering the figure's reports keeps them the figure's
    assert f'<input type="hidden" name="ids" value="{ids}">' in html


def test_reports_outside_the_users_scope_are_counted_apart(world: Any) -> None:
    in_b = submit(world, place=world.place_b)
    in_a = submit(world)
    html = _client(world.street_intake).get("/citizen/reports/", {"ids": f"{in_a.pk},{in_b.pk},{in_b.pk}"})
    notice = NOTICE.search(html.content.decode())
    assert notice is not None
    assert "按数字溯源列出 1 条报告" in notice.group(1) and "该数字涉及 2 条" in notice.group(1)


def test_the_plain_list_has_no_notice(world: Any) -> None:
    submit(world)
    for query in ({}, {"ids": ""}, {"ids": "abc"}, {"ids": "9" * 400}, {"status": "new"}):
        response = _client(world.intake).get("/citizen/reports/", query)
        assert response.status_code == 200, query
        html = response.content.decode()
        assert "traced-notice" not in html and "按数字溯源" not in html and 'name="ids"' not in html, query
