"""The summary parsers (figures, slots, unsourced numbers) do work linear in their input.

Each input below is one that took seconds to half a minute at a few thousand characters before the patterns were
rewritten (nested qualifier loops, a backtracking e-mail pattern, a line scan per "=" mark, a span check per
number); at the sizes used here the old code would run for many minutes, so a regression shows as a stuck suite.
The timings themselves are measured in bench/bench_parsers.py, not asserted here.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from taizhang.reports.extract import extract
from taizhang.reports.numbers import parse_core
from taizhang.reports.slots import find_slots

SIZE = 200_000

ADVERSARIAL = {
    "repeated qualifier 共": "共" * SIZE,
    "repeated qualifier 不少于": "不少于" * (SIZE // 3),
    "one long run of digits": "1" * SIZE,
    "digits then a letter (e-mail pattern)": "1" * SIZE + "a",
    "= marks with dots": "==." * (SIZE // 3),
    "= marks on one line": "=" * SIZE,
    "qualifier and digit": "共1" * (SIZE // 2),
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_figures_of_adversarial_text_come_back(text: str) -> None:
    figures = extract(text)
    # none of these is a figure with a measure word; whatever is read must be a sane number
    assert all(f.value is None or abs(f.value) < Decimal(10) ** 16 for f in figures)


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_slots_of_adversarial_text_come_back(text: str) -> None:
    slots = find_slots(text)
    assert all(slot.span[0] < slot.span[1] for slot in slots)


def test_an_underline_of_equals_is_not_a_slot_but_a_mark_in_text_is() -> None:
    slots = find_slots("标题\n" + "=" * 40 + "\n全年开展活动==场。")
    assert [s.unit for s in slots] == ["场"]


def test_unreadably_long_numbers_are_no_figures() -> None:
    assert parse_core("1" * 40) is None
    assert parse_core("9" * 17) is None  # beyond 10^16
    assert parse_core("123,456,789") == Decimal(123456789)
    assert extract("共" + "1" * 5000 + "场") == []


def test_a_normal_sentence_still_reads() -> None:
    figures = extract("全年累计开展宣讲活动1,200余场，覆盖群众3.5万人次。")
    assert [(f.value, f.unit) for f in figures] == [(Decimal(1200), "场"), (Decimal(35000), "人次")]


@pytest.mark.django_db
def test_unsourced_numbers_are_linear_in_the_numbers_found() -> None:
    from taizhang.reports.editing import unsourced_numbers

    text = "1余" * (SIZE // 2)
    spans = unsourced_numbers(text)
    assert spans == sorted(spans)
    assert len(spans) == len(set(spans))
