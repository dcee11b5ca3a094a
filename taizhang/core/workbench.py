"""The workbench (工作台): the home page, made of panels that apps register.

```python
from taizhang.core.workbench import WorkbenchPanel, register
register(WorkbenchPanel("ledger.returned", "被退回的记录", "ledger/_wb_returned.html", context=returned_ctx, order=20))
```

``context(user)`` returns the template's context, or None when the panel is not for this user (no capability,
nothing to show). Register in ``AppConfig.ready()`` or in a ``workbench.py`` module of the app (imported on first
use). Keep each context to one or two queries: the page's p95 budget is 300 ms for every role.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)
PanelContext = Callable[[Any], dict[str, Any] | None]


@dataclass(frozen=True)
class WorkbenchPanel:
    key: str
    title: str
    template: str
    context: PanelContext | None = None
    order: int = 100
    wide: bool = field(default=False, compare=False)


@dataclass
class RenderedPanel:
    panel: WorkbenchPanel
    context: dict[str, Any]

    @property
    def key(self) -> str:
        return self.panel.key

    @property
    def title(self) -> str:
        return self.panel.title

    @property
    def template(self) -> str:
        return self.panel.template


PANELS: dict[str, WorkbenchPanel] = {}
_discovered = False


def register(panel: WorkbenchPanel) -> WorkbenchPanel:
    PANELS[panel.key] = panel  # by key: registering again (tests, reloads) replaces
    return panel


def unregister(key: str) -> None:
    PANELS.pop(key, None)


def autodiscover() -> None:
    global _discovered
    if _discovered:
        return
    from importlib import import_module

    from django.apps import apps

    for app in apps.get_app_configs():
        if app.name.startswith("taizhang."):
            try:
                import_module(f"{app.name}.workbench")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app.name}.workbench":
                    raise
    _discovered = True


def panels_for(user: Any) -> list[RenderedPanel]:
    """The panels this user sees, in order, each with its context."""
    autodiscover()
    out: list[RenderedPanel] = []
    for panel in sorted(PANELS.values(), key=lambda p: (p.order, p.key)):
        try:
            ctx = panel.context(user) if panel.context is not None else {}
        except Exception:  # one broken panel must not take the home page down
            log.exception("workbench panel %s failed", panel.key)
            continue
        if ctx is None:
            continue
        out.append(RenderedPanel(panel, ctx))
    return out
