"""Problems on the case loop: found → dispatched → rectified with photos → re-inspected → closed or reopened;
recurring detection; a street sees its own sites and problems only."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.test import Client

from taizhang.civility import actions
from taizhang.civility.models import Photo, Problem, Site
from taizhang.civility.tests.factories import inspect, jpeg, std
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.core.testing import PASSWORD

D = datetime.date
cases_actions = pytest.importorskip("taizhang.cases.actions")


MAY6 = D(2024, 5, 6)


def _problem(w: dict[str, Any], day: D = MAY6) -> Problem:
    inspection = inspect(w["market"], w["fw"], {"S1": True, "S2": False}, day, user=w["staff"])
    return Problem.objects.get(inspection=inspection)


def test_failed_standard_becomes_a_case_for_the_responsible_unit(world: dict[str, Any]) -> None:
    from taizhang.cases.models import Case

    problem = _problem(world)
    case = Case.objects.get(pk=problem.case_id)
    assert case.kind == "civility_problem" and case.unit == world["tree"].community_a1
    assert list(Case.objects.for_subject(problem)) == [case]
    assert problem.deadline == case.deadline and problem.status == Problem.Status.OPEN
    assert problem.description == "S2不达标"


def test_rectify_then_reinspect_closes_or_reopens(world: dict[str, Any]) -> None:
    from taizhang.cases.models import Case

    problem = _problem(world)
    unit_user, staff = world["liaison_a1"], world["staff"]
    with pytest.raises(InvalidInput):  # no "after" photo
        actions.rectify_problem(acting_user=unit_user, problem=problem, reply="已清理")
    with pytest.raises(NotPermitted):  # another street cannot rectify it
        actions.rectify_problem(acting_user=world["liaison_b"], problem=problem, reply="x", after=[jpeg()])
    actions.rectify_problem(acting_user=unit_user, problem=problem, reply="已清理占道摊点",
                            before=[jpeg("before.jpg")], after=[jpeg("after.jpg", exif=True)])
    problem.refresh_from_db()
    assert problem.status == Problem.Status.RECTIFIED
    assert Case.objects.get(pk=problem.case_id).state == "handled"
    assert {p.stage for p in problem.photos.all()} == {Photo.Stage.BEFORE, Photo.Stage.AFTER}
    with pytest.raises(NotPermitted):  # the unit cannot close its own problem
        actions.reinspect_problem(acting_user=unit_user, problem=problem, passed=True)

    actions.reinspect_problem(acting_user=staff, problem=problem, passed=False, note="仍有摊点")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.OPEN and problem.reopen_count == 1
    assert Case.objects.get(pk=problem.case_id).state == "accepted"
    with pytest.raises(InvalidTransition):
        actions.reinspect_problem(acting_user=staff, problem=problem, passed=True)

    actions.rectify_problem(acting_user=unit_user, problem=problem, reply="彻底清理", after=[jpeg()])
    actions.reinspect_problem(acting_user=staff, problem=problem, passed=True, note="整改到位")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.CLOSED and problem.closed_on is not None
    assert Case.objects.get(pk=problem.case_id).state == "closed"


def test_case_moved_elsewhere_is_mirrored_on_the_problem(world: dict[str, Any]) -> None:
    from taizhang.cases.models import Case

    problem = _problem(world)
    case = Case.objects.get(pk=problem.case_id)
    cases_actions.handle_case(acting_user=world["liaison_a1"], case=case, reply="已整改")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.RECTIFIED
    cases_actions.verify_case(acting_user=world["staff"], case=Case.objects.get(pk=case.pk), passed=True)
    problem.refresh_from_db()
    assert problem.status == Problem.Status.CLOSED
    cases_actions.reopen_case(acting_user=world["staff"], case=Case.objects.get(pk=case.pk), reason="复查又发现")
    problem.refresh_from_db()
    assert problem.status == Problem.Status.OPEN and problem.closed_on is None


def test_recurring_within_the_window_is_flagged(world: dict[str, Any], settings: Any) -> None:
    settings.TAIZHANG_CIVILITY_RECURRING_DAYS = 30
    first = _problem(world, D(2024, 5, 6))
    second = _problem(world, D(2024, 5, 27))
    third = _problem(world, D(2024, 8, 30))  # 95 days after the second: outside the window
    other = inspect(world["street"], world["fw"], {"S2": False}, D(2024, 5, 28))
    assert not first.recurring
    assert second.recurring and second.recurrence_of == first
    assert not third.recurring
    assert not Problem.objects.get(inspection=other).recurring  # another site


def test_street_sees_its_sites_and_problems_only(world: dict[str, Any]) -> None:
    _problem(world)
    inspect(world["street"], world["fw"], {"S2": False}, D(2024, 5, 7))
    a, b = world["liaison_a"], world["liaison_b"]
    assert list(Site.objects.visible_to(a).values_list("code", flat=True)) == ["M1"]
    assert list(Problem.objects.visible_to(b).values_list("site__code", flat=True)) == ["B1"]
    client = Client()
    assert client.login(username="liaison_b", password=PASSWORD)
    page = client.get("/civility/problems/").content.decode()
    assert "西一背街" in page and "东一农贸市场" not in page
    other = Problem.objects.get(site=world["market"])
    assert client.get(f"/civility/problems/{other.pk}/").status_code == 404
    assert client.get("/civility/sites/").content.decode().count("东一农贸市场") == 0


def test_submission_is_idempotent_and_checked(world: dict[str, Any]) -> None:
    fw, market = world["fw"], world["market"]
    key = uuid.uuid4()
    answers = [{"standard": std(fw, "S2").pk, "met": False, "note": "占道"}]
    first, created = actions.submit_inspection(acting_user=world["staff"], uuid=key, site=market, answers=answers,
                                               confirm_unrated=True)
    again, created_again = actions.submit_inspection(acting_user=world["staff"], uuid=key, site=market,
                                                     answers=answers)
    assert created and not created_again and first.pk == again.pk
    assert Problem.objects.count() == 1
    with pytest.raises(InvalidInput):  # a standard that does not apply to markets (S3 is a document standard)
        actions.submit_inspection(acting_user=world["staff"], uuid=uuid.uuid4(), site=market,
                                  answers=[{"standard": std(fw, "S3").pk, "met": True}])
    with pytest.raises(NotPermitted):
        actions.submit_inspection(acting_user=world["liaison_b"], uuid=uuid.uuid4(), site=market, answers=answers)


def test_api_submission_with_a_data_url_photo(world: dict[str, Any]) -> None:
    import base64
    import json

    from PIL import Image

    client = Client()
    assert client.login(username="wmb_staff", password=PASSWORD)
    photo = jpeg(exif=True).read()
    payload = {"uuid": str(uuid.uuid4()), "site": world["market"].pk,
               "answers": [{"standard": std(world["fw"], "S1").pk, "met": False, "note": "垃圾"}],
               "confirm_unrated": True,
               "photos": [{"standard": std(world["fw"], "S1").pk, "taken_at": "2024-05-06T09:30:00+08:00",
                           "data_url": "data:image/jpeg;base64," + base64.b64encode(photo).decode()}]}
    r = client.post("/api/civility/inspections/", json.dumps(payload), content_type="application/json")
    assert r.status_code == 201, r.content
    r2 = client.post("/api/civility/inspections/", json.dumps(payload), content_type="application/json")
    assert r2.status_code == 200 and r2.json()["id"] == r.json()["id"]
    stored = Photo.objects.get()
    with stored.image.open("rb") as f:
        assert not Image.open(f).getexif()
    assert stored.taken_at is not None
    bad = client.post("/api/civility/inspections/", json.dumps({"site": world["market"].pk, "uuid": "x"}),
                      content_type="application/json")
    assert bad.status_code == 400 and "detail" in bad.json()


def test_problem_page_rectify_and_reinspect_through_the_forms(world: dict[str, Any]) -> None:
    problem = _problem(world)
    unit = Client()
    assert unit.login(username="liaison_a1", password=PASSWORD)
    page = unit.get(f"/civility/problems/{problem.pk}/")
    assert page.status_code == 200 and "报送整改" in page.content.decode()
    r = unit.post(f"/civility/problems/{problem.pk}/", {"action": "rectify", "r-reply": "已清理", "r-after": jpeg()})
    assert r.status_code == 302
    problem.refresh_from_db()
    assert problem.status == Problem.Status.RECTIFIED
    staff = Client()
    assert staff.login(username="wmb_staff", password=PASSWORD)
    assert "复查销号" in staff.get(f"/civility/problems/{problem.pk}/").content.decode()
    r = staff.post(f"/civility/problems/{problem.pk}/", {"action": "reinspect", "v-passed": "1", "v-note": "到位"})
    assert r.status_code == 302
    problem.refresh_from_db()
    assert problem.status == Problem.Status.CLOSED
    photo = problem.photos.first()
    assert photo is not None
    assert staff.get(f"/civility/photos/{photo.pk}/").status_code == 200
    other = Client()
    assert other.login(username="liaison_b", password=PASSWORD)
    assert other.get(f"/civility/photos/{photo.pk}/").status_code == 404
