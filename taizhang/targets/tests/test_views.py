"""The targets pages: permissions (a unit sees its own scores and the published ranking, never drafts), the pages
render with charts, staff change a scheme in the UI and re-run, allocation in the UI, downloads are audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.models import AuditEntry
from taizhang.core.periods import parse_period
from taizhang.core.testing import client_for
from taizhang.targets import actions
from taizhang.targets.models import Adjustment, AssessmentRun, Target
from taizhang.targets.tests.factories import target

pytestmark = [pytest.mark.django_db, pytest.mark.urls("taizhang.targets.tests.urls")]
MAY = parse_period("2024-05")


@pytest.fixture
def published(world: dict[str, Any]) -> AssessmentRun:
    return actions.run_assessment(acting_user=None, scheme=world["scheme"], period=MAY, publish=True)


def test_unit_sees_published_ranking_and_own_breakdown_not_others(world, users, published):
    liaison = client_for(users["liaison_sa"])
    page = liaison.get(reverse("targets:ranking"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "东城街道" in html
    assert "西城街道" in html
    assert "data-chart-json" in html
    assert liaison.get(reverse("targets:unit_result", args=[published.pk, "SA"])).status_code == 200
    assert liaison.get(reverse("targets:unit_result", args=[published.pk, "SB"])).status_code == 404
    community = client_for(users["viewer_a1"])  # a community user sees its street's published result? no: not in scope
    assert community.get(reverse("targets:unit_result", args=[published.pk, "SA"])).status_code == 404
    assert client_for(users["viewer"]).get(reverse("targets:unit_result", args=[published.pk, "SB"])).status_code == 200


def test_drafts_are_for_staff_only(world, users, published):
    draft = actions.run_assessment(acting_user=None, scheme=world["scheme"], period=parse_period("2024-06"))
    liaison = client_for(users["liaison_sa"])
    assert liaison.get(reverse("targets:run_detail", args=[draft.pk])).status_code == 404
    assert liaison.get(reverse("targets:unit_result", args=[draft.pk, "SA"])).status_code == 404
    assert liaison.get(reverse("targets:run_detail", args=[published.pk])).status_code == 200
    ranking = liaison.get(reverse("targets:ranking") + "?period=2024-06").content.decode()
    assert "2024年6月" not in ranking
    assert liaison.get(reverse("targets:run_list")).status_code == 403
    api = liaison.get("/api/assessment-runs/").json()
    assert {r["id"] for r in api["results"]} == {published.pk}
    assert liaison.get(f"/api/assessment-runs/{draft.pk}/").status_code == 404
    detail = liaison.get(f"/api/assessment-runs/{published.pk}/").json()
    items = {r["unit"]: "items" in r for r in detail["results"]}
    assert items == {"SA": True, "SB": False, "BE": False}
    assert liaison.get("/api/assess/?scheme=waixuan&period=2024-05").status_code == 403
    staff = client_for(users["staff"])
    assert staff.get(reverse("targets:run_detail", args=[draft.pk])).status_code == 200
    assert {r["id"] for r in staff.get("/api/assessment-runs/").json()["results"]} == {published.pk, draft.pk}
    assert staff.get("/api/assess/?scheme=waixuan&period=2024-05").json()["results"][0]["unit"] == "SA"


def test_staff_change_a_scheme_in_the_ui_and_rerun(world, users, published, django_capture_on_commit_callbacks):
    staff = client_for(users["staff"])
    scheme = world["scheme"]
    url = reverse("targets:item_edit", args=[scheme.key, "placement"])
    assert staff.get(url).status_code == 200
    form = {"version": scheme.version, "kind": "placement", "key": "placement", "name": "媒体用稿",
            "line": "news_external", "points_national": "30", "points_provincial": "10", "points_municipal": "5",
            "points_district": "1", "headline_multiplier": "2", "front_page_multiplier": "1.5",
            "long_multiplier": "1", "multiplier_mode": "max", "dedupe": "on", "split_joint": "on", "cap": ""}
    response = staff.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    scheme.refresh_from_db()
    assert scheme.current.number == 2
    assert scheme.current.items.get().rule["points"]["national"] == "30"
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("targets:run_rerun", args=[published.pk]))
    assert response.status_code == 302
    rerun = AssessmentRun.objects.get(scheme=scheme, period_spec="2024-05", number=2)
    assert rerun.scheme_version.number == 2
    assert rerun.status == "draft"
    page = staff.get(reverse("targets:run_detail", args=[rerun.pk])).content.decode()
    assert "与第1版相比的变化" in page
    assert "50.00 → 70.00" in page
    assert staff.post(reverse("targets:run_publish", args=[rerun.pk])).status_code == 302
    published.refresh_from_db()
    assert published.status == "superseded"
    # a liaison cannot edit
    assert client_for(users["liaison_sa"]).post(url, form).status_code == 403


def test_new_item_and_ranking_settings_pages(world, users):
    staff = client_for(users["staff"])
    scheme = world["scheme"]
    assert "选择计分类型" in staff.get(reverse("targets:item_create", args=[scheme.key])).content.decode()
    response = staff.post(reverse("targets:item_create", args=[scheme.key]) + "?kind=metric", {
        "version": scheme.version, "kind": "metric", "key": "lectures", "name": "理论宣讲", "line": "lectures",
        "metric": "lecture_events", "points_per": "0.5", "cap": "20"})
    assert response.status_code == 302
    bad = staff.post(reverse("targets:item_create", args=[scheme.key]), {
        "version": scheme.version + 1, "kind": "metric", "key": "x", "name": "x", "metric": "", "points_per": "-1"})
    assert bad.status_code == 200
    assert "请选择指标" in bad.content.decode()
    scheme.refresh_from_db()
    page = staff.get(reverse("targets:ranking_edit", args=[scheme.key]))
    assert page.status_code == 200
    response = staff.post(reverse("targets:ranking_edit", args=[scheme.key]), {
        "version": scheme.version, "tie_rule": "secondary", "tie_key_1": "placements:national", "praise_top": 2,
        "lagging_bottom": 1, "weight_news_external": "1.5", "weight_lectures": "1", "group_1_key": "streets",
        "group_1_name": "街道", "group_1_kinds": ["street"], "group_2_key": "bureaus", "group_2_name": "部门",
        "group_2_kinds": ["bureau"]})
    assert response.status_code == 302
    current = scheme.current
    assert current.tie_keys == ["placements:national"]
    assert current.weights == {"news_external": "1.5"}
    assert [g["key"] for g in current.groups] == ["streets", "bureaus"]
    detail = staff.get(reverse("targets:scheme_detail", args=[scheme.key])).content.decode()
    assert "中央媒体用稿数" in detail
    assert "理论宣讲" in detail


def test_run_from_the_page_uses_a_job(world, users, django_capture_on_commit_callbacks):
    staff = client_for(users["staff"])
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(reverse("targets:run_create"), {"scheme": "waixuan", "period": "2024-05"})
    assert response.status_code == 302
    assert "job=" in response["Location"]
    page = staff.get(response["Location"]).content.decode()
    assert "查看结果" in page
    assert AssessmentRun.objects.filter(period_spec="2024-05", status="draft").exists()


def test_progress_pages_and_allocation_ui(world, users):
    tree = world["tree"]
    t = target(tree.district, value=10)
    staff = client_for(users["staff"])
    url = reverse("targets:target_allocate", args=[t.pk])
    page = staff.get(url)
    assert page.status_code == 200
    data = {"version": t.version, "inc_SA": "on", "inc_SB": "on", "inc_BE": "on", "split": "population"}
    proposal = staff.post(url, data).content.decode()
    assert 'value="5"' in proposal
    assert 'value="3"' in proposal
    assert 'value="2"' in proposal
    saved = staff.post(url, {"version": t.version, "unit_SA": "5", "unit_SB": "3", "unit_BE": "2",
                             "method": "population"})
    assert saved.status_code == 302
    assert staff.post(url, {"version": t.version + 1, "unit_SA": "5", "unit_SB": "3"}).status_code == 200
    assert Target.objects.get(pk=t.pk).allocation_method == "population"
    for c in (staff, client_for(users["liaison_sa"])):
        page = c.get(reverse("targets:progress") + "?year=2024&as_of=2024-06-30")
        assert page.status_code == 200
        html = page.content.decode()
        assert "宣讲活动" in html
        assert "序时进度" in html
        assert "data-chart-json" in html
    liaison_html = client_for(users["liaison_sa"]).get(reverse("targets:progress") + "?year=2024").content.decode()
    assert "西城街道" not in liaison_html  # only its own row
    assert client_for(users["liaison_sa"]).get(url).status_code == 403
    assert staff.get(reverse("targets:target_detail", args=[t.pk])).status_code == 200
    assert staff.get(reverse("targets:target_list") + "?year=2024").status_code == 200
    new = staff.post(reverse("targets:target_create"), {
        "year": 2024, "key": "prov", "name": "省级以上用稿", "metric": _metric_pk("placements"), "value": "30",
        "outlet_levels": ["national", "provincial"], "plan_kind": "linear", "sort_order": 0})
    assert new.status_code == 302
    assert Target.objects.get(key="prov").outlet_levels == ["national", "provincial"]


def _metric_pk(key: str) -> int:
    from taizhang.ledger.models import MetricDefinition

    return MetricDefinition.objects.get(key=key).pk


def test_adjustments_liaison_proposes_staff_approves(world, users):
    tree = world["tree"]
    liaison = client_for(users["liaison_sa"])
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
    actions.save_item(acting_user=None, scheme=world["scheme"], expected_version=world["scheme"].version,
                      data={"key": "bonus", "name": "加分", "kind": "bonus", "rule": {"max": "10"}})
    response = liaison.post(reverse("targets:adjustment_create"), {
        "scheme": "waixuan", "item_key": "bonus", "unit": tree.street_a.pk, "date": "2024-05-10", "points": "5",
        "reason": "获省委宣传部表扬", "evidence": pdf})
    assert response.status_code == 302, response.content.decode()[:3000]
    adj = Adjustment.objects.get()
    assert adj.status == "proposed"
    assert adj.evidence_name == "证明.pdf"
    other = liaison.post(reverse("targets:adjustment_create"), {
        "scheme": "waixuan", "item_key": "bonus", "unit": tree.street_b.pk, "date": "2024-05-10", "points": "5",
        "reason": "x", "evidence_url": "https://example.com"})
    assert other.status_code == 200  # not a unit the liaison may choose
    assert liaison.get(reverse("targets:adjustment_review")).status_code == 403
    download = liaison.get(reverse("targets:adjustment_evidence", args=[adj.pk]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    assert AuditEntry.objects.filter(action="download", object_id=str(adj.pk)).exists()
    assert client_for(users["liaison_sb"]).get(reverse("targets:adjustment_evidence", args=[adj.pk])).status_code == 404
    staff = client_for(users["staff"])
    assert "获省委宣传部表扬" in staff.get(reverse("targets:adjustment_review")).content.decode()
    staff.post(reverse("targets:adjustment_decide", args=[adj.pk]), {"decision": "approve"})
    adj.refresh_from_db()
    assert adj.status == "approved"
    run = actions.run_assessment(acting_user=None, scheme=world["scheme"], period=MAY)
    assert run.results.get(unit__code="SA").items.get(item_key="bonus").points == 5


def test_bulletin_pages(world, users, published):
    staff = client_for(users["staff"])
    response = staff.post(reverse("targets:bulletin_create", args=[published.pk]))
    assert response.status_code == 302
    viewer = client_for(users["liaison_sb"])
    listing = viewer.get(reverse("targets:bulletin_list")).content.decode()
    assert "关于2024年5月全区对外宣传工作考核情况的通报" in listing
    bulletin = published.bulletins.get()
    page = viewer.get(reverse("targets:bulletin_detail", args=[bulletin.pk])).content.decode()
    assert 'class="tz-doc"' in page
    assert "tz-figure" in page
    assert "<script>" not in page.split("</head>")[1]
    download = viewer.get(reverse("targets:bulletin_download", args=[bulletin.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"
    assert AuditEntry.objects.filter(action="download", object_type="targets.bulletin").exists()


def test_anonymous_and_admins(world, users, published):
    assert Client().get(reverse("targets:ranking")).status_code == 302
    from taizhang.core.testing import make_user

    sysadmin = make_user("sysadmin", world["tree"].district, username="sys")
    assert client_for(sysadmin).get(reverse("targets:ranking")).status_code == 403
    assert client_for(users["viewer"]).get(reverse("targets:scheme_list")).status_code == 200


def test_progress_drill_down_to_records(world, users):
    from taizhang.core.testing import make_record
    from taizhang.targets.tests.factories import D

    tree = world["tree"]
    t = target(tree.district, value=10)
    actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                             values={tree.street_a: 5, tree.street_b: 5})
    extra = make_record(tree.community_a2, "lecture_event", {"lecture_audience": 3}, day=D(2024, 7, 1))
    liaison = client_for(users["liaison_sa"])
    url = reverse("targets:target_records", args=[t.pk])
    response = liaison.get(url + "?unit=SA&as_of=2024-12-31")
    assert response.status_code == 302
    ids = sorted(int(x) for x in response["Location"].split("ids=")[1].split(","))
    from taizhang.targets import progress

    assert ids == progress.actual(t, progress.year_period(2024), tree.street_a).records
    assert extra.pk in ids
    assert liaison.get(url + "?unit=SB&as_of=2024-12-31").status_code == 404
    page = liaison.get(reverse("targets:progress") + "?year=2024&as_of=2024-12-31").content.decode()
    assert f"{url}?unit=SA" in page


def test_progress_drill_down_beyond_the_url_lists_exactly_the_figures_records(world, users, monkeypatch):
    """Too many ids for a URL: the record list filtered by the figure's own query (metric, period, unit), whose rows
    are exactly the target's records; it listed the whole line before (records of other metrics too)."""
    from taizhang.core.testing import make_record
    from taizhang.targets import progress
    from taizhang.targets.tests.factories import D
    from taizhang.targets.views import progress as progress_views

    tree = world["tree"]
    t = target(tree.district, value=10)
    actions.save_allocations(acting_user=None, target=t, expected_version=t.version,
                             values={tree.street_a: 5, tree.street_b: 5})
    make_record(tree.community_a2, "lecture_event", {"lecture_audience": 3}, day=D(2024, 7, 1))
    monkeypatch.setattr(progress_views, "RECORD_IDS_IN_URL", 0)
    liaison = client_for(users["liaison_sa"])
    response = liaison.get(reverse("targets:target_records", args=[t.pk]) + "?unit=SA&as_of=2024-12-31")
    assert response.status_code == 302
    location = response["Location"]
    assert f"metric={t.metric.key}" in location and "period=2024" in location and "unit=SA" in location
    listed = liaison.get(location)
    assert listed.status_code == 200
    expected = progress.actual(t, progress.year_period(2024), tree.street_a).records
    assert expected and sorted(r.pk for r in listed.context["page"].object_list) == sorted(expected)
