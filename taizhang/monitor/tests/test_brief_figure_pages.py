"""Every figure of a stored brief opens its source page (monitor:brief_figure): figures were `href="#"` with a
hover title only, so on a phone a tap jumped to the top of the page and showed nothing."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse

from taizhang.core.testing import make_user
from taizhang.monitor import actions
from taizhang.monitor.models import HourlyStat, Incident
from taizhang.reports.document import Document

pytestmark = pytest.mark.django_db

FIGURE_LINK = re.compile(r'<a class="tz-figure" data-figure="(\w+)" href="([^"]+)"')


@pytest.fixture
def daily(day_of_data: tuple[datetime.date, Any]) -> tuple[Any, Incident]:
    """Yesterday's brief over 60 news items and 40 reports of one matter (an incident)."""
    day, out = day_of_data
    return actions.generate_daily_brief(acting_user=None, day=day), Incident.objects.get(pk=out.incidents_created[0])


def _links(client: Any, brief: Any) -> dict[str, str]:
    page = client.get(reverse("monitor:brief_detail", args=[brief.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="#"' not in html
    return dict(FIGURE_LINK.findall(html))


def test_every_figure_of_the_daily_brief_opens_its_source(daily: Any, staff: Any, client: Any) -> None:
    brief, incident = daily
    client.force_login(staff)
    links = _links(client, brief)
    figures = Document.from_dict(brief.document).figure_map()
    assert set(links) == set(figures) and "total" in links and f"inc{incident.pk}" in links
    for fig_id, url in links.items():
        assert url == reverse("monitor:brief_figure", args=[brief.pk, fig_id])
        page = client.get(url)
        body = page.content.decode()
        assert page.status_code == 200, fig_id
        assert figures[fig_id].text in body and "舆情监测" in body and "计算方法" in body, fig_id
        assert "与当前数据一致" in body, fig_id  # reports.sources.recompute (kind monitor): the brief rebuilt
        assert "依据记录" not in body  # a brief keeps aggregates, not rows
    total = client.get(links["total"]).content.decode()
    assert "按小时汇总的全区监测信息条数" in total and "HourlyStat" not in total  # no model name on the page
    assert f'href="{reverse("monitor:item_list")}?day={brief.date.isoformat()}"' in total  # that day's items
    assert f'href="{reverse("monitor:brief_detail", args=[brief.pk])}"' in total  # the way back
    negative = client.get(links["neg"]).content.decode()
    assert f'href="{reverse("monitor:item_list")}?label=neg&amp;day={brief.date.isoformat()}"' in negative
    overdue = client.get(links["overdue"]).content.decode()
    assert 'href="/cases/?kind=incident&amp;overdue=on"' in overdue
    # an incident's figure links the incident, which opens for the same user
    detail = reverse("monitor:incident_detail", args=[incident.pk])
    assert f'href="{detail}"' in client.get(links[f"inc{incident.pk}"]).content.decode()
    assert client.get(detail).status_code == 200


def test_a_figure_whose_aggregate_changed_says_so(daily: Any, staff: Any, client: Any) -> None:
    brief, _incident = daily
    row = HourlyStat.objects.filter(items__gt=0).order_by("hour").first()
    assert row is not None
    row.items += 5  # a late poll of the same day adds five items
    row.save(update_fields=["items"])
    client.force_login(staff)
    body = client.get(reverse("monitor:brief_figure", args=[brief.pk, "total"])).content.decode()
    assert "当前数据已变化：105条" in body and "100条" in body


def test_a_special_report_links_its_figures_to_the_incident(daily: Any, staff: Any, client: Any) -> None:
    _brief, incident = daily
    special = actions.generate_special_report(acting_user=None, incident=incident)
    client.force_login(staff)
    links = _links(client, special)
    assert set(links) == set(Document.from_dict(special.document).figure_map()) and "items" in links
    body = client.get(links["items"]).content.decode()
    assert "40条" in body and "与当前数据一致" in body
    assert f'href="{reverse("monitor:incident_detail", args=[incident.pk])}"' in body


def test_only_those_who_may_see_the_brief_open_its_figures(daily: Any, tree: Any, client: Any) -> None:
    brief, _incident = daily
    url = reverse("monitor:brief_figure", args=[brief.pk, "total"])
    for user in (make_user("staff", tree.street_a), make_user("viewer", tree.district)):
        client.force_login(user)
        assert client.get(reverse("monitor:brief_detail", args=[brief.pk])).status_code == 403
        assert client.get(url).status_code == 403
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


def test_an_unknown_figure_or_brief_is_a_404(daily: Any, staff: Any, client: Any) -> None:
    brief, _incident = daily
    client.force_login(staff)
    missing = client.get(reverse("monitor:brief_figure", args=[brief.pk, "nope"]))
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
    assert client.get(reverse("monitor:brief_figure", args=[brief.pk + 1000, "total"])).status_code == 404
