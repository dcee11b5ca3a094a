"""Alerts: deliveries to a loopback webhook receiver (with retry and backoff), robot formats, e-mail, quiet hours."""

from __future__ import annotations

import datetime
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from taizhang.monitor.alerts import deliver_due, in_quiet_hours, raise_alert, webhook_payload
from taizhang.monitor.models import Alert, AlertChannel, Delivery

pytestmark = pytest.mark.django_db


def channel(server, path="/hook", **kw):
    values = {"name": kw.pop("name", "值班群"), "kind": "webhook", "target": server.url(path), "format": "generic",
              "is_internal": True}
    values.update(kw)
    return AlertChannel.objects.create(**values)


def test_webhook_delivery_with_retry(server):
    calls = []

    def hook(handler):
        calls.append(1)
        return (500, {}, b"busy") if len(calls) == 1 else (200, {"Content-Type": "application/json"}, b'{"errcode":0}')

    server.routes["/hook"] = hook
    channel(server, format="wecom")
    now = timezone.now()
    alert = raise_alert(kind="burst", dedupe_key="t1", title="西山路拆迁：信息量突增", body="10分钟内30条", now=now)
    assert raise_alert(kind="burst", dedupe_key="t1", title="again", now=now) is None, "raised once per occasion"
    assert deliver_due(now) == 0
    d = Delivery.objects.get(alert=alert)
    assert d.status == "pending" and d.attempts == 1 and "500" in d.last_error
    assert d.next_try == now + datetime.timedelta(seconds=30)
    assert deliver_due(now + datetime.timedelta(seconds=10)) == 0, "not before the backoff"
    assert deliver_due(now + datetime.timedelta(seconds=31)) == 1
    d.refresh_from_db()
    assert d.status == "sent" and d.attempts == 2 and d.sent_at
    body = json.loads(server.requests[-1][2])
    assert body["msgtype"] == "markdown" and "信息量突增" in body["markdown"]["content"]


def test_attempts_are_bounded(server, settings):
    settings.TAIZHANG_MONITOR_DELIVERY_ATTEMPTS = 3
    server.routes["/down"] = (503, {}, b"")
    channel(server, "/down")
    now = timezone.now()
    alert = raise_alert(kind="burst", dedupe_key="t2", title="x", now=now)
    for i in range(5):
        deliver_due(now + datetime.timedelta(hours=i + 1))
    d = Delivery.objects.get(alert=alert)
    assert d.status == "failed" and d.attempts == 3


def test_robot_formats_and_signing(server):
    alert = Alert(pk=7, kind="grade_up", grade="major", title="积水（较大）", body="共18条", created_at=timezone.now())
    ding = webhook_payload(alert, "dingtalk")
    assert ding["msgtype"] == "markdown" and ding["markdown"]["title"].startswith("【舆情预警·较大】")
    feishu = webhook_payload(alert, "feishu")
    assert feishu["msg_type"] == "text" and "积水" in feishu["content"]["text"]
    generic = webhook_payload(alert, "generic")
    assert generic["grade_name"] == "较大" and generic["kind"] == "grade_up"
    server.routes["/ding"] = (200, {}, b'{"errcode":0,"errmsg":"ok"}')
    channel(server, "/ding", format="dingtalk", secret="SECabc")
    raise_alert(kind="grade_up", dedupe_key="t3", title="积水（较大）", grade="major")
    assert deliver_due() == 1
    query = parse_qs(urlsplit(server.requests[-1][0]).query)
    assert server.hits["/ding"] == 1 and set(query) == {"timestamp", "sign"}


def test_robot_error_code_is_a_failure(server):
    server.routes["/hook"] = (200, {}, b'{"errcode":93000,"errmsg":"invalid webhook url"}')
    channel(server, format="wecom")
    alert = raise_alert(kind="burst", dedupe_key="t4", title="x")
    deliver_due()
    d = Delivery.objects.get(alert=alert)
    assert d.status == "pending" and "invalid webhook url" in d.last_error


def test_email_channel():
    AlertChannel.objects.create(name="值班邮箱", kind="email", target="duty@example.gov.cn, lead@example.gov.cn")
    raise_alert(kind="overdue", dedupe_key="t5", title="积水：迎泽街道逾期未回应", grade="major")
    assert deliver_due() == 1
    assert len(mail.outbox) == 1 and "逾期未回应" in mail.outbox[0].subject
    assert mail.outbox[0].to == ["duty@example.gov.cn", "lead@example.gov.cn"]


def test_quiet_hours_defer_all_but_severe(server):
    server.routes["/hook"] = (200, {}, b"{}")
    ch = channel(server, quiet_start=datetime.time(22, 0), quiet_end=datetime.time(7, 0))
    night = timezone.make_aware(datetime.datetime(2024, 5, 1, 23, 30))
    assert in_quiet_hours(ch, timezone.localtime(night)) == timezone.make_aware(datetime.datetime(2024, 5, 2, 7, 0))
    assert in_quiet_hours(ch, timezone.localtime(night.replace(hour=12))) is None
    general = raise_alert(kind="burst", dedupe_key="q1", title="一般", grade="general", now=night)
    severe = raise_alert(kind="burst", dedupe_key="q2", title="重大", grade="severe", now=night)
    assert timezone.localtime(Delivery.objects.get(alert=general).next_try).hour == 7
    assert Delivery.objects.get(alert=severe).next_try == night
    assert deliver_due(night) == 1  # only the severe one
    assert deliver_due(night + datetime.timedelta(hours=8)) == 1


def test_min_grade_filters_channels(server):
    server.routes["/hook"] = (200, {}, b"{}")
    channel(server, min_grade="major")
    assert not Delivery.objects.filter(alert=raise_alert(kind="burst", dedupe_key="g1", title="x")).exists()
    assert Delivery.objects.filter(alert=raise_alert(kind="burst", dedupe_key="g2", title="y", grade="severe")).exists()
