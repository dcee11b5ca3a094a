"""{% unit_select "unit" units selected %}: the unit tree-select on pages whose forms are written by hand.

`units`: the units the page already offers (scoped by its view), or objects holding one in attribute `of`
(e.g. ranking results: `of="unit"`); `selected`: a unit, a value, or a list of either with `multiple=True`;
`value`: "pk" (default) or "code", what the options submit; `empty`: the label of an empty first option (none
when not given); `key`: makes the id unique when a page has one select per row."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.forms.models import ModelChoiceIteratorValue
from django.utils.safestring import SafeString

from taizhang.core.widgets import tree_label
from taizhang.org.fields import tree_order
from taizhang.org.models import Unit
from taizhang.org.widgets import UnitTreeSelect, UnitTreeSelectMultiple

register = template.Library()


def _value(item: Any, value: str) -> str:
    return str(getattr(item, value)) if isinstance(item, Unit) else str(item)


@register.simple_tag
def unit_select(name: str, units: Iterable[Any], selected: Any = None, *, value: str = "pk", empty: str = "",
                id: str = "", key: Any = "", label: str = "", required: bool = False, multiple: bool = False,
                of: str = "") -> SafeString:
    offered = [getattr(u, of) for u in units] if of else list(units)
    choices: list[tuple[Any, str]] = [("", empty)] if empty and not multiple else []
    for unit in tree_order(offered):
        choices.append((ModelChoiceIteratorValue(getattr(unit, value), unit),
                        tree_label(unit.name, getattr(unit, "tree_depth", 0))))
    current: Any
    if multiple:
        current = [_value(s, value) for s in (selected or [])]
    else:
        current = "" if selected is None else _value(selected, value)
    auto_id = f"id_{name}_{key}" if key != "" else f"id_{name}"
    attrs: dict[str, Any] = {"id": id or auto_id, "data-placeholder": empty or "请选择单位"}
    if label:
        attrs["aria-label"] = label
    if required:
        attrs["required"] = True
    widget = UnitTreeSelectMultiple(choices=choices) if multiple else UnitTreeSelect(choices=choices)
    return widget.render(name, current, attrs=attrs)
