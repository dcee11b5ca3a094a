"""Staff pages and API: masking everywhere for a role without the right, the audited "show", scoping, figures."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from taizhang.core.models import AuditEntry
from taizhang.core.periods import parse_period
from taizhang.core.testing import client_for, make_user
from taizhang.volunteers import actions, orders, tokens
from taizhang.volunteers.models import Team
from taizhang.volunteers.tests.factories import make_activity, make_team, make_volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree):
    team = make_team(tree.street_a, "东城红马甲")
    v = make_volunteer(tree.community_a1)
    a, b = make_user("liaison", tree.street_a), make_user("liaison", tree.street_a)
    r = actions.add_manual_hours(acting_user=a, volunteer=v, team=team, day=timezone.localdate(),
                                 hours=Decimal(3), content="环境整治")
    actions.second_approve(acting_user=b, record=r)
    activity = make_activity(team)
    actions.sign_up(volunteer=v, shift=activity.shifts.get())
    station = make_team(tree.community_a1, "东一实践站", Team.Kind.STATION)
    orders.place_order(acting_user=None, station=station, orderer_kind="resident", orderer_name="赵阿姨",
                       orderer_phone="13800001111", category="repair", title="修理楼道灯")
    from taizhang.volunteers import certificates

    certificates.issue_certificate(acting_user=a, volunteer=v, issuer=team)
    return {"team": team, "v": v, "a": a, "activity": activity}


PAGES = ["/volunteers/people/", "/volunteers/people/{v}/", "/volunteers/hours/", "/volunteers/activities/",
         "/volunteers/activities/{act}/", "/volunteers/certificates/", "/volunteers/orders/", "/volunteers/",
         "/api/volunteers/people/", "/api/volunteers/hours/", "/api/volunteers/orders/",
         "/api/volunteers/certificates/"]


@pytest.mark.parametrize("role", ["viewer", "liaison", "staff"])
def test_no_raw_personal_data_in_any_page_or_api(tree, taxonomy, world, role):
    v = world["v"]
    c = client_for(make_user(role, tree.district))
    for page in PAGES:
        r = c.get(page.format(v=v.pk, act=world["activity"].pk))
        assert r.status_code == 200, (page, r.status_code)
        body = r.content.decode()
        for raw in (v.id_number, v.phone, v.real_name, "13800001111", "赵阿姨"):
            assert raw not in body, (page, raw)


def test_show_needs_manage_work_and_is_audited(tree, world):
    v = world["v"]
    assert client_for(make_user("liaison", tree.district)).post(f"/volunteers/people/{v.pk}/show/").status_code \
        == 403
    other_street = client_for(make_user("staff", tree.street_b))
    assert other_street.post(f"/volunteers/people/{v.pk}/show/").status_code == 404
    before = AuditEntry.objects.filter(action="download", object_type="volunteers.volunteer").count()
    r = client_for(make_user("staff", tree.street_a)).post(f"/volunteers/people/{v.pk}/show/")
    assert r.status_code == 200 and v.id_number in r.content.decode()
    assert AuditEntry.objects.filter(action="download", object_type="volunteers.volunteer").count() == before + 1


def test_scoping(tree, world):
    other = client_for(make_user("viewer", tree.street_b))
    assert world["v"].number not in other.get("/volunteers/people/").content.decode()
    assert other.get(f"/volunteers/activities/{world['activity'].pk}/").status_code == 404
    assert other.get("/api/volunteers/people/").json()["count"] == 0 if isinstance(
        other.get("/api/volunteers/people/").json(), dict) else other.get("/api/volunteers/people/").json() == []
    viewer = client_for(make_user("viewer", tree.street_a))
    assert viewer.post(f"/volunteers/activities/{world['activity'].pk}/confirm/").status_code == 403
    with pytest.raises(Exception, match="权限"):
        actions.publish_activity(acting_user=make_user("liaison", tree.street_b), team=world["team"], title="x",
                                 place="y", shifts=[(timezone.now(), timezone.now(), 1)])


def test_organiser_qr_screen_shows_a_valid_rotating_token(tree, world):
    activity = world["activity"]
    c = client_for(make_user("liaison", tree.street_a))
    page = c.get(f"/volunteers/activities/{activity.pk}/qr/").content.decode()
    assert "data:image/svg+xml;base64," in page and 'hx-trigger="every 10s"' in page
    import re

    token = re.search(r'data-token="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    ok, shift_id, _ = tokens.check_checkin_token(token, activity.pk)
    assert ok and shift_id == activity.shifts.get().pk
    frame = c.get(f"/volunteers/activities/{activity.pk}/qr/frame/")
    assert frame["Cache-Control"] == "no-store"
    assert client_for(make_user("viewer", tree.street_a)).get(
        f"/volunteers/activities/{activity.pk}/qr/").status_code == 403


def test_providers_through_the_figures_function(tree, taxonomy, world):
    from taizhang.ledger import figures

    period = parse_period(str(timezone.localdate().year))
    hours = figures.compute("volunteer_hours", period=period, by="unit")
    assert hours.value == Decimal(3) and len(hours.records) == 1 and hours.provider == "volunteers.hourrecord"
    by = {r.key: r.value for r in hours.breakdown}
    assert by["SA"] == Decimal(3) and by["SB"] == 0
    assert figures.compute("volunteers_active", period=period).value == 1
    assert figures.compute("volunteers_registered", period=period, unit="SB").value == 0
    assert figures.compute("volunteer_teams", period=period).value == 1  # the station is not a team
    assert figures.compute("certificates_issued", period=period).value == 1
    assert figures.compute("service_orders", period=period).value == 1
    assert figures.compute("volunteer_hours", period=period, filters={"team_kind": "station"}).value == 0
    viewer_b = make_user("viewer", tree.street_b)
    assert figures.compute("volunteer_hours", period=period, user=viewer_b).value == 0


def test_cli_hours_json(tree, taxonomy, world):
    import json
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("volunteers", "hours", "--period", str(timezone.localdate().year), "--by", "team", "--json",
                 stdout=out)
    data = json.loads(out.getvalue())
    h = data["figures"]["volunteer_hours"]
    assert h["value"] == 3 and h["breakdown"][0]["label"] == "东城红马甲" and len(h["ids"]) == 1
    assert data["figures"]["volunteers_active"]["value"] == 1


def test_dispute_and_second_approval_pages(tree, world):
    v = world["v"]
    record = v.hour_records.get()
    actions.open_dispute(volunteer=v, record=record, reason="少算了", claimed_hours=Decimal(4))
    c = client_for(make_user("liaison", tree.street_a))
    assert "少算了" in c.get("/volunteers/disputes/").content.decode()
    d = record.disputes.get()
    c.post(f"/volunteers/disputes/{d.pk}/resolve/", {"uphold": "1", "resolution": "核实", "hours": ""})
    record.refresh_from_db()
    assert record.hours == Decimal(4)
    day = timezone.localdate() - datetime.timedelta(days=1)
    first = make_user("liaison", tree.street_a)
    m = actions.add_manual_hours(acting_user=first, volunteer=v, team=world["team"], day=day, hours=Decimal(1),
                                 content="补录")
    client_for(first).post(f"/volunteers/hours/{m.pk}/second-approve/")
    m.refresh_from_db()
    assert m.status == "pending"
    c.post(f"/volunteers/hours/{m.pk}/second-approve/")
    m.refresh_from_db()
    assert m.status == "confirmed"


def test_volunteer_list_reads_the_star_thresholds_once_and_shows_each_star(tree, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from taizhang.volunteers.models import StarThreshold, Volunteer, star_for

    client = client_for(make_user("staff", tree.district))

    def queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            html = client.get("/volunteers/people/").content.decode()
        return sum("volunteers_starthreshold" in q["sql"] for q in ctx.captured_queries), html

    Volunteer.objects.filter(pk=world["v"].pk).update(total_hours=Decimal(250))
    for _ in range(4):
        make_volunteer(tree.community_a1)
    reads, html = queries()
    assert reads == 1
    star = star_for(Decimal(250))
    assert StarThreshold.objects.exists() and star > 0
    assert f'<td class="tz-table__num">250.0</td><td>{star}</td>' in html
