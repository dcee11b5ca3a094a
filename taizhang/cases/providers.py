"""Case figures for the figures function (ledger.providers): 受理量, 办结率, 按时办结率, 满意率, 平均办理时长."""

from __future__ import annotations


def register_all() -> None:
    pass
