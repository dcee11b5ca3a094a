"""Monitoring sources under attack (issue 10): file sources confined to the import directory with no oracle,
private addresses a security administrator's decision, no javascript: links, no open redirect, bounded watch-list
expressions, malformed addresses refused, and monitoring managed over the department, not "anywhere"."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse
from django.utils import timezone

from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_user
from taizhang.monitor import actions
from taizhang.monitor.models import Alert, AlertChannel, Incident, MonitorItem, Source
from taizhang.monitor.poll import poll_source
from taizhang.monitor.readers import ReadError, canonical, read_import_file

pytestmark = pytest.mark.django_db


def incident_for(unit=None):
    now = timezone.now()
    return Incident.objects.create(label="测试事件", first_seen=now, last_seen=now, items_count=3, assigned_unit=unit,
                                   status="assigned" if unit else "new")

CSV = "标题,内容,链接,发布时间,来源\n万柏林区新闻,万柏林区新闻内容,https://a.example.cn/1,2024-05-01 10:00,平台\n"


@pytest.fixture
def import_dir(tmp_path, settings):
    folder = tmp_path / "import"
    folder.mkdir()
    settings.TAIZHANG_MONITOR_IMPORT_DIR = folder
    (tmp_path / "secret.csv").write_text(CSV, encoding="utf-8")  # outside the import directory
    return folder


def test_file_sources_read_only_inside_the_import_directory(import_dir):
    (import_dir / "export.csv").write_text(CSV, encoding="utf-8")
    os.symlink(import_dir.parent / "secret.csv", import_dir / "link.csv")
    os.symlink("/etc/passwd", import_dir / "passwd.csv")
    (import_dir / "big.csv").write_text(CSV * 200, encoding="utf-8")
    assert read_import_file(import_dir, "export.csv", 10_000).startswith("标题".encode())
    messages = set()
    for name in ("missing.csv", "link.csv", "passwd.csv", "../secret.csv", "/etc/passwd", "big.csv", ".", "",
                 "a/../../secret.csv", "sub\\x.csv"):
        with pytest.raises(ReadError) as caught:
            read_import_file(import_dir, name, 1000)
        messages.add(caught.value.message.replace(f"“{name[:100]}”", "“NAME”"))
    # one message for every failure: it never tells whether (or how large) a file exists
    assert len(messages) == 1, messages


def test_a_file_source_names_a_file_never_a_path(import_dir):
    for bad in ("/etc/passwd", "../secret.csv", "file:///etc/passwd", "a/b.csv", ".hidden.csv", "x\x01.csv"):
        with pytest.raises(InvalidInput) as caught:
            actions.create_source(acting_user=None, name=f"文件{bad!r}", kind="file", url=bad)
        assert "url" in caught.value.errors
    source, _ = actions.create_source(acting_user=None, name="导出", kind="file", url="export.csv")
    result = poll_source(source.pk)  # not there yet: the same message as for any other failure
    source.refresh_from_db()
    assert result.status == "error" and "文件不存在、不是普通文件" in source.last_error
    assert str(import_dir) not in source.last_error
    (import_dir / "export.csv").write_text(CSV, encoding="utf-8")
    Source.objects.filter(pk=source.pk).update(next_poll_at=None)
    assert poll_source(source.pk).status == "new"


def test_a_source_stored_with_a_path_cannot_read_outside(import_dir):
    source = Source.objects.create(name="旧路径", kind="file", url=str(import_dir.parent / "secret.csv"))
    assert poll_source(source.pk).status == "error"
    source.refresh_from_db()
    assert "万柏林" not in source.last_error and "字节）" not in source.last_error


def test_private_addresses_are_the_security_administrators_decision(tree, staff, client):
    secadmin = make_user("secadmin", tree.district, username="sec_m")
    source, _ = actions.create_source(acting_user=staff, name="内网订阅", kind="feed", url="http://10.0.0.5/rss")
    with pytest.raises(InvalidInput):  # not a field staff may set
        actions.create_source(acting_user=staff, name="x", kind="feed", url="http://10.0.0.6/", is_internal=True)
    with pytest.raises(NotPermitted):
        actions.set_internal_address(acting_user=staff, target=source, internal=True, reason="内网")
    with pytest.raises(InvalidInput):
        actions.set_internal_address(acting_user=secadmin, target=source, internal=True, reason=" ")
    # the staff form has no such checkbox: posting it changes nothing
    client.force_login(staff)
    client.post(reverse("monitor:source_edit", args=[source.pk]), {
        "name": "内网订阅", "kind": "feed", "url": "http://10.0.0.5/rss", "is_internal": "on", "enabled": "on",
        "schedule_minutes": 30, "timeout_seconds": 20, "max_bytes": 5000000, "max_articles": 20,
        "version": source.version,
    })
    source.refresh_from_db()
    assert not source.is_internal
    assert client.get(reverse("monitor:internal_addresses")).status_code == 403
    client.force_login(secadmin)
    assert client.get(reverse("monitor:internal_addresses")).status_code == 200
    # a refusal comes back on the page (400) with what was typed kept in its row and the problem beside it
    refused = client.post(reverse("monitor:internal_addresses"),
                          {"target": f"source:{source.pk}", "internal": "on", "reason": "理" * 501})
    assert refused.status_code == 400
    assert f'value="{"理" * 501}"' in refused.content.decode() and "500" in refused.content.decode()
    source.refresh_from_db()
    assert not source.is_internal
    resp = client.post(reverse("monitor:internal_addresses"),
                       {"target": f"source:{source.pk}", "internal": "on", "reason": "政务内网发布平台"})
    assert resp.status_code == 302
    source.refresh_from_db()
    assert source.is_internal
    entry = AuditEntry.objects.filter(action="permission", object_id=str(source.pk)).latest("id")
    assert "政务内网发布平台" in entry.message and entry.user_id == secadmin.pk
    # a changed address is not what was approved
    actions.update_source(acting_user=staff, source=source, expected_version=source.version,
                          url="http://10.0.0.9/other")
    source.refresh_from_db()
    assert not source.is_internal


def test_webhooks_follow_the_same_rule(tree, staff):
    secadmin = make_user("secadmin", tree.district, username="sec_w")
    channel = actions.save_channel(acting_user=staff, name="内网群", kind="webhook", target="http://10.1.1.1/hook")
    with pytest.raises(InvalidInput):
        actions.save_channel(acting_user=staff, channel=channel, expected_version=channel.version, is_internal=True)
    actions.set_internal_address(acting_user=secadmin, target=channel, internal=True, reason="值班系统在内网")
    channel.refresh_from_db()
    assert channel.is_internal
    actions.save_channel(acting_user=staff, channel=channel, expected_version=channel.version,
                         target="http://10.1.1.2/hook")
    channel.refresh_from_db()
    assert not channel.is_internal


@pytest.mark.parametrize("url", ["http://[::1", "http://[::1]:99999/", "http://[nope]/",
                                 "http://exa mple.cn/", "javascript:alert(1)", "http://a.cn:port/"])
def test_malformed_addresses_are_refused_in_source_and_webhook_forms(staff, client, url):
    client.force_login(staff)
    resp = client.post(reverse("monitor:source_create"), {
        "name": "坏地址", "kind": "feed", "url": url, "schedule_minutes": 30, "timeout_seconds": 20,
        "max_bytes": 5000000, "max_articles": 20,
    })
    assert resp.status_code == 400 and "网址" in resp.content.decode()
    resp = client.post(reverse("monitor:channel_create"), {
        "name": "坏钩子", "kind": "webhook", "target": url, "format": "generic", "min_grade": "general",
    })
    assert resp.status_code == 200 and "网址" in resp.content.decode()
    assert not Source.objects.exists() and not AlertChannel.objects.exists()


def test_item_links_other_than_http_are_dropped_at_ingest_and_never_rendered(staff, client):
    for url in ("javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)", "data:text/html,<script>x</script>",
                "file:///etc/passwd", "vbscript:msgbox", "http://[::1", " javascript:alert(1)"):
        assert canonical({"title": "标题", "text": "正文", "url": url})["url"] == ""
    assert canonical({"title": "t", "text": "x", "url": "https://news.example.cn/a"})["url"].startswith("https://")
    # a row stored before this rule (or written around it) is still never rendered as a link
    MonitorItem.objects.create(key="evil1", title="坏链接", text="正文", url="javascript:alert(1)", fingerprint="f",
                               at=timezone.now())
    client.force_login(staff)
    page = client.get(reverse("monitor:item_list")).content.decode()
    assert "javascript:" not in page


def test_alert_acknowledgement_does_not_redirect_off_site(staff, client):
    alert = Alert.objects.create(kind="burst", incident=incident_for(), title="预警", body="内容", dedupe_key="t1")
    client.force_login(staff)
    for target in ("https://evil.example.com/", "//evil.example.com/", "/\\evil.example.com", "javascript:alert(1)"):
        Alert.objects.filter(pk=alert.pk).update(acknowledged_at=None)
        resp = client.post(reverse("monitor:alert_ack", args=[alert.pk]), {"next": target})
        assert resp.status_code == 302 and resp["Location"] == reverse("monitor:alert_list"), target
    resp = client.post(reverse("monitor:alert_ack", args=[alert.pk]), {"next": "/monitor/?open=1"})
    assert resp["Location"] == "/monitor/?open=1"


@pytest.mark.parametrize("expression", ["(" * 300 + "a" + ")" * 300, "NOT " * 300 + "a", "（" * 100 + "甲" + "）" * 100,
                                        "a " * 6000])
def test_deep_or_huge_watch_list_expressions_get_a_chinese_error(staff, client, expression):
    with pytest.raises(InvalidInput) as caught:
        actions.check_expression(expression)
    assert "过深" in caught.value.message or "过长" in caught.value.message or "过多" in caught.value.message
    client.force_login(staff)
    resp = client.post(reverse("monitor:watchlist_test"), {"expression": expression, "text": "甲"})
    assert resp.status_code == 200 and ("过深" in resp.content.decode() or "过长" in resp.content.decode()
                                        or "过多" in resp.content.decode())


def test_monitoring_is_managed_over_the_department_not_anywhere(tree, client):
    street_staff = make_user("staff", tree.street_a, username="street_staff")
    client.force_login(street_staff)
    for name in ("monitor:source_list", "monitor:watchlist_list", "monitor:alert_list", "monitor:brief_list",
                 "monitor:proposal_list"):
        assert client.get(reverse(name)).status_code == 403, name
    with pytest.raises(NotPermitted):
        actions.create_source(acting_user=street_staff, name="x", kind="api")
    mine = incident_for(tree.street_a)
    other = incident_for(tree.street_b)
    unassigned = incident_for()
    assert client.get(reverse("monitor:incident_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("monitor:incident_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("monitor:incident_detail", args=[unassigned.pk])).status_code == 404
