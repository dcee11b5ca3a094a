"""Checks between figures (整改 ≤ 发现 …), bounds by the unit's kind, and outliers flagged to the reviewer."""

from __future__ import annotations

import datetime

import pytest

from taizhang.core.errors import InvalidInput
from taizhang.core.testing import make_record, make_user
from taizhang.ledger import actions
from taizhang.ledger.models import ActivityType, FigureBound, FigureRule, Record

pytestmark = pytest.mark.django_db


def _create(unit, type_key, figures):
    return actions.create_record(acting_user=None, unit=unit, activity_type=ActivityType.objects.get(key=type_key),
                                 title="测试记录", start_date=datetime.date(2024, 5, 1), figures=figures)


def test_shipped_rules_are_loaded(taxonomy):
    assert FigureRule.objects.filter(key="ideology_rectified_le_found", is_active=True).exists()
    assert FigureBound.objects.filter(key="rm_good_people_grassroots").get().max_value == 5


def test_more_rectified_than_found_is_refused_in_chinese(taxonomy, tree):
    with pytest.raises(InvalidInput) as exc:
        _create(tree.street_a, "ideology_inspection",
                {"ideology_inspection_rounds": 1, "ideology_issues_found": 339, "ideology_issues_rectified": 375})
    messages = exc.value.errors["figure:ideology_issues_rectified"]
    assert any("整改问题数不能大于发现问题数" in m and "375" in m and "339" in m for m in messages)
    assert not Record.objects.exists()


def test_equal_rectified_and_found_is_accepted(taxonomy, tree):
    record = _create(tree.street_a, "ideology_inspection",
                     {"ideology_inspection_rounds": 1, "ideology_issues_found": 12, "ideology_issues_rectified": 12})
    assert record.pk


def test_more_speakers_than_participants_is_refused(taxonomy, tree):
    with pytest.raises(InvalidInput) as exc:
        _create(tree.street_a, "theory_group_study",
                {"theory_sessions": 1, "theory_participants": 20, "theory_speeches": 25})
    assert "figure:theory_speeches" in exc.value.errors


def test_bound_depends_on_the_unit_kind(taxonomy, tree):
    figures = {"rm_good_people": 30}
    with pytest.raises(InvalidInput) as exc:
        _create(tree.community_a1, "rm_local_selection", figures)
    message = exc.value.errors["figure:rm_good_people"][0]
    assert "基层单位" in message and "不能超过 5" in message and "30" in message
    with pytest.raises(InvalidInput):
        _create(tree.street_a, "rm_local_selection", figures)  # streets: at most 20
    assert _create(tree.district, "rm_local_selection", figures).pk  # the district: at most 100


def test_investment_in_hundreds_of_billions_by_a_community_is_refused(taxonomy, tree):
    with pytest.raises(InvalidInput) as exc:
        _create(tree.community_a1, "ci_project_signing", {"ci_projects_signed": 1, "ci_investment": "214.5"})
    assert "亿元" in exc.value.errors["figure:ci_investment"][0]


def test_a_switched_off_rule_no_longer_refuses(taxonomy, tree):
    FigureRule.objects.filter(key="ideology_rectified_le_found").update(is_active=False)
    record = _create(tree.street_a, "ideology_inspection",
                     {"ideology_inspection_rounds": 1, "ideology_issues_found": 3, "ideology_issues_rectified": 5})
    assert record.pk


def test_update_and_submit_apply_the_rules(taxonomy, tree):
    record = _create(tree.street_a, "ideology_inspection",
                     {"ideology_inspection_rounds": 1, "ideology_issues_found": 5, "ideology_issues_rectified": 5})
    with pytest.raises(InvalidInput):
        actions.update_record(acting_user=None, record=record, expected_version=record.version,
                              figures={"ideology_inspection_rounds": 1, "ideology_issues_found": 5,
                                       "ideology_issues_rectified": 6})
    record.refresh_from_db()
    assert record.figure_map()["ideology_issues_rectified"] == 5


