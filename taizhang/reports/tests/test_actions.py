"""Summary actions: compose and keep a draft, edit paragraphs without bringing in unsourced numbers, accept or drop
candidate problems, optimistic locking, permissions, audit; importing an old summary's figures as drafts."""

from __future__ import annotations

from typing import Any

import pytest

from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted, StaleObjectError
from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_user
from taizhang.ledger.models import Record
from taizhang.reports import actions
from taizhang.reports.checker import check_document
from taizhang.reports.document import Figure, Paragraph
from taizhang.reports.models import Summary

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(ledger: Any) -> Any:
    return make_user("staff", ledger.tree.district)


@pytest.fixture
def summary(ledger: Any, staff: Any) -> Summary:
    return actions.compose_summary(acting_user=staff, unit=ledger.tree.district, period="2024")


def block_index(summary: Summary, role: str) -> int:
    return list(summary.document["meta"]["roles"]).index(role)


def paragraph(summary: Summary, index: int) -> Paragraph:
    block = actions.load_document(summary).blocks[index]
    assert isinstance(block, Paragraph)
    return block


def test_compose_keeps_the_draft_and_its_candidates(summary: Summary, staff: Any) -> None:
    assert summary.status == Summary.Status.DRAFT
    assert summary.title == "2024年测试区委宣传部工作总结"
    assert summary.period_spec == "2024"
    assert summary.created_by == staff
    assert any(p["accepted"] for p in summary.problems)
    assert AuditEntry.objects.filter(object_type="reports.summary", action="create").exists()
    assert check_document(actions.load_document(summary)).ok


def test_only_those_who_manage_work_in_the_unit_compose(ledger: Any) -> None:
    liaison = make_user("liaison", ledger.tree.street_a)
    with pytest.raises(NotPermitted):
        actions.compose_summary(acting_user=liaison, unit=ledger.tree.street_a, period="2024")
    street_staff = make_user("staff", ledger.tree.street_a)
    actions.compose_summary(acting_user=street_staff, unit=ledger.tree.street_a, period="2024")
    with pytest.raises(NotPermitted):
        actions.compose_summary(acting_user=street_staff, unit=ledger.tree.district, period="2024")


def test_editing_text_keeps_the_figures(summary: Summary, staff: Any) -> None:
    index = block_index(summary, "line:lectures")
    block = paragraph(summary, index)
    figures = [r for r in block.runs if isinstance(r, Figure)]
    text = f"全年共组织宣讲⟦{figures[0].id}：改了也无效⟧，受众⟦{figures[2].id}⟧。"
    actions.update_block(acting_user=staff, summary=summary, expected_version=summary.version, index=index, text=text)
    summary.refresh_from_db()
    edited = paragraph(summary, index)
    assert edited.text == f"全年共组织宣讲12场，受众{figures[2].text}。"
    assert [r for r in edited.runs if isinstance(r, Figure)] == [figures[0], figures[2]]
    assert summary.version == 2


def test_a_typed_number_is_refused_or_marked(summary: Summary, staff: Any) -> None:
    index = block_index(summary, "line:lectures")
    with pytest.raises(InvalidInput) as info:
        actions.update_block(acting_user=staff, summary=summary, expected_version=summary.version, index=index,
                             text="全年开展宣讲300余场，受众两万余人次。")
    assert "“300余场”" in info.value.message
    assert "“两万余人次”" in info.value.message
    actions.update_block(acting_user=staff, summary=summary, expected_version=summary.version, index=index,
                         text="全年开展宣讲300余场。", mark_unsourced=True)
    summary.refresh_from_db()
    assert paragraph(summary, index).text == "全年开展宣讲【待核实：原文“300余场”】。"
    report = check_document(actions.load_document(summary))
    assert report.ok
    assert [i.kind for i in report.warnings] == ["pending"]


def test_a_new_figure_from_the_picker_is_computed_on_save(summary: Summary, staff: Any) -> None:
    index = block_index(summary, "line:lectures")
    actions.update_block(acting_user=staff, summary=summary, expected_version=summary.version, index=index,
                         text="中央级媒体用稿⟦+placements@national⟧，宣讲⟦+lecture_events：9999场⟧。")
    summary.refresh_from_db()
    block = paragraph(summary, index)
    assert block.text == "中央级媒体用稿1篇，宣讲12场。"
    new = [r for r in block.runs if isinstance(r, Figure)]
    assert new[0].source["filters"] == {"outlet_level": "national"}
    assert len({f.id for f in actions.load_document(summary).figures()}) == len(
        list(actions.load_document(summary).figures()))
    with pytest.raises(InvalidInput):
        actions.update_block(acting_user=staff, summary=summary, expected_version=summary.version, index=index,
                             text="⟦+no_such_metric⟧")


