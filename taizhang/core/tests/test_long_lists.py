"""Long lists: the tree-select renders exactly Django's template HTML without one include per option, and the
capped paginator counts at most its cap (exact below it, "超过 N 条" above)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.utils.safestring import mark_safe

from taizhang.core.models import AuditEntry
from taizhang.core.pagination import CappedPaginator
from taizhang.core.widgets import TreeSelect, TreeSelectMultiple


class _Value(str):
    """A choice value carrying the instance, as ModelChoiceIteratorValue does."""

    instance: Any


def _value(pk: str, depth: int, level: str, search: str) -> _Value:
    v = _Value(pk)
    v.instance = SimpleNamespace(tree_depth=depth, tree_level=level, tree_search=search)
    return v


CHOICES: list[Any] = [
    ("", "请选择单位"),
    (_value("1", 0, "区/县", 'A&B "区" <x>'), "东城区"),
    (_value("2", 1, "街道", "dcjd"), mark_safe("　<b>东城街道</b>")),
    ("分组", [("3", "社区 <3>"), ("4", "社区 & 4")]),
    (None, "空值"),
]


@pytest.mark.parametrize("widget_class", [TreeSelect, TreeSelectMultiple])
@pytest.mark.parametrize("value", [None, "1", ["2", "4"], "<none>"])
def test_tree_select_renders_the_same_html_as_djangos_templates(widget_class: type[TreeSelect], value: Any) -> None:
    widget = widget_class(attrs={"class": "wide", "required": True, "disabled": False, "data-x": None},
                          choices=CHOICES)
    attrs = {"id": "id_unit", "aria-describedby": 'help "1"'}
    through_templates = forms.Select.render(widget, "unit", value, attrs=attrs)
    assert widget.render("unit", value, attrs=attrs) == through_templates
    assert "&lt;b&gt;" not in through_templates and "<b>东城街道</b>" in through_templates  # safe label kept
    assert 'data-search="A&amp;B &quot;区&quot; &lt;x&gt;"' in through_templates
    assert ' required' in through_templates and "disabled" not in through_templates


@pytest.mark.django_db
def test_capped_paginator_counts_exactly_below_the_cap_and_stops_above_it() -> None:
    for i in range(7):
        AuditEntry.objects.create(action=f"test.{i}", object_type="x", object_id=str(i))
    qs = AuditEntry.objects.filter(action__startswith="test.").order_by("id")
    exact = CappedPaginator(qs, 2, cap=7)
    assert (exact.count, exact.capped, exact.num_pages, exact.count_label) == (7, False, 4, "共 7 条")
    capped = CappedPaginator(qs, 2, cap=5)
    assert (capped.count, capped.capped, capped.num_pages) == (5, True, 3)
    assert capped.count_label == "超过 5 条"
    page = capped.get_page(99)  # beyond the counted pages: the last counted one
    assert page.number == 3 and [e.action for e in page.object_list] == ["test.4"]
    listed = CappedPaginator(list(range(12)), 5, cap=3)  # a list is counted exactly
    assert (listed.count, listed.capped) == (12, False)


@pytest.mark.django_db
def test_the_record_list_says_more_than_the_cap_and_a_figures_sources_are_counted_exactly(
    tree: Any, taxonomy: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.test import Client

    from taizhang.core import pagination
    from taizhang.core.testing import make_record, make_user

    records = [make_record(tree.street_a, "lecture_event", {"lecture_audience": 10}) for _ in range(4)]
    from taizhang.ledger.views import records as views

    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    client = Client()
    client.force_login(make_user("staff", tree.district))
    html = client.get("/ledger/records/?page=1").content.decode()
    assert "超过 2 条，请用筛选缩小范围" in html
    ids = ",".join(str(r.pk) for r in records)
    traced = client.get(f"/ledger/records/?ids={ids}").content.decode()
    assert "共4条记录" in traced.replace(" ", "")
