"""A daily brief's figures of new incidents, responses and placement proposals open lists of that day only: the
incident board by first appearance (`day`) or by a response published on the day (`responded`), the proposals by
publication date (every status). They used to open the current lists, whatever the day."""

from __future__ import annotations

import datetime
import html
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from taizhang.monitor import actions
from taizhang.monitor.models import Brief, Incident, Outlet, PlacementProposal, Response

pytestmark = pytest.mark.django_db


def _rows_link(client: Any, brief: Brief, fig_id: str, list_name: str) -> str:
    body = client.get(reverse("monitor:brief_figure", args=[brief.pk, fig_id])).content.decode()
    found = re.findall(rf'href="({re.escape(reverse(list_name))}\?[^"]+)"', body)
    assert len(found) == 1, (fig_id, found)
    return html.unescape(found[0])


@pytest.fixture
def setting(day_of_data: tuple[datetime.date, Any], tree: Any) -> tuple[datetime.date, Incident, Incident]:
    """The day's incident, an older one answered on the day, and proposals on the day and the day before."""
    day, out = day_of_data
    incident = Incident.objects.get(pk=out.incidents_created[0])
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(15)))
    older = Incident.objects.create(label="旧事件", first_seen=at - datetime.timedelta(days=3),
                                    last_seen=at - datetime.timedelta(days=3), items_count=3)
    Response.objects.create(incident=older, unit=tree.street_a, published_text="已答复", where="区政府网站",
                            published_at=at)
    outlet = Outlet.objects.create(name="省报", level="province", kind="newspaper")
    for key, published_on, status in (("a", day, "proposed"), ("b", day, "rejected"),
                                       ("c", day - datetime.timedelta(days=1), "proposed")):
        PlacementProposal.objects.create(item_key=key, outlet=outlet, unit=tree.street_a, title=f"稿件{key}",
                                         published_on=published_on, status=status)
    return day, incident, older


def test_new_incidents_open_the_incidents_first_seen_that_day(setting: Any, staff: Any, client: Any) -> None:
    day, incident, older = setting
    brief = actions.generate_daily_brief(acting_user=None, day=day)
    client.force_login(staff)
    url = _rows_link(client, brief, "new_inc", "monitor:incident_list")
    assert f"day={day.isoformat()}" in url and "all=1" in url
    listed = client.get(url).content.decode()
    assert incident.label in listed and older.label not in listed
    assert f"{day:%Y}年{day.month}月{day.day}日首次出现的事件：共 1 个" in listed
    assert f'name="day" value="{day.isoformat()}"' in listed  # the filter form keeps the day


def test_responses_open_the_incidents_answered_that_day(setting: Any, staff: Any, client: Any) -> None:
    day, incident, older = setting
    brief = actions.generate_daily_brief(acting_user=None, day=day)
    client.force_login(staff)
    body = client.get(reverse("monitor:brief_figure", args=[brief.pk, "resp"])).content.decode()
    assert "一个事件当日可有多件回应" in body
    url = _rows_link(client, brief, "resp", "monitor:incident_list")
    listed = client.get(url).content.decode()
    assert older.label in listed and incident.label not in listed
    assert "有回应的事件：共 1 个" in listed


def test_proposals_open_that_days_proposals_of_every_status(setting: Any, staff: Any, client: Any) -> None:
    day, _incident, _older = setting
    brief = actions.generate_daily_brief(acting_user=None, day=day)
    client.force_login(staff)
    url = _rows_link(client, brief, "placements", "monitor:proposal_list")
    listed = client.get(url).content.decode()
    assert "稿件a" in listed and "稿件b" in listed and "稿件c" not in listed
    assert "的线索：共 2 篇" in listed
    pending = client.get(url + "&status=proposed").content.decode()
    assert "稿件a" in pending and "稿件b" not in pending
    # without a day the list is the pending proposals of every day, as before
    plain = client.get(reverse("monitor:proposal_list")).content.decode()
    assert "稿件a" in plain and "稿件c" in plain and "稿件b" not in plain


@pytest.mark.parametrize("name", ["monitor:incident_list", "monitor:proposal_list"])
@pytest.mark.parametrize("param", ["day", "responded"])
def test_a_bad_day_is_explained_and_the_list_still_shows(name: str, param: str, staff: Any, client: Any) -> None:
    client.force_login(staff)
    response = client.get(reverse(name), {param: "2026-13-40"})
    body = response.content.decode()
    assert response.status_code == 200
    if param == "day" or name == "monitor:incident_list":
        assert "日期“2026-13-40”无效" in body
