"""{% unit_select "unit" units selected %}: the unit tree-select on pages whose forms are written by hand.

`units`: the units the page already offers (scoped by its view); `value`: "pk" (default) or "code", what the
options submit; `empty`: the label of an empty first option (none when not given); `key`: makes the id unique
when a page has one select per row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.forms.models import ModelChoiceIteratorValue
from django.utils.safestring import SafeString

from taizhang.core.widgets import tree_label
from taizhang.org.fields import tree_order
from taizhang.org.models import Unit
from taizhang.org.widgets import UnitTreeSelect

register = template.Library()


@register.simple_tag
def unit_select(name: str, units: Iterable[Unit], selected: Any = None, *, value: str = "pk", empty: str = "",
                id: str = "", key: Any = "", label: str = "", required: bool = False) -> SafeString:
    choices: list[tuple[Any, str]] = [("", empty)] if empty else []
    for unit in tree_order(units):
        choices.append((ModelChoiceIteratorValue(getattr(unit, value), unit),
                        tree_label(unit.name, getattr(unit, "tree_depth", 0))))
    if isinstance(selected, Unit):
        selected = getattr(selected, value)
    auto_id = f"id_{name}_{key}" if key != "" else f"id_{name}"
    attrs: dict[str, Any] = {"id": id or auto_id, "data-placeholder": empty or "请选择单位"}
    if label:
        attrs["aria-label"] = label
    if required:
        attrs["required"] = True
    return UnitTreeSelect(choices=choices).render(name, "" if selected is None else str(selected), attrs=attrs)
