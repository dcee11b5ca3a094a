"""Intake, dispatch through the case loop, the unit's view without reporter data, rating and reopening, merging,
scoping, contact reveal and retention."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from taizhang.citizen import actions
from taizhang.citizen.models import Report
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.core.models import AuditEntry

from .conftest import PHONE, jpeg_with_gps, submit

pytestmark = pytest.mark.django_db


def test_dispatch_uses_catalogue_and_category_deadline(world: Any) -> None:
    from taizhang.cases.models import Case

    report = submit(world, phone=PHONE)
    actions.accept_report(acting_user=world.intake, report=report)
    actions.dispatch_report(acting_user=world.intake, report=report)
    report.refresh_from_db()
    case = Case.objects.for_subject(report).get()
    assert case.kind == "citizen_report" and case.unit == world.tree.street_a
    assert case.sla_days == world.categories["garbage"].sla_working_days
    assert report.status == Report.Status.DISPATCHED and report.deadline == case.deadline
    assert PHONE not in case.description and PHONE not in case.title


def test_full_loop_with_unhappy_rating_and_reopen(world: Any) -> None:
    from taizhang.cases import actions as cases
    from taizhang.cases.models import Case

    report = submit(world, phone=PHONE)
    actions.dispatch_report(acting_user=world.intake, report=report)
    case = Case.objects.for_subject(report).get()
    cases.accept_case(acting_user=world.unit_user, case=case)
    cases.handle_case(acting_user=world.unit_user, case=case, reply="已清运", public_reply="垃圾已清运完毕")
    report.refresh_from_db()
    assert report.status == Report.Status.HANDLED and report.public_reply == ""  # not before 宣传部's check
    cases.verify_case(acting_user=world.intake, case=case, passed=True)
    report.refresh_from_db()
    assert report.status == Report.Status.CLOSED and report.closed_at is not None and report.closed_on_time
    assert report.public_reply == "垃圾已清运完毕"
    actions.rate_report(report=report, rating="unsatisfied", comment="没清干净")
    case.refresh_from_db()
    assert case.satisfaction == "unsatisfied"
    actions.reopen_report(report=report, reason="还有残留")
    report.refresh_from_db()
    case.refresh_from_db()
    assert report.status == Report.Status.DISPATCHED and case.state == Case.State.REOPENED
    with pytest.raises(InvalidTransition):
        actions.reopen_report(report=report, reason="again")
    cases.handle_case(acting_user=world.unit_user, case=case, reply="再次清运", public_reply="已彻底清理")
    cases.verify_case(acting_user=world.intake, case=case, passed=True)
    report.refresh_from_db()
    assert report.status == Report.Status.CLOSED and report.public_reply == "已彻底清理"
    actions.rate_report(report=report, rating="satisfied")
    report.refresh_from_db()
    assert report.rating == "satisfied" and not report.can_reopen


def test_unit_never_sees_the_reporter(world: Any) -> None:
    """Every page and API response the handling unit gets is searched for the phone number."""
    from taizhang.cases.models import Case

    report = submit(world, phone=PHONE, contact_name="王小明", photos=[jpeg_with_gps()],
                    description="垃圾很多，我的电话" + PHONE)
    actions.dispatch_report(acting_user=world.intake, report=report)
    case = Case.objects.for_subject(report).get()
    client = Client()
    client.force_login(world.unit_user)
    urls = [f"/citizen/reports/{report.pk}/", "/api/citizen/reports/", f"/api/citizen/reports/{report.pk}/"]
    for name in ("/cases/", f"/cases/{case.pk}/", "/api/cases/", f"/api/cases/{case.pk}/"):
        urls.append(name)
    seen = 0
    for url in urls:
        response = client.get(url)
        if response.status_code == 404 and url.startswith(("/cases/", "/api/cases/")):
            continue  # the case pages' own routes, if named differently
        seen += 1
        body = response.content.decode()
        assert PHONE not in body and "王小明" not in body and report.code not in body, url
        assert report.device_hash not in body or not report.device_hash
    assert seen >= 3
    # the unit sees the problem itself
    page = client.get(f"/citizen/reports/{report.pk}/").content.decode()
    assert "垃圾很多" in page and "139****5678" in page


def test_intake_sees_masked_phone_and_reveal_is_audited(world: Any) -> None:
    report = submit(world, phone=PHONE)
    client = Client()
    client.force_login(world.intake)
    page = client.get(f"/citizen/reports/{report.pk}/").content.decode()
    assert "139****5678" in page and PHONE not in page
    response = client.post(f"/citizen/reports/{report.pk}/contact/")
    assert PHONE in response.content.decode()
    assert AuditEntry.objects.filter(action="citizen.contact_shown", object_id=str(report.pk)).count() == 1
    with pytest.raises(NotPermitted):
        actions.reveal_contact(acting_user=world.unit_user, report=report)


def test_scoping_street_intake_sees_only_its_area(world: Any) -> None:
    ra = submit(world, place=world.place_a)
    rb = submit(world, place=world.place_b)
    assert ra.area == world.tree.street_a and rb.area == world.tree.street_b
    client = Client()
    client.force_login(world.street_intake)
    queue = client.get("/citizen/").content.decode()
    assert rb.code in queue and ra.code not in queue
    assert client.get(f"/citizen/reports/{ra.pk}/").status_code == 404
    assert client.post(f"/citizen/reports/{ra.pk}/accept/").status_code == 404
    with pytest.raises(NotPermitted):
        actions.accept_report(acting_user=world.street_intake, report=ra)
    ids = [r["id"] for r in client.get("/api/citizen/reports/").json()["results"]]
    assert ids == [rb.pk]


def test_reject_with_reason_the_citizen_sees(world: Any) -> None:
    report = submit(world)
    with pytest.raises(InvalidInput):
        actions.reject_report(acting_user=world.intake, report=report, reason=" ")
    actions.reject_report(acting_user=world.intake, report=report, reason="属于私人小区内部事务")
    page = Client().get(f"/public/track/{report.code}/").content.decode()
    assert "属于私人小区内部事务" in page and "不予受理" in page


def test_answer_directly_then_unhappy_reopen_goes_back_to_intake(world: Any) -> None:
    report = submit(world)
    actions.answer_report(acting_user=world.intake, report=report, reply="该处垃圾已由环卫清运")
    actions.rate_report(report=report, rating="unsatisfied")
    actions.reopen_report(report=report, reason="没有清运")
    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED and report.reopen_count == 1


def test_duplicates_suggested_within_50_m_and_7_days_and_merge(world: Any) -> None:
    now = timezone.now()
    first = submit(world, place=None, lat=30.25000, lng=120.16000, address="人民路口", submitted_at=now)
    near = submit(world, place=None, lat=30.25020, lng=120.16010, address="人民路口", submitted_at=now)
    far = submit(world, place=None, lat=30.25200, lng=120.16000, address="人民路北", submitted_at=now)
    old = submit(world, place=None, lat=30.25001, lng=120.16001, address="人民路口",
                 submitted_at=now - datetime.timedelta(days=9))
    other_cat = submit(world, category=world.categories["illegal_parking"], place=None, lat=30.25, lng=120.16,
                       address="人民路口", answers={"vehicle": "car"}, submitted_at=now)
    suggested = actions.duplicate_candidates(near)
    assert first in suggested and far not in suggested and old not in suggested and other_cat not in suggested
    actions.merge_report(acting_user=world.intake, report=near, into=first)
    near.refresh_from_db()
    assert near.status == Report.Status.MERGED and near.merged_into == first
    actions.answer_report(acting_user=world.intake, report=first, reply="已清运")
    page = Client().get(f"/public/track/{near.code}/").content.decode()
    assert "合并办理" in page and "已清运" in page and first.code not in page
    # merging into a merged report goes to the surviving one
    third = submit(world, place=None, lat=30.25001, lng=120.16001, address="人民路口", submitted_at=now)
    actions.merge_report(acting_user=world.intake, report=third, into=near)
    third.refresh_from_db()
    assert third.merged_into == first
    with pytest.raises(InvalidInput):
        actions.merge_report(acting_user=world.intake, report=other_cat, into=first)
    with pytest.raises(InvalidTransition):
        actions.merge_report(acting_user=world.intake, report=near, into=first)


def test_stale_version_is_refused(world: Any) -> None:
    from taizhang.core.errors import StaleObjectError

    report = submit(world)
    version = report.version
    actions.accept_report(acting_user=world.intake, report=report)
    with pytest.raises(StaleObjectError):
        actions.reject_report(acting_user=world.intake, report=report, reason="x", expected_version=version)


def test_contact_cleared_after_retention(world: Any) -> None:
    report = submit(world, phone=PHONE)
    actions.answer_report(acting_user=world.intake, report=report, reply="已处理")
    Report.objects.filter(pk=report.pk).update(closed_at=timezone.now() - datetime.timedelta(days=200))
    fresh = submit(world, phone="13700000000")
    assert actions.clear_expired_contacts(days=180) == 1
    report.refresh_from_db()
    fresh.refresh_from_db()
    assert report.phone == "" and report.contact_cleared_at is not None and fresh.phone == "13700000000"


def test_intake_pages_render(world: Any) -> None:
    submit(world)
    client = Client()
    client.force_login(world.intake)
    for url in ("/citizen/", "/citizen/reports/", "/citizen/catalogue/", "/citizen/places/",
                "/citizen/stats/?period=" + timezone.localdate().strftime("%Y-%m")):
        response = client.get(url)
        assert response.status_code == 200, url
    response = client.post("/citizen/places/", {"name": "东门菜场", "kind": "landmark",
                                                "area": world.tree.street_a.pk, "lat": "30.1", "lng": "120.1"})
    assert response.status_code == 302
    assert json.dumps("东门菜场", ensure_ascii=False).strip('"') in client.get("/citizen/places/").content.decode()
    # a refused place keeps what was typed and names the field ("地点填写有误：应为数字；应为数字" said neither)
    refused = client.post("/citizen/places/", {"name": "西门菜场", "kind": "market", "area": world.tree.street_a.pk,
                                               "lat": "北纬30", "lng": "120.1"})
    body = refused.content.decode()
    assert refused.status_code == 400
    assert 'value="西门菜场"' in body and 'value="北纬30"' in body and 'value="120.1"' in body
    assert '<div class="tz-field__error" id="p-lat-error">纬度应为数字' in body and "p-lng-error" not in body


def test_workbench_panel_for_intake_only(world: Any) -> None:
    from taizhang.citizen.workbench import waiting

    submit(world)
    ctx = waiting(world.intake)
    assert ctx is not None and ctx["count"] == 1
    assert waiting(world.unit_user) is None
    client = Client()
    client.force_login(world.intake)
    home = client.get("/")
    assert home.status_code == 200 and "待受理的随手拍" in home.content.decode()
