"""The bulletin: official document through the shared writer, every figure with provenance that recomputes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from taizhang.core.periods import Period, parse_period
from taizhang.ledger.figures import compute
from taizhang.reports.docwriter import find_figure_runs, read_provenance, read_text
from taizhang.targets import actions
from taizhang.targets.bulletin import build_document
from taizhang.targets.provenance import recompute_figure
from taizhang.targets.tests.factories import D, place, target

pytestmark = pytest.mark.django_db
MAY = parse_period("2024-05")


@pytest.fixture
def bulletin(world):
    tree = world["tree"]
    t = target(tree.district, key="prov", metric="placements", value=12)
    actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                             values={tree.street_a: 6, tree.street_b: 4, tree.bureau: 2})
    scheme = world["scheme"]
    actions.save_item(acting_user=None, scheme=scheme, expected_version=scheme.version, data={
        "key": "target", "name": "用稿任务完成率", "kind": "target_completion",
        "rule": {"target": "prov", "points": "10", "max_ratio": "1.5"}})
    run = actions.run_assessment(acting_user=None, scheme=scheme, period=MAY, publish=True)
    return actions.create_bulletin(acting_user=None, run=run, issued_on=datetime.date(2024, 6, 3))


def _recompute(source):
    if source.get("kind") in ("assessment", "target"):
        return recompute_figure(source)
    period = Period(datetime.date.fromisoformat(source["period"]["start"]),
                    datetime.date.fromisoformat(source["period"]["end"]), "x", "range")
    return compute(source["metric"], period=period, unit=source["unit"], **source.get("filters", {})).value


def test_bulletin_docx_has_official_shape_and_full_provenance(bulletin):
    path = bulletin.file.path
    text = read_text(path, include_appendix=False)
    assert text[0] == "关于2024年5月全区对外宣传工作考核情况的通报"
    assert any(line.startswith("一、") for line in text)
    assert any("予以通报表扬" in line for line in text)
    assert text[-1] == "2024年6月3日"
    assert text[-2] == "测试区委宣传部"
    figures = read_provenance(path)
    kinds = {f["source"].get("kind", "ledger") for f in figures.values()}
    assert kinds == {"assessment", "target", "ledger"}
    bookmarked = {fid for fid, _t in find_figure_runs(path) if fid}
    assert set(figures) <= bookmarked
    for fid, fig in figures.items():
        source = fig["source"]
        assert {"records", "value", "period", "unit"} <= set(source), fid
        assert _recompute(source) == Decimal(fig["value"]), (fid, fig)
    scores = {f["source"]["unit"]: f for f in figures.values() if f["source"].get("field") == "score"}
    assert scores["SA"]["text"] == "65分"  # 50 for placements + 10 × 1.5 (far ahead of its May plan)
    assert scores["SA"]["source"]["scheme"] == "waixuan"
    assert scores["SA"]["source"]["version"] == 1
    assert scores["SA"]["source"]["records"]


def test_recompute_notices_later_changes_but_the_bulletin_does_not_move(world, bulletin):
    figures = read_provenance(bulletin.file.path)
    sb = next(f for f in figures.values() if f["source"].get("field") == "score" and f["source"]["unit"] == "SB")
    place(world["tree"].street_b, "national", day=D(2024, 5, 30))
    assert recompute_figure(sb["source"]) != Decimal(sb["value"])
    assert read_provenance(bulletin.file.path)[sb["id"]]["value"] == sb["value"]


def test_recompute_figure_edge_cases(world):
    assert recompute_figure({"metric": "placements"}) is None
    assert recompute_figure({"kind": "assessment", "scheme": "nope", "version": 1, "unit": "SA",
                             "period": {"start": "2024-05-01", "end": "2024-05-31"}}) is None
    source = {"kind": "assessment", "scheme": "waixuan", "version": 1, "unit": "SA", "field": "rank",
              "period": {"spec": "2024-05", "start": "2024-05-01", "end": "2024-05-31"}}
    assert recompute_figure(source) == 1
    assert recompute_figure({**source, "field": "item", "item": "placement"}) == Decimal("50.00")
    assert recompute_figure({**source, "unit": "ZZ"}) is None


def test_document_model(world):
    run = actions.run_assessment(acting_user=None, scheme=world["scheme"], period=MAY, publish=True)
    doc = build_document(run, issued_on=datetime.date(2024, 6, 1))
    ids = [f.id for f in doc.figures()]
    assert len(ids) == len(set(ids))
    assert all(len(i) <= 32 for i in ids)
    assert doc.meta["kind"] == "bulletin"
    assert doc.issuer == "测试区委宣传部"


def test_bulletin_passes_the_report_checker(bulletin, world):
    from taizhang.reports.checker import check_docx

    report = check_docx(bulletin.file.path)
    assert report.ok, report.lines()
    assert not report.warnings and report.verified == report.figures > 0
    place(world["tree"].street_a, "national", day=D(2024, 5, 29))  # the ledger moves on: the checker notices
    stale = check_docx(bulletin.file.path)
    assert not stale.ok
    assert {i.kind for i in stale.errors} == {"stale"}


def test_every_figure_on_the_bulletin_page_opens_its_source(bulletin, world, client):
    """Figures were href="#" with a hover title: on a phone a tap jumped to the top. Each opens its source page,
    which states what it counts and shows the records behind it that the reader may see."""
    import re

    from taizhang.core.testing import make_user
    from taizhang.reports.document import Document

    reader = make_user("viewer", world["tree"].district)
    client.force_login(reader)
    page = client.get(f"/targets/bulletins/{bulletin.pk}/").content.decode()
    assert 'href="#"' not in page
    links = re.findall(r'<a class="tz-figure" data-figure="(\w+)" href="([^"]+)"', page)
    doc = Document.from_dict(bulletin.document)
    assert {fig_id for fig_id, _ in links} == set(doc.figure_map())
    ledger_fig = next(f for f in doc.figures() if f.source.get("metric") == "placements" and f.source.get("records"))
    url = dict(links)[ledger_fig.id]
    source = client.get(url)
    body = source.content.decode()
    assert source.status_code == 200 and ledger_fig.text in body and "与台账一致" in body
    assert body.count("/ledger/records/") >= len(ledger_fig.source["records"][:20])  # its records, linked
    assert client.get(f"/targets/bulletins/{bulletin.pk}/figures/nope/").status_code == 404
