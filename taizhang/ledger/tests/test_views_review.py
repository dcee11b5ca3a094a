"""The review queue: scope, order, filters, approve / return (reason required), bulk approve, races."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.testing import client_for, make_record, make_user
from taizhang.ledger import actions
from taizhang.ledger.models import Record

pytestmark = pytest.mark.django_db
TYPE = "lecture_event"


@pytest.fixture
def reviewer_sa(taxonomy: Any, tree: Any) -> Any:
    return make_user("reviewer", tree.street_a)


def submitted(unit: Any, title: str, **kw: Any) -> Record:
    return make_record(unit, TYPE, {"lecture_audience": 10}, status="submitted", title=title, **kw)


def test_queue_permissions(reviewer_sa: Any, tree: Any) -> None:
    url = reverse("ledger:review_queue")
    assert Client().get(url).status_code == 302
    assert client_for(make_user("liaison", tree.street_a)).get(url).status_code == 403
    assert client_for(make_user("viewer", tree.district)).get(url).status_code == 403
    assert client_for(reviewer_sa).get(url).status_code == 200


def test_queue_lists_submitted_records_in_scope_oldest_first(reviewer_sa: Any, tree: Any) -> None:
    first = submitted(tree.community_a1, "先报送的")
    second = submitted(tree.street_a, "后报送的")
    submitted(tree.street_b, "西城的")
    make_record(tree.street_a, TYPE, {"lecture_audience": 1}, status="draft", title="草稿")
    make_record(tree.street_a, TYPE, {"lecture_audience": 1}, title="已通过")
    response = client_for(reviewer_sa).get(reverse("ledger:review_queue"))
    assert [r.pk for r in response.context["page"].object_list] == [first.pk, second.pk]
    content = response.content.decode()
    assert "西城的" not in content
    assert "草稿" not in content


def test_queue_filters(reviewer_sa: Any, tree: Any) -> None:
    a1 = submitted(tree.community_a1, "东一")
    submitted(tree.community_a2, "东二")
    other_type = make_record(tree.street_a, "theory_report", {"theory_participants": 30}, status="submitted",
                             title="辅导报告")
    c = client_for(reviewer_sa)
    rows = c.get(reverse("ledger:review_queue"), {"unit": tree.community_a1.pk}).context["page"].object_list
    assert [r.pk for r in rows] == [a1.pk]
    rows = c.get(reverse("ledger:review_queue"), {"activity_type": other_type.activity_type_id}).context["page"]
    assert [r.pk for r in rows.object_list] == [other_type.pk]
    rows = c.get(reverse("ledger:review_queue"), {"line": other_type.activity_type.line_id}).context["page"]
    assert [r.pk for r in rows.object_list] == [other_type.pk]


def test_expanded_row_shows_figures_and_evidence(reviewer_sa: Any, tree: Any) -> None:
    record = submitted(tree.street_a, "展开看看")
    response = client_for(reviewer_sa).get(reverse("ledger:review_item", args=[record.pk]), HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert response.status_code == 200
    assert "受众人数" in content
    assert "<strong>10</strong> 人次" in content
    assert "退回原因" in content
    assert "<html" not in content


def test_approve_with_comment(reviewer_sa: Any, tree: Any) -> None:
    record = submitted(tree.street_a, "待审")
    response = client_for(reviewer_sa).post(reverse("ledger:review_approve", args=[record.pk]),
                                            {"comment": "材料齐全"}, follow=True)
    record.refresh_from_db()
    assert record.status == Record.Status.APPROVED
    assert record.reviewed_by == reviewer_sa
    assert record.review_comment == "材料齐全"
    assert "已审核通过" in response.content.decode()


def test_return_requires_a_reason(reviewer_sa: Any, tree: Any) -> None:
    record = submitted(tree.street_a, "待审")
    response = client_for(reviewer_sa).post(reverse("ledger:review_return", args=[record.pk]), {"reason": "  "},
                                            follow=True)
    assert "退回时必须填写退回原因" in response.content.decode()
    record.refresh_from_db()
    assert record.status == Record.Status.SUBMITTED


def test_return_with_reason_is_visible_to_the_liaison(reviewer_sa: Any, tree: Any) -> None:
    record = submitted(tree.street_a, "待审")
    client_for(reviewer_sa).post(reverse("ledger:review_return", args=[record.pk]), {"reason": "缺少现场照片"})
    record.refresh_from_db()
    assert record.status == Record.Status.RETURNED
    liaison = make_user("liaison", tree.street_a)
    detail = client_for(liaison).get(reverse("ledger:record_detail", args=[record.pk])).content.decode()
    assert "退回原因：</strong>缺少现场照片" in detail


def test_review_out_of_scope_is_404(reviewer_sa: Any, tree: Any) -> None:
    record = submitted(tree.street_b, "西城的")
    c = client_for(reviewer_sa)
    assert c.get(reverse("ledger:review_item", args=[record.pk])).status_code == 404
    assert c.post(reverse("ledger:review_approve", args=[record.pk])).status_code == 404
    assert c.post(reverse("ledger:review_return", args=[record.pk]), {"reason": "x"}).status_code == 404
    record.refresh_from_db()
    assert record.status == Record.Status.SUBMITTED


def test_review_without_the_capability_is_403(reviewer_sa: Any, tree: Any) -> None:
    record = submitted(tree.street_a, "自己审自己")
    liaison = make_user("liaison", tree.street_a)
    assert client_for(liaison).post(reverse("ledger:review_approve", args=[record.pk])).status_code == 403
    # Visible (viewer at D) and a reviewer somewhere else (SB): 403 from the action's check, not 404.
    mixed = make_user("viewer", tree.district)
    from taizhang.org.actions import grant_role

    grant_role(acting_user=None, user=mixed, unit=tree.street_b, role="reviewer")
    assert client_for(mixed).post(reverse("ledger:review_approve", args=[record.pk])).status_code == 403
    record.refresh_from_db()
    assert record.status == Record.Status.SUBMITTED


def test_a_record_another_reviewer_already_approved(reviewer_sa: Any, tree: Any) -> None:
    record = submitted(tree.street_a, "抢先审核")
    actions.approve_record(acting_user=None, record=Record.objects.get(pk=record.pk))
    response = client_for(reviewer_sa).post(reverse("ledger:review_return", args=[record.pk]), {"reason": "晚了"},
                                            follow=True)
    assert "不能退回" in response.content.decode()
    record.refresh_from_db()
    assert record.status == Record.Status.APPROVED


def test_bulk_approve(reviewer_sa: Any, tree: Any) -> None:
    a = submitted(tree.street_a, "一")
    b = submitted(tree.community_a2, "二", day=datetime.date(2024, 4, 1))
    keep = submitted(tree.street_a, "不选")
    other = submitted(tree.street_b, "西城")
    response = client_for(reviewer_sa).post(reverse("ledger:review_bulk_approve"),
                                            {"ids": [a.pk, b.pk, other.pk]}, follow=True)
    statuses = dict(Record.objects.values_list("pk", "status"))
    assert statuses[a.pk] == statuses[b.pk] == Record.Status.APPROVED
    assert statuses[keep.pk] == statuses[other.pk] == Record.Status.SUBMITTED
    content = response.content.decode()
    assert "已批量审核通过 2 条记录" in content
    assert "1 条记录不存在或不在您的审核范围内" in content


def test_bulk_approve_with_nothing_selected(reviewer_sa: Any, tree: Any) -> None:
    response = client_for(reviewer_sa).post(reverse("ledger:review_bulk_approve"), {}, follow=True)
    assert "请先勾选" in response.content.decode()


def test_next_must_stay_on_site(reviewer_sa: Any, tree: Any) -> None:
    record = submitted(tree.street_a, "跳转")
    response = client_for(reviewer_sa).post(reverse("ledger:review_approve", args=[record.pk]),
                                            {"next": "https://evil.example/"})
    assert response["Location"] == reverse("ledger:review_queue")


@pytest.mark.parametrize("bad_next", ["abc", "//evil.example/x", "https://evil.example/", "javascript:alert(1)"])
def test_a_next_that_is_not_a_path_here_falls_back_after_the_approval(reviewer_sa: Any, tree: Any,
                                                                      bad_next: str) -> None:
    """A bare word used to reach redirect() as a URL name: a 500 after the record was already approved."""
    record = submitted(tree.street_a, "待审")
    response = client_for(reviewer_sa).post(reverse("ledger:review_approve", args=[record.pk]),
                                            {"comment": "", "next": bad_next})
    record.refresh_from_db()
    assert record.status == Record.Status.APPROVED
    assert response.status_code == 302 and response["Location"] == reverse("ledger:review_queue")
    kept = client_for(reviewer_sa).post(reverse("ledger:review_approve", args=[submitted(tree.street_a, "二").pk]),
                                        {"next": "/ledger/review/?page=2"})
    assert kept["Location"] == "/ledger/review/?page=2"
