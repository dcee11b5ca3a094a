"""Parts of a total (library ``part_of``): a draft writes a part after its total as “其中…”, never as a second
figure that reads as if it were added; the checker warns when a part is larger than its total in one unit and
period, and when a part and its total are added up (a ``sum`` figure, or a number typed by hand)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from taizhang.ledger import providers
from taizhang.ledger.figures import compute
from taizhang.ledger.taxonomy import sync_computed_metrics
from taizhang.reports import concepts, sources
from taizhang.reports.checker import check_document, check_segments
from taizhang.reports.composer import ComposeOptions, compose
from taizhang.reports.composer.phrases import default_library
from taizhang.reports.document import Document, Figure, Paragraph

pytestmark = pytest.mark.django_db
D = datetime.date
PLAIN = ComposeOptions(comparisons=False, ranks=False, targets=False)


def _selected(monkeypatch: Any, value: int) -> None:
    """选树典型人数 (the honours register's computed metric) answering `value` for any scope."""

    def fn(q: providers.FigureQuery) -> providers.Provided:
        return providers.Provided(Decimal(value), [1] if value else [])

    item = providers.Provider(metric="honours_selected", name="选树典型人数", measure_word="名", line="role_models",
                              source="test.honour", compute=fn, rows_url="ledger:record_list")
    monkeypatch.setitem(providers.PROVIDERS, item.metric, item)
    sync_computed_metrics([item.metric])


def _role_models(ledger: Any, good: int = 8, moral: int = 2, youth: int = 1) -> None:
    from taizhang.core.testing import make_record

    make_record(ledger.tree.street_a, "rm_local_selection",
                {"rm_good_people": good, "rm_moral_models": moral, "rm_youth": youth}, day=D(2024, 9, 10))


def _line(doc: Any, key: str) -> str:
    roles = doc.meta["roles"]
    return str(doc.blocks[roles.index(f"line:{key}")].text)


def test_the_shipped_catalogue_declares_the_role_models_within_those_selected(taxonomy: Any) -> None:
    from taizhang.ledger.models import MetricDefinition

    relations = concepts.part_relations(default_library())
    assert relations["rm_good_people"] == "honours_selected"
    known = set(MetricDefinition.objects.values_list("key", flat=True))
    assert {*relations, *relations.values()} <= known  # every key names a metric of the catalogue
    assert {"rm_moral_models", "rm_youth", "rm_other_models"} <= set(relations)
    assert concepts.totals_of("a", {"a": "b", "b": "c", "c": "a"}) == ["b", "c"]  # a cycle stops


def test_a_part_is_written_after_its_total_as_qizhong(ledger: Any, monkeypatch: Any) -> None:
    _selected(monkeypatch, 12)
    _role_models(ledger)
    result = compose(ledger.tree.district, ledger.period, options=PLAIN)
    text = _line(result.document, "role_models")
    assert "选树典型12名，其中评选表彰好人8名、评选表彰道德模范2名、评选美德少年1名" in text, text
    # the line's phrase naming the parts on their own (评选表彰好人8名、道德模范2名…) is not taken
    assert "营造了崇德向善" not in text
    assert text.count("8名") == 1
    assert not result.notes
    report = check_document(result.document)
    assert report.ok, report.lines()
    assert not [i for i in report.issues if i.kind in ("part_exceeds", "double_count")]


def test_without_the_total_the_parts_are_written_as_before(ledger: Any, monkeypatch: Any) -> None:
    _selected(monkeypatch, 0)
    _role_models(ledger)
    text = _line(compose(ledger.tree.district, ledger.period, options=PLAIN).document, "role_models")
    assert "评选表彰好人8名、道德模范2名、美德少年1名，营造了崇德向善" in text, text
    assert "其中" not in text


def test_a_part_larger_than_its_total_is_told_and_warned(ledger: Any, monkeypatch: Any) -> None:
    _selected(monkeypatch, 5)
    _role_models(ledger, good=8, moral=0, youth=0)
    result = compose(ledger.tree.district, ledger.period, options=PLAIN)
    text = _line(result.document, "role_models")
    assert "其中" not in text, text  # never “选树典型5名，其中评选表彰好人8名”: both written, apart
    assert "选树典型5名" in text and "好人8名" in text, text
    assert any("“好人人数”8名大于其总数“选树典型人数”5名" in n for n in result.notes), result.notes
    warnings = [i for i in check_document(result.document).issues if i.kind == "part_exceeds"]
    assert len(warnings) == 1, warnings
    assert warnings[0].severity == "warning"
    assert warnings[0].text == "8名"
    assert "“好人人数”是“选树典型人数”的一部分" in warnings[0].message
    assert "“8名”" in warnings[0].message and "“5名”" in warnings[0].message


def _figure(fig_id: str, result: Any) -> Figure:
    source = sources.ledger_source(result)
    return Figure(fig_id, sources.render(result.value, source["display"]), result.value, source)


def test_a_sum_of_a_part_and_its_total_is_warned(ledger: Any, monkeypatch: Any) -> None:
    _selected(monkeypatch, 12)
    _role_models(ledger)
    total = compute("honours_selected", period=ledger.period, unit=ledger.tree.district)
    part = compute("rm_good_people", period=ledger.period, unit=ledger.tree.district)
    other = compute("rm_articles", period=ledger.period, unit=ledger.tree.district)
    wrong = sources.sum_source([sources.ledger_source(total), sources.ledger_source(part)], "先进典型合计")
    fine = sources.sum_source([sources.ledger_source(part), sources.ledger_source(other)], "好人与报道合计")
    assert wrong["value"] == "20"
    doc = Document(title="测试", blocks=[Paragraph("body", [
        "全年共选树各类典型", Figure("s1", "20名", Decimal(20), wrong), "。",
        "另计", Figure("s2", "8名", Decimal(8), fine), "。",
    ])])
    report = check_document(doc)
    assert report.ok, report.lines()  # each sum recomputes from its parts: sourced and still true
    assert report.verified == 2
    double = [i for i in report.issues if i.kind == "double_count"]
    assert [(i.text, i.figure) for i in double] == [("20名", "s1")]
    assert "“好人人数”8名与包含它的“选树典型人数”12名相加" in double[0].message


def test_a_part_and_its_total_added_up_by_hand(ledger: Any, monkeypatch: Any) -> None:
    _selected(monkeypatch, 12)
    _role_models(ledger)
    total = _figure("t", compute("honours_selected", period=ledger.period, unit=ledger.tree.district))
    part = _figure("p", compute("rm_good_people", period=ledger.period, unit=ledger.tree.district))
    doc = Document(title="测试", blocks=[Paragraph("body", ["选树典型", total, "、评选表彰好人", part, "，共20名。"])])
    report = check_document(doc)
    assert [(i.kind, i.text) for i in report.errors] == [("unsourced", "共20名")]
    double = [i for i in report.issues if i.kind == "double_count"]
    assert [i.text for i in double] == ["共20名"]
    assert "“好人人数”8名与“选树典型人数”12名之和" in double[0].message
    # another number typed in is only unsourced
    doc.blocks[0].runs[-1] = "，共21名。"  # type: ignore[union-attr]
    assert not [i for i in check_document(doc).issues if i.kind == "double_count"]


def test_a_figure_narrowed_by_a_filter_is_within_the_whole() -> None:
    def source(value: str, **filters: str) -> dict[str, Any]:
        return {"source": {"kind": "ledger", "metric": "placements", "label": "用稿篇数", "unit": "D",
                           "period": {"start": "2024-01-01", "end": "2024-12-31"}, "filters": filters,
                           "value": value}, "value": value, "text": f"{value}篇"}

    provenance = {"a": source("5"), "b": source("7", outlet_level="national"),
                  "c": source("3", outlet_level="national")}
    paragraphs: list[list[tuple[str | None, str]]] = [
        [(None, "标题")], [("a", "5篇"), (None, "，其中国家级"), ("b", "7篇")]]
    report = check_segments(paragraphs, provenance, recompute=False)
    assert [(i.kind, i.text) for i in report.issues] == [("part_exceeds", "7篇")]
    paragraphs[1][2] = ("c", "3篇")
    assert check_segments(paragraphs, provenance, recompute=False).issues == []


def test_the_relation_is_checked_when_staff_edit_it(db: Any) -> None:
    from taizhang.reports.composer.phrases import validate_section

    assert validate_section("part_of", {"rm_good_people": "honours_selected"}) == []
    assert validate_section("part_of", {"a": "a"}) == ["“a”不能是它自己的一部分"]
    assert any("首尾相连" in e for e in validate_section("part_of", {"a": "b", "b": "a"}))
    assert validate_section("part_of", {"a": 3}) == ["“a”所属的总数指标应为指标标识（文本）"]


def test_a_total_exceeded_by_one_part_is_written_apart_from_all_its_parts(ledger: Any, monkeypatch: Any) -> None:
    """The demo's case: 选树典型3名 (the honours app) and 好人8名、道德模范2名、美德少年5名 (the ledger). No “其中”
    at all, not even for the 2 that fits: the figures read as they did before ``part_of``, and the writer is told
    of each part that exceeds the total."""
    _selected(monkeypatch, 3)
    _role_models(ledger, good=8, moral=2, youth=5)
    result = compose(ledger.tree.district, ledger.period, options=PLAIN)
    text = _line(result.document, "role_models")
    assert "其中" not in text, text
    assert "选树典型3名" in text, text
    # the line's own phrase naming the parts, as before (it is not taken while the parts go within their total)
    assert "评选表彰好人8名、道德模范2名、美德少年5名，营造了崇德向善" in text, text
    told = [n for n in result.notes if "大于其总数" in n]
    assert told == ["“好人人数”8名大于其总数“选树典型人数”3名，两项数据口径不一致，请核实后再定稿。",
                    "“美德少年人数”5名大于其总数“选树典型人数”3名，两项数据口径不一致，请核实后再定稿。"], told
    warned = sorted(i.text for i in check_document(result.document).issues if i.kind == "part_exceeds")
    assert warned == ["5名", "8名"], warned  # the checker still warns: the two sources disagree
    # once the total covers its parts, they are written within it again
    _selected(monkeypatch, 15)
    again = _line(compose(ledger.tree.district, ledger.period, options=PLAIN).document, "role_models")
    assert "选树典型15名，其中评选表彰好人8名、评选表彰道德模范2名、评选美德少年5名" in again, again
