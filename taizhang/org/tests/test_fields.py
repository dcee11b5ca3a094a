"""The unit tree-select field (issue 17): tree order, indentation, level, placeholder, scope."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django import forms

from taizhang.core.testing import make_user
from taizhang.org import actions as org_actions
from taizhang.org.fields import UnitChoiceField, UnitMultipleChoiceField
from taizhang.org.models import Unit
from taizhang.org.roles import Cap

pytestmark = pytest.mark.django_db


def _labels(field: forms.ModelChoiceField) -> list[str]:
    return [str(label) for _value, label in cast(Any, field.choices)]


def _render(field: forms.Field) -> str:
    return str(cast(forms.Widget, field.widget).render("unit", None))


def test_units_in_tree_order_indented_with_level_and_chinese_placeholder(tree: Any) -> None:
    # Created out of order: a late sibling with a small 排序 goes first, a community's subtree follows its street.
    org_actions.create_unit(acting_user=None, code="S0", name="北城街道", kind=Unit.Kind.STREET,
                            parent=tree.district, sort_order=0)
    field = UnitChoiceField(Unit.objects.order_by("-name"))
    assert _labels(field) == [
        "请选择单位", "测试区委宣传部", "　北城街道", "　东城街道", "　　东一社区", "　　东二社区",
        "　西城街道", "　　西一社区", "　区教育局",
    ]
    html = _render(field)
    assert "---------" not in html
    assert 'data-tz-tree="1"' in html and 'class="tz-tree-select"' in html
    assert 'data-level="社区"' in html and 'data-depth="2"' in html
    assert 'data-search="东一社区 SA1 dongyishequ dysq"' in html


def test_units_are_found_by_pinyin_full_or_initials_with_phrase_readings(tree: Any) -> None:
    from taizhang.org.fields import pinyin_keys, tree_order

    assert pinyin_keys("东城街道") == "dongchengjiedao dcjd"
    assert pinyin_keys("重庆路社区") == "chongqinglushequ cqlsq"  # 重 read as chong in 重庆
    assert pinyin_keys("2号楼") == "haolou hl"  # digits and marks are not pinyin
    org_actions.create_unit(acting_user=None, code="S9", name="长安街道", short_name="长安", kind=Unit.Kind.STREET,
                            parent=tree.district)
    found = {u.code: u.tree_search for u in tree_order(Unit.objects.all())}  # type: ignore[attr-defined]
    assert "cajd" in found["S9"] and "changan ca" in found["S9"] and "dcjd" not in found["S9"]


def test_units_limited_to_the_queryset_of_the_users_scope(tree: Any) -> None:
    user = make_user("staff", tree.street_a)
    field = UnitChoiceField(Unit.objects.visible_to(user, Cap.VIEW), to_field_name="code")
    assert _labels(field) == ["请选择单位", "东城街道", "　东一社区", "　东二社区"]
    assert field.clean("SA1") == tree.community_a1
    with pytest.raises(forms.ValidationError):
        field.clean("SB1")  # a unit outside the scope is refused
    assert "西城街道" not in _render(field)


def test_depth_counts_offered_ancestors_only(tree: Any) -> None:
    field = UnitChoiceField(Unit.objects.filter(code__in=["SA", "SB1"]), empty_label=None)
    assert _labels(field) == ["东城街道", "西一社区"]  # SB is not offered: 西一社区 is a top entry


def test_multiple_field_and_custom_empty_label(tree: Any) -> None:
    field = UnitMultipleChoiceField(Unit.objects.filter(path__startswith=tree.street_b.path))
    assert _labels(field) == ["西城街道", "　西一社区"]
    assert list(field.clean([str(tree.community_b1.pk)])) == [tree.community_b1]
    single = UnitChoiceField(Unit.objects.all(), empty_label="全部单位", required=False)
    assert _labels(single)[0] == "全部单位"
    assert 'data-placeholder="全部单位"' in _render(single)
