"""Unit form fields (issue 17): one tree-select everywhere units are chosen.

`UnitChoiceField(queryset, …)` offers the units of `queryset` (pass the scoped queryset the form already uses,
e.g. `Unit.objects.visible_to(user, cap)`) in tree order: a parent before its subtree, siblings by 排序 then code,
indented below the top-most offered unit, with the level (街道, 社区 …) and a Chinese placeholder "请选择单位".
The widget (`org.widgets.UnitTreeSelect`) is a plain <select> enhanced by pickers.js into a searchable list.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.forms.models import ModelChoiceIterator

from taizhang.core.numbers import ID_MAX
from taizhang.core.widgets import tree_label
from taizhang.org.models import Unit
from taizhang.org.widgets import UnitTreeSelect, UnitTreeSelectMultiple

EMPTY_LABEL = "请选择单位"


def _path_ids(unit: Unit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part.isdigit()]


@functools.lru_cache(maxsize=8192)
def pinyin_keys(name: str) -> str:
    """What typing in pinyin may match: the full pinyin and the initials of a name ("东城街道" → "dongchengjiedao
    dcjd"), from pypinyin's shipped dictionary (phrases decide heteronyms: 重庆 chongqing, 长安 changan)."""
    from pypinyin import lazy_pinyin

    syllables = [s for s in lazy_pinyin(name, errors="ignore") if s.isascii() and s.isalpha()]
    if not syllables:
        return ""
    return "".join(syllables) + " " + "".join(s[0] for s in syllables)


def tree_order(units: Iterable[Unit]) -> list[Unit]:
    """`units` in tree order, each annotated with `tree_depth` (how many of its ancestors are in the list),
    `tree_level` (its kind in Chinese) and `tree_search` (name, short name, code and the pinyin of the name and
    short name, full and initials, for typing)."""
    units = list(units)
    known = {u.pk: (u.sort_order, u.code) for u in units}
    missing = {pk for u in units for pk in _path_ids(u)} - set(known)
    if missing:
        known.update({pk: (order, code) for pk, order, code in
                      Unit.objects.filter(pk__in=missing).values_list("pk", "sort_order", "code")})
    offered = {u.pk for u in units}

    def key(unit: Unit) -> tuple[Any, ...]:
        return tuple((*known.get(pk, (0, "")), pk) for pk in (_path_ids(unit) or [unit.pk]))

    ordered = sorted(units, key=key)
    for unit in ordered:
        ancestors = [pk for pk in _path_ids(unit) if pk != unit.pk]
        unit.tree_depth = sum(1 for pk in ancestors if pk in offered)  # type: ignore[attr-defined]
        unit.tree_level = unit.get_kind_display()  # type: ignore[attr-defined]
        unit.tree_search = " ".join(filter(None, [  # type: ignore[attr-defined]
            unit.name, unit.short_name, unit.code, pinyin_keys(unit.name),
            pinyin_keys(unit.short_name) if unit.short_name else ""]))
    return ordered


class UnitTreeIterator(ModelChoiceIterator):
    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for unit in tree_order(self.queryset):
            yield self.choice(unit)


class _UnitFieldMixin:
    def label_from_instance(self, obj: Any) -> str:
        return tree_label(obj.name, getattr(obj, "tree_depth", 0))


class UnitChoiceField(_UnitFieldMixin, forms.ModelChoiceField):
    """One unit, chosen in the tree-select."""

    widget = UnitTreeSelect
    iterator = UnitTreeIterator

    def __init__(self, queryset: QuerySet[Unit] | None = None, *, empty_label: str | None = EMPTY_LABEL,
                 **kwargs: Any) -> None:
        kwargs.setdefault("label", "单位")
        super().__init__(queryset if queryset is not None else Unit.objects.none(), empty_label=empty_label,
                         **kwargs)
        self.widget.attrs.setdefault("data-placeholder", self.empty_label or EMPTY_LABEL)


class UnitMultipleChoiceField(_UnitFieldMixin, forms.ModelMultipleChoiceField):
    """Several units, chosen in the tree-select (with JS a list of ticks, without a multiple <select>)."""

    widget = UnitTreeSelectMultiple
    iterator = UnitTreeIterator

    def __init__(self, queryset: QuerySet[Unit] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("label", "单位")
        super().__init__(queryset if queryset is not None else Unit.objects.none(), **kwargs)
        self.widget.attrs.setdefault("data-placeholder", EMPTY_LABEL)

    def clean(self, value: Any) -> Any:
        # An id past 2147483647 is no unit: refused here as any unknown unit is. Django would put it into
        # `pk IN (…)`, which SQLite cannot bind (OverflowError: a bare 400 that lost the whole form).
        if self.to_field_name is None and isinstance(value, (list, tuple)):
            for part in value:
                text = str(part).strip()
                if text and (not text.isascii() or not text.isdigit() or len(text) > 10 or int(text) > ID_MAX):
                    raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice",
                                                params={"value": text[:24]})
        return super().clean(value)