def test_a_stale_version_is_refused_and_nothing_is_lost(summary: Summary, staff: Any) -> None:
    index = block_index(summary, "opening")
    actions.update_title(acting_user=staff, summary=summary, expected_version=1, title="2024年测试区宣传工作总结")
    stale = Summary.objects.get(pk=summary.pk)
    stale.version = 1
    with pytest.raises(StaleObjectError):
        actions.update_block(acting_user=staff, summary=stale, expected_version=1, index=index, text="改写的开头。")
    summary.refresh_from_db()
    assert summary.title == "2024年测试区宣传工作总结"
    assert paragraph(summary, index).text.startswith("2024年，测试区委宣传部")


def test_accepting_and_dropping_problems_renumbers_them(summary: Summary, staff: Any) -> None:
    accepted = [p["key"] for p in summary.problems if p["accepted"]]
    spare = next(p["key"] for p in summary.problems if not p["accepted"])
    actions.set_problem(acting_user=staff, summary=summary, expected_version=summary.version, key=spare, accepted=True)
    summary.refresh_from_db()
    roles = summary.document["meta"]["roles"]
    assert f"problem:{spare}" in roles
    texts = [paragraph(summary, i).text for i, r in enumerate(roles) if r.startswith("problem:")]
    assert [t[:2] for t in texts] == ["一是", "二是", "三是", "四是"][: len(texts)]
    assert texts[-1].endswith("。")
    assert all(t.endswith("；") for t in texts[:-1])
    actions.set_problem(acting_user=staff, summary=summary, expected_version=summary.version, key=accepted[0],
                        accepted=False)
    summary.refresh_from_db()
    roles = summary.document["meta"]["roles"]
    assert f"problem:{accepted[0]}" not in roles
    texts = [paragraph(summary, i).text for i, r in enumerate(roles) if r.startswith("problem:")]
    assert texts[0].startswith("一是")
    assert texts[-1].endswith("。")
    assert check_document(actions.load_document(summary)).ok


def test_deleting_and_adding_paragraphs(summary: Summary, staff: Any) -> None:
    count = len(summary.document["blocks"])
    index = block_index(summary, "line:news_external")
    actions.delete_block(acting_user=staff, summary=summary, expected_version=summary.version, index=index)
    summary.refresh_from_db()
    assert len(summary.document["blocks"]) == count - 1
    assert "line:news_external" not in summary.document["meta"]["roles"]
    actions.add_block(acting_user=staff, summary=summary, expected_version=summary.version, after=0)
    summary.refresh_from_db()
    assert paragraph(summary, 1).text == "（请输入内容）"


def test_finalised_summaries_are_not_edited(summary: Summary, staff: Any) -> None:
    actions.finalize_summary(acting_user=staff, summary=summary, expected_version=summary.version)
    with pytest.raises(InvalidTransition):
        actions.update_title(acting_user=staff, summary=summary, expected_version=summary.version, title="新标题")
    actions.reopen_summary(acting_user=staff, summary=summary, expected_version=summary.version)
    assert summary.status == Summary.Status.DRAFT


def test_recompose_takes_the_ledger_as_it_is_now(ledger: Any, summary: Summary, staff: Any) -> None:
    import datetime

    from taizhang.core.testing import make_record

    make_record(ledger.sc, "lecture_event", {"lecture_events": 1, "lecture_audience": 10},
                day=datetime.date(2024, 12, 1))
    assert not check_document(actions.load_document(summary)).ok
    actions.recompose_summary(acting_user=staff, summary=summary, expected_version=summary.version)
    summary.refresh_from_db()
    assert "13场" in actions.load_document(summary).plain_text()
    assert check_document(actions.load_document(summary)).ok


def test_exports_are_audited(summary: Summary, staff: Any, ledger: Any) -> None:
    actions.log_export(acting_user=staff, summary=summary, fmt="Word")
    assert AuditEntry.objects.filter(action="export", object_id=str(summary.pk)).exists()
    viewer = make_user("viewer", ledger.tree.district)
    with pytest.raises(NotPermitted):
        actions.log_export(acting_user=viewer, summary=summary, fmt="Word")  # a draft: not for viewers


