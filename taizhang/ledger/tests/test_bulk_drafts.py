"""Finding the Excel import (menu entry, link on the record list), the import's records listed as such, and bulk
submit / bulk delete of drafts on the record list (issue 17)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import reverse

from taizhang.core.models import AuditEntry
from taizhang.core.testing import client_for, make_record, make_user
from taizhang.ledger import actions
from taizhang.ledger.models import ImportBatch, Record

pytestmark = pytest.mark.django_db


def test_menu_and_record_list_link_to_the_excel_import(taxonomy: Any, tree: Any) -> None:
    liaison = make_user("liaison", tree.street_a)
    page = client_for(liaison).get(reverse("ledger:record_list")).content.decode()
    url = reverse("ledger:excel_import")
    assert page.count(f'href="{url}"') == 2  # the menu and the list's header
    assert "Excel 导入" in page
    viewer = make_user("viewer", tree.street_a)
    assert f'href="{url}"' not in client_for(viewer).get(reverse("ledger:record_list")).content.decode()


def test_import_batch_list_is_titled_as_the_import(taxonomy: Any, tree: Any) -> None:
    liaison = make_user("liaison", tree.street_a)
    batch = ImportBatch.objects.create(sha256="0" * 64, filename="东城四月.xlsx", unit=tree.street_a,
                                       status=ImportBatch.Status.COMMITTED, created=1, created_by=liaison)
    mine = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 10}, status="draft", title="导入的")
    Record.objects.filter(pk=mine.pk).update(import_batch=batch)
    make_record(tree.community_a1, "lecture_event", {"lecture_audience": 10}, status="draft", title="手填的")
    page = client_for(liaison).get(reverse("ledger:record_list"), {"batch": batch.pk}).content.decode()
    assert "Excel 导入的记录" in page
    assert "东城四月.xlsx" in page
    assert "构成该统计数字" not in page
    assert "导入的" in page and "手填的" not in page


def test_bulk_submit_and_delete_of_drafts(taxonomy: Any, tree: Any) -> None:
    liaison = make_user("liaison", tree.street_a)
    day = datetime.date(2024, 5, 12)
    ok = [make_record(tree.community_a1, "lecture_event", {"lecture_audience": 10}, status="draft", day=day)
          for _ in range(3)]
    incomplete = make_record(tree.community_a1, "lecture_event", {}, status="draft", day=day, title="缺数据")
    approved = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 10}, status="approved", day=day)
    outside = make_record(tree.community_b1, "lecture_event", {"lecture_audience": 10}, status="draft", day=day)
    client = client_for(liaison)
    page = client.get(reverse("ledger:record_list")).content.decode()
    assert "批量报送" in page and "批量删除" in page
    assert f'name="selected" value="{ok[0].pk}"' in page
    assert f'name="selected" value="{approved.pk}"' not in page  # only drafts can be ticked

    selected = [r.pk for r in ok] + [incomplete.pk, approved.pk, outside.pk]
    response = client.post(reverse("ledger:record_bulk"), {"operation": "submit", "selected": selected}, follow=True)
    body = response.content.decode()
    assert "已报送 3 条草稿" in body
    assert "3 条未报送" in body and "缺数据" in body
    assert Record.objects.filter(pk__in=[r.pk for r in ok], status="submitted").count() == 3
    assert Record.objects.get(pk=incomplete.pk).status == "draft"
    assert Record.objects.get(pk=outside.pk).status == "draft"  # outside the liaison's units: untouched
    assert AuditEntry.objects.filter(action="submit", object_type="ledger.record").count() >= 3

    drafts = [make_record(tree.community_a1, "lecture_event", {"lecture_audience": 1}, status="draft", day=day)
              for _ in range(2)]
    response = client.post(reverse("ledger:record_bulk"),
                           {"operation": "delete", "selected": [d.pk for d in drafts] + [ok[0].pk]}, follow=True)
    body = response.content.decode()
    assert "已删除 2 条草稿" in body
    assert "1 条未删除" in body
    assert not Record.objects.filter(pk__in=[d.pk for d in drafts]).exists()
    assert Record.objects.filter(pk=ok[0].pk).exists()


def test_bulk_without_selection_or_right_is_refused(taxonomy: Any, tree: Any) -> None:
    liaison = make_user("liaison", tree.street_a)
    body = client_for(liaison).post(reverse("ledger:record_bulk"), {"operation": "submit"}, follow=True)
    assert "请先勾选" in body.content.decode()
    huge = client_for(liaison).post(reverse("ledger:record_bulk"),
                                    {"operation": "submit", "selected": ["99999999999999999999"]}, follow=True)
    assert huge.status_code == 200 and "请先勾选" in huge.content.decode()  # no such record: not a 400 or a 500
    viewer = make_user("viewer", tree.street_a)
    draft = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 1}, status="draft")
    response = client_for(viewer).post(reverse("ledger:record_bulk"), {"operation": "delete", "selected": [draft.pk]})
    assert response.status_code == 403
    assert Record.objects.filter(pk=draft.pk).exists()


def test_bulk_drafts_action_rejects_unknown_operation(taxonomy: Any, tree: Any) -> None:
    from taizhang.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        actions.bulk_drafts(acting_user=None, records=[], operation="approve")
