"""Taxonomy administration: lines, metrics (versioned edits and history), activity types, outlets."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.concurrency import STALE_MESSAGE
from taizhang.core.models import AuditEntry
from taizhang.core.testing import client_for, make_user
from taizhang.ledger.models import MetricDefinition, MetricDefinitionRevision, Outlet
from taizhang.ledger.taxonomy import update_metric

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(taxonomy: Any, tree: Any) -> Any:
    return make_user("sysadmin", tree.district)


PAGES = [
    ("ledger:taxonomy", []), ("ledger:metric_list", []), ("ledger:type_list", []), ("ledger:outlet_list", []),
    ("ledger:outlet_create", []),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_pages_need_manage_org(admin: Any, tree: Any, name: str, args: list[Any]) -> None:
    url = reverse(name, args=args)
    assert Client().get(url).status_code == 302
    assert client_for(make_user("staff", tree.district)).get(url).status_code == 403
    assert client_for(make_user("liaison", tree.street_a)).get(url).status_code == 403
    assert client_for(admin).get(url).status_code == 200


def test_line_list_counts(admin: Any) -> None:
    content = client_for(admin).get(reverse("ledger:taxonomy")).content.decode()
    assert "理论宣讲" in content
    assert "对外宣传" in content


def test_metric_list_filters_by_line(admin: Any) -> None:
    response = client_for(admin).get(reverse("ledger:metric_list"), {"line": "lectures"})
    keys = {row["metric"].key for row in response.context["rows"]}
    assert keys == {"lecture_events", "lecture_audience"}


def test_type_list_shows_metrics(admin: Any) -> None:
    content = client_for(admin).get(reverse("ledger:type_list"), {"line": "lectures"}).content.decode()
    assert "宣讲活动" in content
    assert "受众人数</a>（人次） *" in content


def metric_post(metric: MetricDefinition, **overrides: Any) -> dict[str, Any]:
    data = {
        "name": metric.name, "measure_word": metric.measure_word, "kind": metric.kind,
        "value_type": metric.value_type, "min_value": metric.min_value if metric.min_value is not None else "",
        "max_value": metric.max_value if metric.max_value is not None else "", "aggregation": metric.aggregation,
        "aliases": "，".join(metric.aliases), "sort_order": metric.sort_order, "is_active": "on",
        "version": metric.version,
    }
    data.update(overrides)
    return data


def test_metric_edit_creates_a_revision(admin: Any) -> None:
    metric = MetricDefinition.objects.get(key="lecture_audience")
    c = client_for(admin)
    response = c.post(reverse("ledger:metric_edit", args=[metric.pk]),
                      metric_post(metric, max_value="5000000", aliases="受众，听众，新别称"))
    assert response.status_code == 302
    metric.refresh_from_db()
    assert metric.version == 2
    assert metric.max_value == 5000000
    assert metric.aliases == ["受众", "听众", "新别称"]
    assert MetricDefinitionRevision.objects.filter(metric=metric).count() == 2
    page = c.get(reverse("ledger:metric_edit", args=[metric.pk]))
    assert [r["version"] for r in page.context["revisions"]] == [2, 1]
    assert "历史版本" in page.content.decode()
    assert AuditEntry.objects.filter(action="update", object_type="ledger.metricdefinition").exists()


def test_metric_edit_without_changes_creates_nothing(admin: Any) -> None:
    metric = MetricDefinition.objects.get(key="lecture_audience")
    client_for(admin).post(reverse("ledger:metric_edit", args=[metric.pk]), metric_post(metric))
    metric.refresh_from_db()
    assert metric.version == 1


def test_metric_edit_min_above_max_is_refused(admin: Any) -> None:
    metric = MetricDefinition.objects.get(key="lecture_audience")
    response = client_for(admin).post(reverse("ledger:metric_edit", args=[metric.pk]),
                                      metric_post(metric, min_value="10", max_value="1"))
    assert response.status_code == 200
    assert "最小值不能大于最大值" in response.content.decode()
    metric.refresh_from_db()
    assert metric.version == 1


def test_stale_metric_edit_is_refused_and_input_kept(admin: Any) -> None:
    metric = MetricDefinition.objects.get(key="lecture_audience")
    data = metric_post(metric, name="我的名称")
    update_metric(acting_user=admin, metric=MetricDefinition.objects.get(pk=metric.pk), expected_version=1,
                  name="他人的名称")
    response = client_for(admin).post(reverse("ledger:metric_edit", args=[metric.pk]), data)
    assert response.status_code == 409
    content = response.content.decode()
    assert STALE_MESSAGE in content
    assert 'value="我的名称"' in content
    metric.refresh_from_db()
    assert metric.name == "他人的名称"


def test_outlet_create_and_edit(admin: Any) -> None:
    c = client_for(admin)
    response = c.post(reverse("ledger:outlet_create"), {
        "name": "东城融媒", "aliases": "东城发布, 东城融媒体中心", "level": "district", "kind": "new_media",
        "is_active": "on",
    })
    assert response.status_code == 302
    outlet = Outlet.objects.get(name="东城融媒")
    assert outlet.aliases == ["东城发布", "东城融媒体中心"]
    response = c.post(reverse("ledger:outlet_create"), {"name": "东城融媒", "level": "district", "kind": "app"})
    assert "已在名录中" in response.content.decode()
    page = c.get(reverse("ledger:outlet_edit", args=[outlet.pk]))
    assert page.context["form"].initial["version"] == outlet.version
    response = c.post(reverse("ledger:outlet_edit", args=[outlet.pk]), {
        "name": "东城区融媒体中心", "aliases": "东城融媒", "level": "district", "kind": "app", "is_active": "on",
        "version": outlet.version,
    })
    assert response.status_code == 302
    outlet.refresh_from_db()
    assert outlet.name == "东城区融媒体中心"
    assert outlet.version == 2
    stale = c.post(reverse("ledger:outlet_edit", args=[outlet.pk]), {
        "name": "旧版本的修改", "level": "district", "kind": "app", "version": 1,
    })
    assert stale.status_code == 409
    outlet.refresh_from_db()
    assert outlet.name == "东城区融媒体中心"
    assert AuditEntry.objects.filter(object_type="ledger.outlet").count() == 2


def test_outlet_list_search_by_alias(admin: Any) -> None:
    response = client_for(admin).get(reverse("ledger:outlet_list"), {"q": "人民日报社"})
    names = [o.name for o in response.context["page"].object_list]
    assert names == ["人民日报"]


def test_menu_for_sysadmin(admin: Any) -> None:
    content = client_for(admin).get(reverse("ledger:taxonomy")).content.decode()
    for label in ("单位管理", "用户管理", "指标体系", "媒体名录"):
        assert label in content
    assert reverse("ledger:record_list") not in content  # administrators do not see business data
