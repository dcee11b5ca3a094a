"""Correspondents' points (once per story at its highest level), adoption counted once as a ledger placement,
press figures through the figures function, the bulletins and check-report on them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted
from taizhang.core.periods import parse_period
from taizhang.ledger.figures import compute
from taizhang.ledger.models import Outlet, Placement, Record
from taizhang.press import actions, bulletin
from taizhang.press.models import AccountCheck, Submission
from taizhang.press.tests.conftest import World, open_account

D = datetime.date


def _outlet(level: str) -> Outlet:
    """The shipped registry holds national and provincial outlets; a city's and a district's are added here."""
    found = Outlet.objects.filter(level=level, is_active=True).order_by("id").first()
    if found is None:
        found = Outlet.objects.create(name=f"测试{level}媒体", level=level, kind=Outlet.Kind.NEWSPAPER)
    return found


def _adopt(world: World, piece: Submission, level: str, day: datetime.date) -> Submission:
    return actions.record_adoption(acting_user=world.staff, submission=piece, adopted=True,
                                   expected_version=piece.version, outlet=_outlet(level), adopted_on=day)


def test_a_story_counts_once_at_its_highest_level_and_once_as_a_placement(world: World) -> None:
    person = actions.add_correspondent(acting_user=world.liaison_a, unit=world.tree.street_a, name="李通讯")
    title = "东城街道打造“15分钟生活圈”"
    first = actions.submit_piece(acting_user=world.liaison_a, correspondent=person, title=title,
                                 submitted_on=D(2026, 3, 1))
    second = actions.submit_piece(acting_user=world.liaison_a, correspondent=person, title=title + "。",
                                  submitted_on=D(2026, 3, 1), kind="news")
    assert first.story_key == second.story_key  # the same story, punctuation aside
    _adopt(world, first, "municipal", D(2026, 3, 3))
    _adopt(world, second, "provincial", D(2026, 3, 5))
    article = actions.submit_piece(acting_user=world.liaison_a, correspondent=person, title="社区微更新纪实",
                                   submitted_on=D(2026, 4, 1), kind="article")
    _adopt(world, article, "district", D(2026, 4, 2))
    rejected = actions.submit_piece(acting_user=world.liaison_a, correspondent=person, title="未用",
                                    submitted_on=D(2026, 4, 1))
    actions.record_adoption(acting_user=world.staff, submission=rejected, adopted=False,
                            expected_version=rejected.version)
    [score] = actions.scores(parse_period("2026"))
    # the story once at provincial (news: 5), the article at district (2)
    assert score.points == Decimal(7) and score.adopted == 3
    # every adopted piece is exactly one placement record in the ledger, submitted for review
    placements = Placement.objects.filter(submissions__isnull=False).distinct()
    assert placements.count() == 3
    assert set(Record.objects.filter(placement__in=placements).values_list("status", flat=True)) == {"submitted"}
    assert Submission.objects.filter(result="adopted").values("placement").distinct().count() == 3


def test_an_existing_placement_of_the_story_is_linked_not_duplicated(world: World) -> None:
    from taizhang.core.testing import make_record
    from taizhang.ledger.actions import PlacementInput

    outlet = _outlet("municipal")
    person = actions.add_correspondent(acting_user=world.liaison_a, unit=world.tree.street_a, name="赵通讯")
    piece = actions.submit_piece(acting_user=world.liaison_a, correspondent=person, title="夜市经济火起来",
                                 submitted_on=D(2026, 5, 1))
    record = make_record(world.tree.street_a, "placement", {"placements": 1}, day=D(2026, 5, 3),
                         placement=PlacementInput(outlet=outlet, article_title="夜市经济火起来",
                                                  story_key=piece.story_key))
    before = Placement.objects.count()
    _adopt(world, piece, "municipal", D(2026, 5, 3))
    piece.refresh_from_db()
    assert piece.placement is not None and piece.placement.record_id == record.pk
    assert Placement.objects.count() == before
    other = actions.submit_piece(acting_user=world.liaison_a, correspondent=person, title="另一篇",
                                 submitted_on=D(2026, 5, 1))
    with pytest.raises(InvalidInput, match="只计一次"):
        actions.record_adoption(acting_user=world.staff, submission=other, adopted=True,
                                expected_version=other.version, outlet=outlet, adopted_on=D(2026, 5, 4),
                                placement=piece.placement)


def test_adoption_rules(world: World) -> None:
    person = actions.add_correspondent(acting_user=world.liaison_a, unit=world.tree.street_a, name="钱通讯")
    piece = actions.submit_piece(acting_user=world.liaison_a, correspondent=person, title="稿",
                                 submitted_on=D(2026, 5, 10))
    with pytest.raises(NotPermitted):
        actions.record_adoption(acting_user=world.liaison_a, submission=piece, adopted=True,
                                expected_version=piece.version, outlet=_outlet("district"),
                                adopted_on=D(2026, 5, 11))
    with pytest.raises(InvalidInput, match="早于"):
        actions.record_adoption(acting_user=world.staff, submission=piece, adopted=True,
                                expected_version=piece.version, outlet=_outlet("district"), adopted_on=D(2026, 5, 1))
    _adopt(world, piece, "district", D(2026, 5, 11))
    piece.refresh_from_db()
    with pytest.raises(InvalidTransition):
        _adopt(world, piece, "national", D(2026, 5, 12))


def test_monthly_minimum_and_outstanding_list(world: World, settings: Any) -> None:
    settings.TAIZHANG_CORRESPONDENT_MONTHLY_MINIMUM = 1
    person = actions.add_correspondent(acting_user=world.liaison_a, unit=world.tree.street_a, name="孙通讯")
    piece = actions.submit_piece(acting_user=world.liaison_a, correspondent=person, title="稿件甲",
                                 submitted_on=D(2026, 6, 1))
    _adopt(world, piece, "national", D(2026, 6, 2))
    short = actions.monthly_shortfalls(parse_period("2026-06"), units=[world.tree.street_a, world.tree.street_b])
    assert [(u.code, n, m) for u, n, m in short] == [("SB", 0, 1)]
    assert [s.correspondent.name for s in actions.outstanding(2026)] == ["孙通讯"]


def test_press_figures_through_the_figures_function_are_scoped(world: World) -> None:
    a = open_account(world, world.tree.street_a, last_post=D(2026, 9, 1))
    b = open_account(world, world.tree.street_b, "weibo", "西城微博", last_post=D(2026, 9, 29))
    for account, failed in ((a, []), (b, ["commercial_content", "late_update", "wording_error"])):
        check = actions.check_account(acting_user=world.staff, account=account, on=D(2026, 9, 30))
        actions.record_check(acting_user=world.staff, check=check, failed=failed)
    q3 = parse_period("2026Q3")
    rate = compute("newmedia_pass_rate", period=q3, unit=world.tree.district)
    # a: dormant since 09-01 (29 days) → vetoed; b: 50 points → both fail
    assert rate.value == Decimal(0) and len(rate.records) == 2
    assert compute("newmedia_accounts", period=q3, unit=world.tree.district).value == 2
    assert compute("newmedia_accounts", period=q3, unit=world.tree.district,
                   filters={"platform": "weibo"}).value == 1
    assert compute("newmedia_dormant", period=q3, unit=world.tree.district).records == [a.pk]
    by_unit = compute("newmedia_checks", period=q3, unit=world.tree.district, by="unit")
    assert {row.key: row.value for row in by_unit.breakdown}.get("SA") == 1
    mine = compute("newmedia_checks", period=q3, unit=world.tree.district, user=world.viewer_b)
    assert mine.value == 1 and mine.records == [AccountCheck.objects.get(account=b).pk]


def test_the_quarterly_bulletin_checks_and_a_tampered_number_is_caught(world: World, tmp_path: Path) -> None:
    from taizhang.reports.checker import check_document, check_docx
    from taizhang.reports.docwriter import write_docx

    a = open_account(world, world.tree.street_a, last_post=D(2026, 9, 25))
    b = open_account(world, world.tree.street_b, "weibo", "西城微博", last_post=D(2026, 9, 29))
    for account, failed in ((a, []), (b, ["commercial_content", "late_update", "wording_error"])):
        check = actions.check_account(acting_user=world.staff, account=account, on=D(2026, 9, 30))
        actions.record_check(acting_user=world.staff, check=check, failed=failed)
    doc = bulletin.newmedia_bulletin(world.tree.district, parse_period("2026Q3"), issued_on=D(2026, 10, 10))
    text = doc.plain_text()
    assert "合格率50%" in text.replace(" ", "") or "50%" in text
    assert "西城微博" in text and "发布商业广告" in text
    report = check_document(doc)
    assert report.ok, report.lines()
    assert report.figures > 5 and report.verified == report.figures
    path = tmp_path / "b.docx"
    write_docx(doc, path, appendix=True)
    assert check_docx(path).ok
    # a new failed check after the bulletin: its pass rate no longer holds
    c = open_account(world, world.tree.street_a, "douyin", "东城抖音", last_post=D(2026, 9, 1))
    actions.record_check(acting_user=world.staff, failed=[], check=actions.check_account(
        acting_user=world.staff, account=c, on=D(2026, 9, 30)))
    assert not check_docx(path).ok


def test_the_correspondents_list_names_the_best_with_traceable_points(world: World) -> None:
    from taizhang.reports.checker import check_document

    person = actions.add_correspondent(acting_user=world.liaison_a, unit=world.tree.street_a, name="周通讯")
    piece = actions.submit_piece(acting_user=world.liaison_a, correspondent=person, title="稿件乙",
                                 submitted_on=D(2026, 6, 1), kind="article")
    _adopt(world, piece, "provincial", D(2026, 6, 2))
    doc = bulletin.correspondents_list(world.tree.district, 2026, issued_on=D(2026, 12, 20))
    assert "周通讯" in doc.plain_text()
    report = check_document(doc)
    assert report.ok, report.lines()
    Submission.objects.filter(pk=piece.pk).update(level="district")  # the level corrected after the list
    assert not check_document(doc).ok
