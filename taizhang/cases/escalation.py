"""Overdue escalation on rules that are data (EscalationRule): level 1 tells the unit's leaders (reviewers) and
its liaisons, level 2 tells the department's staff. Idempotent: a case's `escalation_level` remembers the highest
level reached, so running the sweep again does nothing new. Reset when the deadline moves (extension, reopen)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from taizhang.cases.models import Case, CaseEvent, EscalationRule
from taizhang.cases.registry import get_kind
from taizhang.cases.workdays import working_days_between
from taizhang.core import audit
from taizhang.org.roles import Cap

BATCH = 500


def _rules() -> dict[str, list[tuple[int, int]]]:
    """kind ('' = all) → [(after_working_days, level)] sorted by level."""
    rules: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for rule in EscalationRule.objects.filter(is_active=True):
        rules[rule.kind].append((rule.after_working_days, rule.level))
    for value in rules.values():
        value.sort(key=lambda r: r[1])
    return rules


def target_level(rules: dict[str, list[tuple[int, int]]], kind: str, overdue_days: int) -> int:
    """The highest level whose rule applies (a kind's own rules replace the general ones)."""
    applicable = rules.get(kind) or rules.get("", [])
    level = 0
    for after, lvl in applicable:
        if overdue_days >= after and lvl > level:
            level = lvl
    return level


def escalate_overdue(now: datetime.datetime | None = None) -> int:
    from taizhang.cases import actions

    now = now or actions._now()
    today = timezone.localdate(now)
    rules = _rules()
    if not rules:
        return 0
    max_level = max(lvl for value in rules.values() for _a, lvl in value)
    overdue_cache: dict[datetime.date, int] = {}
    candidates = (
        Case.objects.filter(state__in=Case.RUNNING_STATES, deadline__lt=today, escalation_level__lt=max_level)
        .order_by("unit_id", "id").values_list("id", "kind", "deadline", "escalation_level")
    )
    todo: list[tuple[int, int, int]] = []  # (case id, from level, to level), grouped by unit
    for case_id, kind, deadline, level in candidates.iterator(chunk_size=2000):
        if deadline is None:
            continue
        if deadline not in overdue_cache:
            overdue_cache[deadline] = working_days_between(deadline, today)
        target = target_level(rules, kind, overdue_cache[deadline])
        if target > level:
            todo.append((case_id, level, target))
    steps = 0
    for start in range(0, len(todo), BATCH):
        steps += _escalate_batch(todo[start:start + BATCH], now, today)
    return steps


# A unit with more overdue cases than this at one level in one sweep gets one summary notice, not one per case.
SUMMARY_OVER = 3


@transaction.atomic
def _escalate_batch(batch: list[tuple[int, int, int]], now: datetime.datetime, today: datetime.date) -> int:
    steps = 0
    wanted = {case_id: (from_level, to_level) for case_id, from_level, to_level in batch}
    # Re-check under the transaction (rows locked where the database can): a case another sweep moved, or that
    # was handled meanwhile, is left alone — the sweep is idempotent.
    current = Case.objects.select_for_update().filter(pk__in=list(wanted), state__in=Case.RUNNING_STATES)
    cases = {c.pk: c for c in current.select_related("unit") if c.escalation_level == wanted[c.pk][0]}
    by_target: dict[int, list[int]] = defaultdict(list)
    for case_id, (_from, to_level) in wanted.items():
        if case_id in cases:
            by_target[to_level].append(case_id)
    for to_level, ids in by_target.items():
        Case.objects.filter(pk__in=ids).update(escalation_level=to_level, updated_at=now)
    events: list[CaseEvent] = []
    groups: dict[tuple[int, int], list[Case]] = defaultdict(list)
    for case_id, (from_level, to_level) in wanted.items():
        case = cases.get(case_id)
        if case is None:
            continue
        for level in range(from_level + 1, to_level + 1):
            who = "责任单位负责人" if level == 1 else "宣传部"
            events.append(CaseEvent(case=case, kind=CaseEvent.Kind.ESCALATE, from_state=case.state,
                                    to_state=case.state, unit=case.unit, at=now,
                                    text=f"办理期限{_fmt_day(case.deadline)}已过，{level}级督办：已通知{who}"))
            groups[(case.unit_id, level)].append(case)
            kind = get_kind(case.kind)
            if kind is not None and kind.on_escalate is not None:
                kind.on_escalate(case, level)
            steps += 1
        case.escalation_level = to_level
    CaseEvent.objects.bulk_create(events, batch_size=1000)
    for (_unit_id, level), group in groups.items():
        _notify(group, level)
    audit.record_many("case_escalate", list(cases.values()), user=None,
                      message="逾期督办", fields=["state", "escalation_level", "deadline"])
    return steps


def _fmt_day(day: datetime.date | None) -> str:
    from taizhang.cases.actions import _fmt

    return _fmt(day)


def _notify(group: list[Case], level: int) -> None:
    from django.urls import reverse

    from taizhang.cases.actions import _tell_leaders, _tell_staff, _tell_unit

    first = group[0]
    url = ""
    if len(group) > SUMMARY_OVER:
        url = f"{reverse('cases:case_list')}?unit={first.unit.code}&overdue=on"
        title = f"{first.unit.name}有 {len(group)} 件工单逾期（{level}级督办）"
        body = "、".join(c.title for c in group[:5]) + ("等" if len(group) > 5 else "") + "，请尽快办理。"
        targets = [(first, title, body)]
    else:
        targets = [(c, f"工单逾期（{level}级督办）：{c.title}",
                    f"{c.unit.name}的工单办理期限{_fmt_day(c.deadline)}已过，请尽快办理。") for c in group]
    for case, title, body in targets:
        if level == 1:
            _tell_unit(case, "case.overdue", title, body, cap=Cap.EDIT_RECORDS, url=url)
            _tell_leaders(case, "case.overdue", title, body, url=url)
        else:
            _tell_staff(case, "case.overdue", title, body, url=url)