OLD_SUMMARY = """2023年工作总结
一、理论武装
全年开展各类宣讲活动近300余场，受众2.5万人次。组织开展志愿服务活动1200次。
二、对外宣传
对外宣传用稿120篇，同比增长21%。
"""


def test_import_writes_only_sure_exact_figures(ledger: Any) -> None:
    liaison = make_user("liaison", ledger.tree.street_a)
    rows = {r.text: r for r in actions.import_rows(OLD_SUMMARY)}
    assert [t for t, r in rows.items() if r.importable] == ["2.5万人次", "1200次"]
    approximate = rows["近300余场"]
    assert approximate.status == "confirm" and approximate.metric_name == "宣讲场次" and "约数" in approximate.doubt
    assert approximate.sentence == "全年开展各类宣讲活动近300余场，受众2.5万人次。"
    assert rows["120篇"].status == "refused" and "逐条录入" in rows["120篇"].problem  # a placement
    assert rows["21%"].status == "refused" and rows["21%"].change == "increase"
    records = actions.import_summary(acting_user=liaison, unit=ledger.tree.street_a, period="2023", text=OLD_SUMMARY,
                                     source_name="2023年总结.txt")
    assert len(records) == 2
    audience = Record.objects.get(pk=records[0].pk)
    assert audience.status == Record.Status.DRAFT
    assert audience.source == Record.Source.SUMMARY
    assert audience.start_date.isoformat() == "2023-12-31"
    assert audience.activity_type.key == "lecture_event"
    assert audience.title == "受众2.5万人次（总结提取）"  # the figure's own clause, not the neighbouring one
    # an audience-only record does not count a lecture too (宣讲场次 would default to 1)
    assert audience.figure_map() == {"lecture_events": 0, "lecture_audience": 25000}
    assert AuditEntry.objects.filter(action="import", object_type="reports.summary_import").exists()


def test_a_person_confirms_or_corrects_unsure_figures(ledger: Any) -> None:
    liaison = make_user("liaison", ledger.tree.street_a)
    rows = {r.text: r for r in actions.import_rows(OLD_SUMMARY)}
    lectures = rows["近300余场"].index
    records = actions.import_summary(acting_user=liaison, unit=ledger.tree.street_a, period="2023", text=OLD_SUMMARY,
                                     selected={lectures})
    record = Record.objects.get(pk=records[0].pk)
    assert record.figure_map()["lecture_events"] == 300
    assert "近300余场" in record.description and "约数" in record.description
    corrected = actions.import_summary(acting_user=liaison, unit=ledger.tree.street_a, period="2023",
                                       text=OLD_SUMMARY, selected={lectures}, metrics={lectures: "practice_activities"})
    assert Record.objects.get(pk=corrected[0].pk).activity_type.key == "practice_activity"


def test_nothing_sure_means_nothing_written(ledger: Any) -> None:
    liaison = make_user("liaison", ledger.tree.street_a)
    before = Record.objects.count()
    with pytest.raises(InvalidInput) as caught:
        actions.import_summary(acting_user=liaison, unit=ledger.tree.street_a, period="2023",
                               text="开展宣讲活动百余场，规定每年参加培训不少于两次。")
    assert "人工确认" in caught.value.message
    assert Record.objects.count() == before


def test_nested_totals_are_not_both_imported(ledger: Any) -> None:
    rows = actions.import_rows("组建志愿服务队伍1200支，其中专业志愿服务队伍15支。")
    assert [r.status for r in rows] == ["ready", "refused"]
    assert "1200支" in rows[1].problem


def test_import_is_all_or_nothing_and_scoped(ledger: Any) -> None:
    liaison = make_user("liaison", ledger.tree.street_a)
    with pytest.raises(NotPermitted):
        actions.import_summary(acting_user=liaison, unit=ledger.tree.street_b, period="2023", text=OLD_SUMMARY)
    rows = actions.import_rows(OLD_SUMMARY)
    bad = next(r.index for r in rows if r.status == "refused")
    before = Record.objects.count()
    with pytest.raises(InvalidInput):
        actions.import_summary(acting_user=liaison, unit=ledger.tree.street_a, period="2023", text=OLD_SUMMARY,
                               selected={0, bad})
    assert Record.objects.count() == before
