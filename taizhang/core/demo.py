"""`taizhang demo`: a realistic, deterministic district. Each app contributes through its own `demo.py`
(a `build(ctx)` function), called in INSTALLED_APPS order: org (units, users) → ledger (records) → targets → …
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from django.apps import apps
from django.db import transaction

DEMO_PASSWORD = "Demo@2024!"


@dataclass
class DemoContext:
    seed: int
    today: datetime.date
    rng: random.Random
    units: dict[str, Any] = field(default_factory=dict)  # code → Unit
    users: dict[str, Any] = field(default_factory=dict)  # username → User
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (username, role label, unit name)
    notes: list[str] = field(default_factory=list)

    def log(self, message: str) -> None:
        self.notes.append(message)


def build(seed: int = 2024, today: datetime.date | None = None, *, scale: float = 1.0) -> DemoContext:
    from django.utils import timezone

    ctx = DemoContext(seed=seed, today=today or timezone.localdate(), rng=random.Random(seed))
    ctx.scale = scale  # type: ignore[attr-defined]
    finishers: list[Any] = []
    for app in apps.get_app_configs():
        if not app.name.startswith("taizhang.") or app.name == "taizhang.core":
            continue
        try:
            module = import_module(f"{app.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app.name}.demo":
                raise
            continue
        with transaction.atomic():
            module.build(ctx)
        finishers.append(getattr(module, "finish", None))
    # After every app's data: an app's demo `finish(ctx)` adds what refers to the others' (the demo notices).
    for finish in finishers:
        if finish is not None:
            with transaction.atomic():
                finish(ctx)
    return ctx
