"""The monitoring pages: every page renders for staff; forms go through the actions with Chinese errors."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from taizhang.core.testing import make_user
from taizhang.monitor.models import Brief, IngestBatch, MonitorItem, Source, WatchList
from taizhang.monitor.tests.helpers import headlines

pytestmark = pytest.mark.django_db


def test_watchlist_form_reports_expression_errors_with_position(staff, client):
    client.force_login(staff)
    resp = client.post(reverse("monitor:watchlist_create"), {
        "key": "chai", "name": "拆迁", "purpose": "topic", "enabled": "on",
        "expression": "(万柏林 OR 万柏林区) AND (拆迁 OR",
    })
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "第 23 个字符处" in page and "后面缺少检索词" in page
    assert "(万柏林 OR 万柏林区) AND (拆迁 OR</textarea>" in page and 'value="拆迁"' in page
    assert not WatchList.objects.exists()
    resp = client.post(reverse("monitor:watchlist_create"), {
        "key": "chai", "name": "拆迁", "purpose": "topic",
        "expression": "(万柏林 OR 万柏林区) AND (拆迁 OR 补偿) NOT 招聘",
        "enabled": "on",
    })
    assert resp.status_code == 302 and WatchList.objects.get().key == "chai"
    only_not = client.post(reverse("monitor:watchlist_create"), {"key": "x", "name": "x", "purpose": "topic",
                                                                "expression": "NOT 招聘"})
    assert "只有排除条件" in only_not.content.decode()


def test_source_pages_and_api_token_shown_once(staff, client):
    client.force_login(staff)
    resp = client.post(reverse("monitor:source_create"), {
        "name": "外部采集器", "kind": "api", "schedule_minutes": 30, "timeout_seconds": 20, "max_bytes": 5000000,
        "max_articles": 20, "enabled": "on",
    })
    assert resp.status_code == 200 and "tzm_" in resp.content.decode()
    source = Source.objects.get(name="外部采集器")
    assert source.token_hash and source.token_hint
    bad = client.post(reverse("monitor:source_create"), {
        "name": "坏订阅", "kind": "feed", "url": "ftp://x", "schedule_minutes": 30, "timeout_seconds": 20,
        "max_bytes": 5000000, "max_articles": 20,
    })
    assert bad.status_code == 400 and 'value="坏订阅"' in bad.content.decode()
    assert "http://" in bad.content.decode() and not Source.objects.filter(name="坏订阅").exists()
    assert client.get(reverse("monitor:source_list")).status_code == 200
    assert client.get(reverse("monitor:source_edit", args=[source.pk])).status_code == 200


def test_upload_export_file(staff, client, django_capture_on_commit_callbacks):
    client.force_login(staff)
    rows = "\n".join(f"{h},{h}。详细内容第{i}段,https://u.example.cn/{i},2024-05-01 10:{i:02d},导出平台"
                     for i, h in enumerate(headlines()[:12]))
    data = ("标题,正文,链接,发布时间,来源\n" + rows).encode("utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.post(reverse("monitor:source_upload"), {"file": SimpleUploadedFile("export.csv", data)})
    assert resp.status_code == 302
    assert IngestBatch.objects.get().status == "done" and MonitorItem.objects.count() == 12
    broken = "标题,发布时间\n,2024-05-01\n好标题,不是时间\n".encode()
    refused = client.post(reverse("monitor:source_upload"), {"file": SimpleUploadedFile("bad.csv", broken)})
    assert refused.status_code == 400 and IngestBatch.objects.count() == 1
    page = refused.content.decode()  # the sources page again, the problem under the file field, naming the file
    assert "“bad.csv”未导入" in page and "第 2 行" in page and "第 3 行" in page and "tz-field__error" in page
    empty = client.post(reverse("monitor:source_upload"), {})
    assert empty.status_code == 400 and "tz-field__error" in empty.content.decode()


def test_a_stale_watchlist_save_answers_409_and_keeps_what_was_typed(staff, client):
    from taizhang.monitor import actions

    client.force_login(staff)
    wl = actions.create_watchlist(acting_user=staff, key="k1", name="旧名", purpose="topic", expression="拆迁")
    resp = client.post(reverse("monitor:watchlist_edit", args=[wl.pk]), {
        "key": "k1", "name": "我改的名字", "purpose": "topic", "expression": "拆迁 OR 补偿",
        "version": wl.version + 5})
    page = resp.content.decode()
    assert resp.status_code == 409
    assert 'value="我改的名字"' in page and "已被他人修改" in page
    wl.refresh_from_db()
    assert wl.name == "旧名"


def test_pages_render(staff, client, tree):
    from taizhang.monitor.tests.test_flow import make_incident

    inc = make_incident(assigned_unit=tree.street_a, status="assigned")
    client.force_login(staff)
    for name in ("incident_list", "item_list", "alert_list", "channel_create", "brief_list", "source_list",
                 "source_create", "watchlist_list", "watchlist_create", "proposal_list"):
        assert client.get(reverse(f"monitor:{name}")).status_code == 200, name
    detail = client.get(reverse("monitor:incident_detail", args=[inc.pk])).content.decode()
    assert 'data-chart-json="chart-curves"' in detail and 'id="chart-curves"' in detail and "style=" not in detail
    resp = client.post(reverse("monitor:brief_create"), {"date": "2024-05-01"})
    brief = Brief.objects.get()
    assert resp.status_code == 302 and client.get(reverse("monitor:brief_detail", args=[brief.pk])).status_code == 200
    download = client.get(reverse("monitor:brief_download", args=[brief.pk]))
    assert download.status_code == 200 and download["Content-Type"].startswith("application/vnd.openxml")
    resp = client.post(reverse("monitor:incident_report", args=[inc.pk]))
    assert resp.status_code == 302 and Brief.objects.filter(kind="special").exists()


def test_menu_entries_by_capability(tree, client):
    from taizhang.core.navigation import menu_for

    viewer = make_user("viewer", tree.street_a, username="v_menu")
    staff = make_user("staff", tree.district, username="s_menu")
    labels = lambda user: {i["label"] for g in menu_for(user, "/") for i in g["items"] if g["group"] == "舆情监测"}  # noqa: E731
    assert labels(viewer) == {"事件看板"}
    assert labels(staff) == {"事件看板", "预警", "每日舆情", "信息源", "关注词", "用稿线索"}


def test_a_proposal_unit_that_is_no_id_is_refused_in_chinese_not_a_500(staff, client, tree):
    from django.utils import timezone

    from taizhang.monitor.models import Outlet, PlacementProposal

    outlet = Outlet.objects.create(name="测试日报", level="district", kind="newspaper")
    proposal = PlacementProposal.objects.create(item_key="k", outlet=outlet, unit=tree.street_a, title="稿件",
                                                published_on=timezone.localdate())
    client.force_login(staff)
    resp = client.post(reverse("monitor:proposal_decide", args=[proposal.pk]),
                       {"decision": "accept", "unit": "abc"}, follow=True)
    assert resp.status_code == 200 and "计入单位无效" in resp.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == PlacementProposal.Status.PROPOSED and proposal.record_id is None
