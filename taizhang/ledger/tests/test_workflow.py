"""The review workflow through the actions: allowed transitions, refused ones, revisions, audit."""

from __future__ import annotations

import datetime

import pytest

from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, StaleObjectError
from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_record, make_user
from taizhang.ledger import actions
from taizhang.ledger.models import ActivityType, Record, RecordFigure

pytestmark = pytest.mark.django_db
S = Record.Status


def _draft(tree, user=None, **figures):
    return actions.create_record(
        acting_user=user, unit=tree.community_a1, activity_type=ActivityType.objects.get(key="lecture_event"),
        title="百姓宣讲进社区", start_date=datetime.date(2024, 5, 12), figures=figures or {"lecture_audience": 120},
    )


def test_draft_submit_approve_makes_figures_effective(taxonomy, tree):
    liaison = make_user("liaison", tree.street_a)
    reviewer = make_user("reviewer", tree.district)
    record = _draft(tree, liaison)
    assert record.status == S.DRAFT
    assert not RecordFigure.objects.filter(record=record, effective=True).exists()
    actions.submit_record(acting_user=liaison, record=record)
    actions.approve_record(acting_user=reviewer, record=record, comment="同意")
    record.refresh_from_db()
    assert record.status == S.APPROVED and record.reviewed_by == reviewer
    figures = {f.metric.key: f.value for f in RecordFigure.objects.filter(record=record, effective=True)}
    assert figures == {"lecture_events": 1, "lecture_audience": 120}
    assert [e.action for e in record.events.all()] == ["create", "submit", "approve"]


def test_return_requires_reason_and_resubmit_works(taxonomy, tree):
    liaison = make_user("liaison", tree.street_a)
    reviewer = make_user("reviewer", tree.district)
    record = _draft(tree, liaison)
    actions.submit_record(acting_user=liaison, record=record)
    with pytest.raises(InvalidInput):
        actions.return_record(acting_user=reviewer, record=record, reason="  ")
    actions.return_record(acting_user=reviewer, record=record, reason="受众人数与签到表不符")
    record.refresh_from_db()
    assert record.status == S.RETURNED and record.review_comment == "受众人数与签到表不符"
    actions.update_record(acting_user=liaison, record=record, expected_version=record.version,
                          figures={"lecture_audience": 118})
    actions.submit_record(acting_user=liaison, record=record)
    actions.approve_record(acting_user=reviewer, record=record)
    assert RecordFigure.objects.get(record=record, metric__key="lecture_audience").value == 118


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("draft", "approve"), ("draft", "return"), ("approved", "submit"), ("approved", "approve"),
        ("returned", "approve"), ("approved", "return"),
    ],
)
def test_wrong_transitions_are_refused(taxonomy, tree, status, action):
    record = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 50}, status=status)
    before = Record.objects.get(pk=record.pk).status
    with pytest.raises(InvalidTransition):
        if action == "approve":
            actions.approve_record(acting_user=None, record=record)
        elif action == "return":
            actions.return_record(acting_user=None, record=record, reason="x")
        else:
            actions.submit_record(acting_user=None, record=record)
    assert Record.objects.get(pk=record.pk).status == before


def test_approved_record_is_not_edited_in_place_but_revised(taxonomy, tree):
    record = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 50})
    with pytest.raises(InvalidTransition):
        actions.update_record(acting_user=None, record=record, expected_version=record.version, title="改")
    revision = actions.revise_record(acting_user=None, record=record)
    assert revision.pk != record.pk and revision.revision_of_id == record.pk and revision.status == S.DRAFT
    assert actions.revise_record(acting_user=None, record=record).pk == revision.pk  # one open revision
    actions.update_record(acting_user=None, record=revision, expected_version=revision.version,
                          figures={"lecture_audience": 80})
    actions.submit_record(acting_user=None, record=revision)
    # Until the revision is approved the original still counts.
    assert RecordFigure.objects.get(record=record, metric__key="lecture_audience").effective
    actions.approve_record(acting_user=None, record=revision)
    record.refresh_from_db()
    assert record.status == S.SUPERSEDED
    effective = RecordFigure.objects.filter(metric__key="lecture_audience", effective=True)
    assert [(f.record_id, f.value) for f in effective] == [(revision.pk, 80)]


