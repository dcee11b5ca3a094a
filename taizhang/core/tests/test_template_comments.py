"""A `{# … #}` comment that runs over two lines is not a comment in Django: the page prints it as text (the
volunteers' scan and verify pages showed developer notes to the public). Multi-line notes use {% comment %}."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OPEN_ACROSS_LINES = re.compile(r"\{#(?:(?!#\}).)*?\n", re.S)


def test_no_template_has_a_one_line_comment_spanning_lines() -> None:
    templates = list(ROOT.rglob("templates/**/*.html"))
    assert len(templates) > 100  # the search found the project's templates
    offenders = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for match in OPEN_ACROSS_LINES.finditer(text):
            offenders.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}")
    assert offenders == []


def test_the_check_catches_a_comment_over_two_lines() -> None:
    assert OPEN_ACROSS_LINES.search("<p>{# a note\nthat goes on #}</p>")
    assert not OPEN_ACROSS_LINES.search("<p>{# a note #}</p>\n<p>{# another #}</p>")