def test_excel_import_reports_the_rule_with_row_and_column(taxonomy, tree):
    from taizhang.ledger.excel.importer import import_file
    from taizhang.ledger.excel.testing import fill_template

    user = make_user("liaison", tree.street_a)
    atype = ActivityType.objects.get(key="theory_group_study")
    rows = [
        {"单位代码": "SA", "日期": datetime.date(2024, 3, 1), "标题": "第一次集体学习", "参学人数": 30,
         "交流发言人数": 5},
        {"单位代码": "SA", "日期": datetime.date(2024, 4, 1), "标题": "第二次集体学习", "参学人数": 20,
         "交流发言人数": 25},
    ]
    outcome = import_file(fill_template(atype, rows, user=user), filename="x.xlsx", acting_user=user)
    assert outcome.errors
    bad = [e for e in outcome.errors if "交流发言人数不能大于参学人数" in e["message"]]
    assert bad and bad[0]["row"] is not None and bad[0]["column"]
    assert not Record.objects.exists()  # all or nothing


def test_outlier_against_the_units_history_is_flagged_not_refused(taxonomy, tree):
    for month in range(1, 9):
        make_record(tree.street_a, "lecture_event", {"lecture_events": 1, "lecture_audience": 80 + month},
                    day=datetime.date(2024, month, 10))
    normal = make_record(tree.street_a, "lecture_event", {"lecture_events": 1, "lecture_audience": 120},
                         day=datetime.date(2024, 9, 10), status="submitted")
    assert normal.flags == []
    big = make_record(tree.street_a, "lecture_event", {"lecture_events": 1, "lecture_audience": 5000},
                      day=datetime.date(2024, 9, 12), status="submitted")
    big.refresh_from_db()
    assert big.status == Record.Status.SUBMITTED
    assert len(big.flags) == 1 and big.flags[0]["metric"] == "lecture_audience"
    assert "明显高于本单位以往" in big.flags[0]["message"] and "5000" in big.flags[0]["message"]


def test_no_flag_without_enough_history(taxonomy, tree):
    make_record(tree.street_b, "lecture_event", {"lecture_events": 1, "lecture_audience": 50},
                day=datetime.date(2024, 1, 10))
    big = make_record(tree.street_b, "lecture_event", {"lecture_events": 1, "lecture_audience": 5000},
                      day=datetime.date(2024, 2, 12), status="submitted")
    assert big.flags == []


def test_reviewer_sees_the_flag(client, taxonomy, tree):
    for month in range(1, 7):
        make_record(tree.street_a, "lecture_event", {"lecture_events": 1, "lecture_audience": 100},
                    day=datetime.date(2024, month, 10))
    big = make_record(tree.street_a, "lecture_event", {"lecture_events": 1, "lecture_audience": 9000},
                      day=datetime.date(2024, 8, 12), status="submitted")
    reviewer = make_user("reviewer", tree.district)
    client.force_login(reviewer)
    from django.urls import reverse

    page = client.get(reverse("ledger:record_detail", args=[big.pk])).content.decode()
    assert "请审核人核实" in page and "9000" in page


def test_administrator_switches_off_a_rule_and_change_a_bound_on_the_page(client, taxonomy, tree):
    from django.urls import reverse

    client.force_login(make_user("sysadmin", tree.district))  # the taxonomy's keeper
    url = reverse("ledger:check_list")
    page = client.get(url).content.decode()
    assert "整改问题数 不大于 发现问题数" in page and "好人人数" in page
    rule = FigureRule.objects.get(key="ideology_rectified_le_found")
    client.post(url, {"kind": "rule", "pk": rule.pk, "version": rule.version, "is_active": "0"})
    rule.refresh_from_db()
    assert not rule.is_active
    bound = FigureBound.objects.get(key="rm_good_people_grassroots")
    client.post(url, {"kind": "bound", "pk": bound.pk, "version": bound.version, "is_active": "1", "max_value": "8"})
    bound.refresh_from_db()
    assert bound.max_value == 8
    # a stale version is refused and changes nothing
    response = client.post(url, {"kind": "bound", "pk": bound.pk, "version": bound.version - 1, "is_active": "1",
                                 "max_value": "99"}, follow=True)
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()
    bound.refresh_from_db()
    assert bound.max_value == 8
    response = client.post(url, {"kind": "bound", "pk": bound.pk, "version": bound.version, "is_active": "1",
                                 "max_value": "很多"}, follow=True)
    assert response.status_code == 400 and "数字" in response.content.decode()


def test_a_liaison_cannot_change_the_rules(client, taxonomy, tree):
    from django.urls import reverse

    client.force_login(make_user("liaison", tree.street_a))
    rule = FigureRule.objects.get(key="ideology_rectified_le_found")
    response = client.post(reverse("ledger:check_list"), {"kind": "rule", "pk": rule.pk, "version": rule.version,
                                                          "is_active": "0"})
    assert response.status_code in (403, 404)
    rule.refresh_from_db()
    assert rule.is_active
