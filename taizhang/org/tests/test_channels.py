"""Unit notification channels (robot webhooks): managed by the system administrator of the unit, validated, audited."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from taizhang.core.models import AuditEntry
from taizhang.core.testing import PASSWORD, make_user
from taizhang.org.models import UnitChannel

URL = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"


def _login(client: Any, user: Any) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def test_sysadmin_adds_edits_and_deletes_a_channel(client: Any, tree: Any) -> None:
    admin = make_user("sysadmin", tree.district)
    _login(client, admin)
    response = client.post(reverse("org:channel_create"), {
        "unit": tree.street_a.pk, "name": "东城工作群", "target": URL, "format": "wecom", "mode": "digest",
        "enabled": "on",
    })
    assert response.status_code == 302
    channel = UnitChannel.objects.get()
    assert (channel.unit, channel.mode, channel.is_internal) == (tree.street_a, "digest", False)
    audit = AuditEntry.objects.filter(action="create", object_type__icontains="unitchannel").get()
    assert "key=abc" not in str(audit.after)  # the robot's key stays out of the audit log
    page = client.get(reverse("org:channel_list")).content.decode()
    assert "东城工作群" in page and "key=abc" not in page
    client.post(reverse("org:channel_edit", args=[channel.pk]), {
        "unit": tree.street_a.pk, "name": "东城群", "target": URL, "format": "dingtalk", "mode": "each",
        "version": channel.version,
    })
    channel.refresh_from_db()
    assert (channel.name, channel.format, channel.enabled) == ("东城群", "dingtalk", False)
    client.post(reverse("org:channel_delete", args=[channel.pk]))
    assert not UnitChannel.objects.exists()


def test_bad_input_is_a_chinese_error(client: Any, tree: Any) -> None:
    _login(client, make_user("sysadmin", tree.district))
    response = client.post(reverse("org:channel_create"), {
        "unit": tree.street_a.pk, "name": "群", "target": "javascript:alert(1)", "format": "wecom", "mode": "each",
    })
    assert response.status_code == 400 and "Webhook 网址" in response.content.decode()
    assert not UnitChannel.objects.exists()


def test_only_administrators_of_the_unit(client: Any, tree: Any) -> None:
    channel = UnitChannel.objects.create(unit=tree.street_b, name="西城群", target=URL)
    _login(client, make_user("liaison", tree.street_b))
    assert client.get(reverse("org:channel_list")).status_code == 403
    _login(client, make_user("sysadmin", tree.street_a))
    assert client.get(reverse("org:channel_edit", args=[channel.pk])).status_code == 404
    assert "西城群" not in client.get(reverse("org:channel_list")).content.decode()


def test_test_message_to_a_private_address_is_refused(client: Any, tree: Any) -> None:
    channel = UnitChannel.objects.create(unit=tree.street_a, name="内网群", target="http://127.0.0.1:9/hook")
    _login(client, make_user("sysadmin", tree.district))
    response = client.post(reverse("org:channel_test", args=[channel.pk]), follow=True)
    assert "测试消息发送失败" in response.content.decode() and "内网" in response.content.decode()
