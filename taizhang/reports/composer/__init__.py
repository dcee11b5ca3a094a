"""The summary composer: a draft work summary (工作总结) of a scope and period, composed from the ledger.

``compose(unit, period)`` returns a :class:`ComposeResult`: the :class:`~taizhang.reports.document.Document`
(every number a Figure with its source) and the candidate problems. Sentences come from the phrase library
(``composer.phrases``: LineOfWork phrases and ``reports/defaults/phrases.json``), numbers from
``ledger.figures.compute``. Same ledger, same draft: no randomness, no clock (the date is the period's end unless
given; only 去年同期 of a period still running reads "today", as the dashboard does), no network, no language
model. ``composer.polish`` is an optional hook for a local model to smooth the
wording; any change to a number is rejected.
"""

from taizhang.reports.composer.context import ComposeOptions
from taizhang.reports.composer.draft import ComposeResult, compose, ordinal, problem_runs
from taizhang.reports.composer.problems import Candidate

__all__ = ["Candidate", "ComposeOptions", "ComposeResult", "compose", "ordinal", "problem_runs"]
