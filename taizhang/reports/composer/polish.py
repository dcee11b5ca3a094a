"""Optional hook: let a local language model smooth the wording of a composed draft. Never needed, never on by
default, never networked by this code.

Configure ``TAIZHANG_SUMMARY_POLISHER`` (setting or environment variable) as the dotted path of a callable
``polish(text: str) -> str``. It receives each body paragraph with its figures as tokens ``⟦f12⟧`` and returns
the paragraph reworded. A rewrite is accepted only when every token comes back exactly once, in any order, and
the plain text holds exactly the numbers it held before (as the checker reads numbers); otherwise the original
paragraph is kept. So a model can change words, never a number.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from taizhang.reports.document import Document, Figure, Paragraph, Run
from taizhang.reports.editing import numbers_in, tokens_to_runs

Polisher = Callable[[str], str]
_TOKEN_RE = re.compile(r"⟦([A-Za-z0-9_]+)⟧")


@dataclass
class PolishReport:
    accepted: int = 0
    rejected: int = 0


def get_polisher() -> Polisher | None:
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = str(getattr(settings, "TAIZHANG_SUMMARY_POLISHER", "") or "")  # validated in settings.py
    if not path:
        return None
    func: Polisher = import_string(path)
    return func


def _tokens(runs: list[Run]) -> str:
    return "".join(f"⟦{r.id}⟧" if isinstance(r, Figure) else r for r in runs)


def polish_paragraph(paragraph: Paragraph, polisher: Polisher) -> bool:
    """Replace the paragraph's runs with the polished ones when no number changed; True when accepted."""
    original = _tokens(paragraph.runs)
    try:
        rewritten = polisher(original)
    except Exception:  # a failing model leaves the draft as it was
        return False
    if not isinstance(rewritten, str) or not rewritten.strip():
        return False
    if Counter(_TOKEN_RE.findall(rewritten)) != Counter(_TOKEN_RE.findall(original)):
        return False
    figures = {r.id: r for r in paragraph.runs if isinstance(r, Figure)}
    parsed = tokens_to_runs(rewritten, figures, lambda _ref: None)
    if parsed.unknown:
        return False
    if Counter(numbers_in(parsed.runs)) != Counter(numbers_in(paragraph.runs)):
        return False
    paragraph.runs = parsed.runs
    return True


def polish(doc: Document, polisher: Polisher) -> PolishReport:
    report = PolishReport()
    for block in doc.blocks:
        if isinstance(block, Paragraph) and block.style == "body":
            if polish_paragraph(block, polisher):
                report.accepted += 1
            else:
                report.rejected += 1
    return report
