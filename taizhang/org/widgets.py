"""The unit tree-select (issue 17): `core.widgets.TreeSelect` with the unit's level and what one may type."""

from __future__ import annotations

from taizhang.core.widgets import TreeSelect, TreeSelectMultiple

UNIT_SEARCH_PLACEHOLDER = "输入单位名称、拼音首字母或代码搜索"


class UnitTreeSelect(TreeSelect):
    def __init__(self, attrs: dict[str, str] | None = None, choices: object = ()) -> None:
        super().__init__(attrs, choices, search_placeholder=UNIT_SEARCH_PLACEHOLDER)


class UnitTreeSelectMultiple(TreeSelectMultiple):
    def __init__(self, attrs: dict[str, str] | None = None, choices: object = ()) -> None:
        super().__init__(attrs, choices, search_placeholder=UNIT_SEARCH_PLACEHOLDER)
