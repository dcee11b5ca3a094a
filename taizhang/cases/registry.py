"""Kinds of case, registered by apps in their AppConfig.ready().

```python
register_kind(CaseKind(key="citizen_report", name="随手拍", sla_working_days=3, has_citizen=True,
                       subject_url=lambda obj: reverse(...), on_state_change=callback_or_None))
```
`on_state_change(case, old_state, new_state)` runs inside the action's transaction after the case is saved;
`on_escalate(case, level)` (optional) when the overdue sweep raises a case to a new escalation level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CaseKind:
    key: str
    name: str
    sla_working_days: int = 5
    has_citizen: bool = False
    subject_url: Callable[[Any], str | None] | None = None
    on_state_change: Callable[[Any, str, str], None] | None = None
    description: str = ""
    on_escalate: Callable[[Any, int], None] | None = None  # callback(case, level) when the sweep escalates it
    verified_by: str = "宣传部"  # who checks a handled case, as the case panel names them (“待区文明办测评人员复查”)
    verify_word: str = "核查"

    @property
    def verified_on_subject(self) -> bool:
        """A handled case checked by someone other than 宣传部 is checked on its subject's page (测评问题:
        区文明办测评人员 复查销号 on the problem page), not on the case page: the case page says so to whoever waits."""
        return self.verified_by != "宣传部" and self.subject_url is not None


KINDS: dict[str, CaseKind] = {}

# Always present: a case staff open by hand (督办件) with no subject.
GENERAL = CaseKind(key="general", name="督办件", sla_working_days=5)


def register_kind(kind: CaseKind) -> CaseKind:
    KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> CaseKind | None:
    return KINDS.get(key)


def kind_name(key: str) -> str:
    kind = KINDS.get(key)
    return kind.name if kind else key


def kind_choices() -> list[tuple[str, str]]:
    return [(k.key, k.name) for k in sorted(KINDS.values(), key=lambda k: k.key)]


register_kind(GENERAL)
