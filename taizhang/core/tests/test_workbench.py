"""The workbench: the right panels per role, only the user's own unit's data, few queries."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from taizhang.core.models import Notification
from taizhang.core.testing import PASSWORD, make_record, make_user
from taizhang.core.workbench import WorkbenchPanel, panels_for, register, unregister
from taizhang.ledger import actions

TYPE = "lecture_event"
MAX_QUERIES = 30  # session, user, memberships, the bell, and a couple of queries per panel (cases add theirs)


def _login(client: Any, user: Any) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def _keys(user: Any) -> set[str]:
    return {p.key for p in panels_for(user)}


@pytest.fixture
def data(taxonomy: Any, tree: Any) -> dict[str, Any]:
    reviewer = make_user("reviewer", tree.district)
    mine = make_record(tree.street_a, TYPE, {"lecture_audience": 10}, status="submitted", title="东城宣讲")
    actions.return_record(acting_user=reviewer, record=mine, reason="缺少活动照片")
    theirs = make_record(tree.street_b, TYPE, {"lecture_audience": 5}, status="submitted", title="西城宣讲")
    actions.return_record(acting_user=reviewer, record=theirs, reason="西城的原因")
    make_record(tree.street_a, TYPE, {"lecture_audience": 3}, status="draft", title="东城草稿")
    make_record(tree.street_b, TYPE, {"lecture_audience": 3}, status="submitted", title="西城待审")
    return {"reviewer": reviewer, "mine": mine, "theirs": theirs}


def test_panels_per_role(data: dict[str, Any], tree: Any) -> None:
    liaison = make_user("liaison", tree.street_a)
    assert {"ledger.liaison", "core.notices"} <= _keys(liaison)
    assert not _keys(liaison) & {"ledger.review", "ledger.leader", "monitor.alerts", "org.admin"}
    assert {"ledger.review", "core.notices"} <= _keys(data["reviewer"])
    assert not _keys(data["reviewer"]) & {"ledger.liaison", "ledger.leader"}
    viewer = make_user("viewer", tree.district)
    assert "ledger.leader" in _keys(viewer) and "ledger.review" not in _keys(viewer)
    staff = make_user("staff", tree.district)
    assert {"ledger.review", "ledger.leader", "monitor.alerts"} <= _keys(staff)
    for role in ("sysadmin", "secadmin", "auditadmin"):
        admin = make_user(role, tree.district)
        keys = _keys(admin)
        assert "org.admin" in keys
        assert keys <= {"org.admin", "core.notices"}, (role, keys)  # their to-dos, never business data


def test_liaison_sees_own_returned_record_with_reason_not_other_units(
    client: Any, data: dict[str, Any], tree: Any, django_assert_max_num_queries: Any
) -> None:
    liaison = make_user("liaison", tree.street_a)
    _login(client, liaison)
    client.get(reverse("core:home"))  # warm the session
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("core:home"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "东城宣讲" in page and "缺少活动照片" in page and "东城草稿" in page
    assert "西城" not in page


def test_return_notifies_the_units_liaisons_with_the_reason(data: dict[str, Any], tree: Any) -> None:
    liaison = make_user("liaison", tree.street_a)
    record = make_record(tree.street_a, TYPE, {"lecture_audience": 1}, status="submitted", title="再报一次")
    other = make_user("liaison", tree.street_b)
    actions.return_record(acting_user=data["reviewer"], record=record, reason="人数不对")
    notice = Notification.objects.get(recipient=liaison, event="record_returned", object_id=str(record.pk))
    assert "人数不对" in notice.body and notice.url == reverse("ledger:record_detail", args=[record.pk])
    assert not Notification.objects.filter(recipient=other, object_id=str(record.pk)).exists()


def test_submission_notifies_the_nearest_reviewers(data: dict[str, Any], tree: Any) -> None:
    record = make_record(tree.street_a, TYPE, {"lecture_audience": 1}, status="draft", title="新报送")
    actions.submit_record(acting_user=None, record=record)
    assert Notification.objects.filter(recipient=data["reviewer"], event="record_submitted",
                                       object_id=str(record.pk)).exists()


def test_reviewer_sees_queue_count_and_oldest(
    client: Any, data: dict[str, Any], tree: Any, django_assert_max_num_queries: Any
) -> None:
    _login(client, data["reviewer"])
    client.get(reverse("core:home"))
    with django_assert_max_num_queries(MAX_QUERIES):
        page = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="wb-review-count">1<' in page and "西城待审" in page


def test_street_reviewer_sees_only_the_street(data: dict[str, Any], tree: Any, client: Any) -> None:
    street = make_user("reviewer", tree.street_a)
    _login(client, street)
    page = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="wb-review-count">0<' in page and "西城" not in page


def test_leader_and_admin_pages_render(
    client: Any, data: dict[str, Any], tree: Any, django_assert_max_num_queries: Any
) -> None:
    for role in ("viewer", "staff", "sysadmin"):
        user = make_user(role, tree.district)
        _login(client, user)
        client.get(reverse("core:home"))
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(reverse("core:home"))
        assert response.status_code == 200, role
        if role == "sysadmin":
            assert "东城宣讲" not in response.content.decode() and "管理待办" in response.content.decode()


def test_a_broken_panel_does_not_take_the_page_down(tree: Any) -> None:
    def broken(user: Any) -> dict[str, Any]:
        raise RuntimeError("bug")

    register(WorkbenchPanel("test.broken", "坏的", "core/workbench/_admin.html", context=broken))
    try:
        user = make_user("liaison", tree.street_a)
        assert "test.broken" not in _keys(user)
    finally:
        unregister("test.broken")


def test_a_user_without_roles_is_told_how_to_get_one(client: Any, db: Any) -> None:
    user = make_user()
    _login(client, user)
    page = client.get(reverse("core:home")).content.decode()
    assert "尚未被授予任何单位的角色" in page


def test_demo_notices_for_each_login(data: dict[str, Any], tree: Any) -> None:
    from types import SimpleNamespace

    from taizhang.org.demo_notices import build

    users = {"liaison_sa": make_user("liaison", tree.street_a), "reviewer": data["reviewer"],
             "sysadmin": make_user("sysadmin", tree.district)}
    Notification.objects.all().delete()
    build(SimpleNamespace(users=users))
    for user in users.values():
        assert Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    returned = Notification.objects.get(recipient=users["liaison_sa"], event="record_returned")
    assert "缺少活动照片" in returned.body
    assert Notification.objects.filter(recipient=data["reviewer"], event="record_submitted").count() == 1


def test_the_leaders_figures_open_the_records_behind_them(client: Any, data: dict[str, Any], tree: Any) -> None:
    import datetime
    import re

    from django.utils import timezone

    this_year = make_record(tree.community_a1, TYPE, {"lecture_audience": 30}, status="approved",
                            day=datetime.date(timezone.localdate().year, 1, 5), title="今年的宣讲")
    viewer = make_user("viewer", tree.district)
    _login(client, viewer)
    page = client.get(reverse("core:home")).content.decode()
    found = re.findall(r'class="tz-wb-figure"><a href="([^"]+)"', page)
    links = {m.group(1): url for url in found if (m := re.search(r"metric=(\w+)", url))}
    assert "lecture_events" in links, "the leader's figures are links to their records"
    opened = client.get(links["lecture_events"].replace("&amp;", "&"))
    assert opened.status_code == 302 and "metric=lecture_events" in opened["Location"]
    listed = client.get(opened["Location"])  # the record list filtered by the figure itself
    assert this_year.pk in {r.pk for r in listed.context["page"].paginator.object_list}