def test_stale_edit_is_refused_and_changes_nothing(taxonomy, tree):
    record = _draft(tree)
    stale = record.version
    actions.update_record(acting_user=None, record=record, expected_version=stale, title="第一次修改")
    copy = Record.objects.get(pk=record.pk)
    with pytest.raises(StaleObjectError) as err:
        actions.update_record(acting_user=None, record=copy, expected_version=stale, title="第二次修改")
    assert "已被他人修改" in str(err.value)
    assert Record.objects.get(pk=record.pk).title == "第一次修改"


def test_idempotency_key_creates_one_record(taxonomy, tree):
    first = actions.create_record(
        acting_user=None, unit=tree.street_a, activity_type=ActivityType.objects.get(key="lecture_event"),
        title="宣讲", start_date=datetime.date(2024, 5, 1), figures={"lecture_audience": 10}, idempotency_key="k1",
    )
    second = actions.create_record(
        acting_user=None, unit=tree.street_a, activity_type=ActivityType.objects.get(key="lecture_event"),
        title="宣讲", start_date=datetime.date(2024, 5, 1), figures={"lecture_audience": 10}, idempotency_key="k1",
    )
    assert first.pk == second.pk and Record.objects.count() == 1


def test_figures_are_validated_with_chinese_messages(taxonomy, tree):
    with pytest.raises(InvalidInput) as err:
        _draft(tree, None, lecture_audience="一百")
    assert "应填写数字" in err.value.errors["figure:lecture_audience"][0]
    with pytest.raises(InvalidInput) as err:
        _draft(tree, None, lecture_audience=-5)
    assert "不能小于" in err.value.errors["figure:lecture_audience"][0]
    with pytest.raises(InvalidInput) as err:
        _draft(tree, None, lecture_audience="12.5")
    assert "整数" in err.value.errors["figure:lecture_audience"][0]
    with pytest.raises(InvalidInput) as err:
        _draft(tree, None, no_such_metric=1)
    assert "no_such_metric" in err.value.errors["figure:no_such_metric"][0]


def test_submit_requires_required_figures(taxonomy, tree):
    record = actions.create_record(
        acting_user=None, unit=tree.street_a, activity_type=ActivityType.objects.get(key="lecture_event"),
        title="缺受众", start_date=datetime.date(2024, 5, 1), figures={},
    )
    with pytest.raises(InvalidInput) as err:
        actions.submit_record(acting_user=None, record=record)
    assert "必填" in err.value.errors["figure:lecture_audience"][0]
    assert Record.objects.get(pk=record.pk).status == S.DRAFT


def test_liaison_cannot_act_outside_subtree_or_review(taxonomy, tree):
    liaison = make_user("liaison", tree.street_a)
    with pytest.raises(NotPermitted):
        actions.create_record(
            acting_user=liaison, unit=tree.street_b, activity_type=ActivityType.objects.get(key="lecture_event"),
            title="越权", start_date=datetime.date(2024, 5, 1), figures={"lecture_audience": 1},
        )
    record = _draft(tree, liaison)
    actions.submit_record(acting_user=liaison, record=record)
    with pytest.raises(NotPermitted):
        actions.approve_record(acting_user=liaison, record=record)
    reviewer_b = make_user("reviewer", tree.street_b)
    with pytest.raises(NotPermitted):
        actions.approve_record(acting_user=reviewer_b, record=record)


def test_every_change_is_audited(taxonomy, tree):
    liaison = make_user("liaison", tree.street_a)
    before = AuditEntry.objects.count()
    record = _draft(tree, liaison)
    actions.submit_record(acting_user=liaison, record=record)
    rows = list(AuditEntry.objects.order_by("id")[before:])
    assert [r.action for r in rows] == ["create", "submit"]
    assert rows[0].username == liaison.username and rows[0].object_id == str(record.pk)
    assert rows[0].after["figures"] == {"lecture_events": "1", "lecture_audience": "120"}
