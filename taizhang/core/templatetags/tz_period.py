"""{% period_picker "period" spec %}: the shared period picker on pages whose filters are written by hand.

The view reads the SPEC with `core.widgets.period_value(request.GET, "period")` (the picker's parts without JS,
the single `period` with JS or from a link)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from taizhang.core.widgets import PeriodPicker

register = template.Library()


@register.simple_tag
def period_picker(name: str, value: Any = "", *, id: str = "", required: bool = True,
                  empty_label: str = "不限时间") -> SafeString:
    widget = PeriodPicker(allow_empty=not required, empty_label=empty_label)
    return widget.render(name, value, attrs={"id": id or f"id_{name}"})
