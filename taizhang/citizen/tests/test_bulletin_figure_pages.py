"""Every figure of the monthly 随手拍 bulletin opens its source page (citizen:bulletin_figure): figures were
`href="#"` with a hover title only, so on a phone a tap jumped to the top of the page and showed nothing."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from taizhang.citizen import actions
from taizhang.core.periods import parse_period
from taizhang.core.testing import make_user

from .conftest import PHONE, submit

pytestmark = pytest.mark.django_db

FIGURE_LINK = re.compile(r'<a class="tz-figure" data-figure="(\w+)" href="([^"]+)"')


def _month() -> Any:
    return parse_period(timezone.localdate().strftime("%Y-%m"))


@pytest.fixture
def reports(world: Any) -> dict[str, Any]:
    """Three reports in street A (one with the reporter's phone), one in street B, one of A's not taken up."""
    out = {f"a{i}": submit(world, phone=PHONE) for i in range(3)}
    out["b"] = submit(world, place=world.place_b)
    actions.reject_report(acting_user=world.intake, report=out["a2"], reason="不属于受理范围")
    return out


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _links(client: Client) -> dict[str, str]:
    page = client.get("/citizen/bulletin/", {"period": _month().spec})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="#"' not in html
    return dict(FIGURE_LINK.findall(html))


def test_every_figure_of_the_bulletin_opens_its_source(world: Any, reports: dict[str, Any]) -> None:
    from taizhang.citizen.bulletin import build_document

    client = _client(world.intake)
    links = _links(client)
    doc = build_document(_month())
    assert set(links) == set(doc.figure_map()) and len(links) >= 10
    for fig_id, url in links.items():
        assert url == f"/citizen/bulletin/{_month().spec}/figures/{fig_id}/"
        page = client.get(url)
        body = page.content.decode()
        assert page.status_code == 200, (fig_id, page.status_code)
        assert doc.figure_map()[fig_id].text in body and "系统计算" in body
        assert "与当前数据一致" in body, fig_id  # recomputed from the providers: the same value
        assert "/ledger/records/?ids=" not in body  # the ids are reports, never looked up as ledger records
    received = next(f for f in doc.figures() if f.source["metric"] == "citizen_reports_received"
                    and not f.source["filters"] and f.source["units"] is None)
    body = client.get(links[received.id]).content.decode()
    assert "计算方法" in body and "期间内收到的随手拍报告数" in body  # what it counts: the provider's description
    ids = ",".join(str(r.pk) for r in sorted(reports.values(), key=lambda r: r.pk))
    assert f'href="/citizen/reports/?ids={ids}"' in body and "查看这 4 条" in body
    assert f'href="/citizen/bulletin/?period={_month().spec}"' in body  # the way back
    # the rows behind it: the report list, without the reporter's phone
    rows = client.get(f"/citizen/reports/?ids={ids}").content.decode()
    assert all(r.code in rows for r in reports.values()) and PHONE not in rows


def test_a_street_figure_is_recomputed_for_that_street(world: Any, reports: dict[str, Any]) -> None:
    """The street rows' figures name their units as ids (`units`); recomputed for the whole district they would
    read 4 where the bulletin says 1."""
    from taizhang.citizen.bulletin import build_document

    doc = build_document(_month())
    street_b = next(f for f in doc.figures() if f.source["metric"] == "citizen_reports_received"
                    and f.source["units"] and world.tree.street_b.pk in f.source["units"])
    assert street_b.value == 1
    body = _client(world.intake).get(f"/citizen/bulletin/{_month().spec}/figures/{street_b.id}/").content.decode()
    assert "与当前数据一致" in body and world.tree.street_b.name in body
    assert f'href="/citizen/reports/?ids={reports["b"].pk}"' in body


def test_a_changed_figure_shows_the_new_value(world: Any, reports: dict[str, Any], taxonomy: None) -> None:
    """Recomputed by its provider for its street; its ids are reports: a ledger record with the same id is not
    shown as behind it."""
    from django.test import RequestFactory

    from taizhang.citizen.bulletin import build_document
    from taizhang.core.testing import make_record
    from taizhang.reports.document import Figure
    from taizhang.reports.views.common import figure_context

    doc = build_document(_month())
    street_b = next(f for f in doc.figures() if f.source["metric"] == "citizen_reports_received"
                    and f.source["units"] and world.tree.street_b.pk in f.source["units"])
    submit(world, place=world.place_b)  # one more report in street B since the bulletin was read
    record = make_record(world.tree.street_b, "lecture_event", {"lecture_audience": 5})
    request = RequestFactory().get("/")
    request.user = world.intake
    source = {**street_b.source, "records": [record.pk]}
    context = figure_context(request, None, Figure(street_b.id, street_b.text, street_b.value, source))
    assert context["fresh"].value == Decimal(2) and not context["matches"]
    assert context["described"]["scope"] == world.tree.street_b.name
    assert context["kind_label"] == "系统计算" and context["hidden"] == 0 and not context["trace_url"]
    assert not context["page"].object_list and context["record_count"] == 1
    assert context["rows_links"] == [{"label": "查看这 1 条", "url": f"/citizen/reports/?ids={record.pk}"}]


def test_only_those_who_may_see_the_bulletin_open_its_figures(world: Any, reports: dict[str, Any]) -> None:
    url = f"/citizen/bulletin/{_month().spec}/figures/c1/"
    assert _client(world.street_intake).get(url).status_code == 200  # manage_work in a street, as the bulletin
    for user in (world.unit_user, make_user("viewer", world.tree.district, username="leader")):
        client = _client(user)
        assert client.get("/citizen/bulletin/").status_code == 403
        assert client.get(url).status_code == 403
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]


def test_an_unknown_figure_or_period_is_a_404(world: Any, reports: dict[str, Any]) -> None:
    client = _client(world.intake)
    missing = client.get(f"/citizen/bulletin/{_month().spec}/figures/c999/")
    assert missing.status_code == 404 and "页面不存在" in missing.content.decode()
    assert client.get("/citizen/bulletin/2024-13/figures/c1/").status_code == 404
    assert client.get("/citizen/bulletin/nonsense/figures/c1/").status_code == 404


def test_report_list_pages_keep_the_figures_ids(world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A figure's reports (?ids=) stay that figure's on page 2: the page links carried only status and category,
    so page 2 listed every report."""
    from django.core import paginator

    from taizhang.citizen import views

    made = [submit(world) for _ in range(4)]
    submit(world)  # not behind the figure

    class Two(paginator.Paginator):
        def __init__(self, object_list: Any, per_page: int, **kwargs: Any) -> None:
            super().__init__(object_list, 2, **kwargs)

    monkeypatch.setattr(views, "Paginator", Two)
    ids = ",".join(str(r.pk) for r in made)
    page = _client(world.intake).get("/citizen/reports/", {"ids": ids, "q": ""})
    assert page.status_code == 200
    html = page.content.decode()
    nxt = re.search(r'<a href="([^"]*)">下一页</a>', html)
    assert nxt is not None and "ids=" in nxt.group(1) and "page=2" in nxt.group(1)
    second = _client(world.intake).get("/citizen/reports/" + nxt.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    assert "第2/2页" in second.content.decode()


def test_check_report_verifies_the_downloaded_bulletin_street_by_street(world: Any, reports: dict[str, Any]) -> None:
    """check-report on the bulletin's .docx recomputes each street's figure for that street (`units`), as the source
    page does: for the whole district every street figure would read as changed."""
    from taizhang.reports.checker import check_docx_stream

    client = _client(world.intake)
    docx = client.get("/citizen/bulletin/", {"period": _month().spec, "format": "docx"})
    assert docx.status_code == 200
    data = b"".join(docx.streaming_content)  # type: ignore[attr-defined]
    report = check_docx_stream(io.BytesIO(data), name="bulletin.docx")
    assert report.ok and report.figures >= 10 and report.verified == report.figures, report.to_dict()
    # a street's rate above the district's is no part exceeding its total (rates are not added up)
    assert not [i for i in report.issues if i.kind == "part_exceeds"], report.to_dict()

    submit(world, place=world.place_b)  # street B has one more report than the bulletin says
    again = check_docx_stream(io.BytesIO(data), name="bulletin.docx")
    stale = {i.figure for i in again.issues if i.kind in ("stale", "changed")}
    assert stale, again.to_dict()
    assert all(i.kind != "unverifiable" for i in again.issues)
