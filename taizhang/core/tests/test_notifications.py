"""Notifications: who gets a notice, who may see it, and how copies are delivered (webhook with retry, e-mail,
daily digest)."""

from __future__ import annotations

import datetime
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from taizhang.core import notifications
from taizhang.core.models import Notification, NotificationDelivery, NotificationPreference
from taizhang.core.testing import PASSWORD, make_user
from taizhang.org.models import UnitChannel
from taizhang.org.notices import nearest_people, notify_unit, unit_people

D = NotificationDelivery


class Receiver:
    """A loopback webhook: answers the first ``fail_first`` requests with HTTP 500, then 200 {"errcode": 0}."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.bodies: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                failing = len(receiver.bodies) <= receiver.fail_first
                self.send_response(500 if failing else 200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode": 1}' if failing else b'{"errcode": 0}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=1)
    yield r
    r.close()


def test_notify_creates_rows_only_for_recipients(tree: Any) -> None:
    a = make_user("liaison", tree.street_a)
    b = make_user("liaison", tree.street_b)
    gone = make_user("liaison", tree.street_a, is_active=False)
    notices = notifications.notify([a, a, gone, None], "record_returned", title="被退回", body="原因", url="/x/")
    assert [n.recipient_id for n in notices] == [a.pk]
    assert Notification.objects.filter(recipient=a).count() == 1
    assert not Notification.objects.filter(recipient__in=[b, gone]).exists()
    assert notices[0].title == "被退回" and notices[0].read_at is None


def test_unit_people_are_the_units_own(tree: Any) -> None:
    own = make_user("liaison", tree.street_a)
    above = make_user("liaison", tree.district)  # reaches SA for scoping, but is not SA's liaison
    other = make_user("liaison", tree.street_b)
    staff = make_user("staff", tree.district)
    make_user("reviewer", tree.street_a)
    assert unit_people(tree.street_a) == [own]
    assert unit_people(tree.street_a, "manage_work") == [staff]  # department staff above are meant
    notify_unit(tree.street_a, "record_returned", title="t")
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {own.pk}
    assert above.pk != own.pk and other.pk != own.pk


def test_nearest_reviewers(tree: Any) -> None:
    district = make_user("reviewer", tree.district)
    assert nearest_people(tree.community_a1, "review_records") == [district]
    street = make_user("reviewer", tree.street_a)
    assert nearest_people(tree.community_a1, "review_records") == [street]
    assert nearest_people(tree.street_b, "review_records") == [district]


def _login(client: Any, user: Any) -> None:
    assert client.login(username=user.username, password=PASSWORD)


def test_a_user_sees_only_their_own_notices(client: Any, tree: Any) -> None:
    me = make_user("liaison", tree.street_a)
    other = make_user("liaison", tree.street_b)
    notifications.notify([me], "record_returned", title="我的通知", url="/ledger/records/")
    theirs = notifications.notify([other], "record_returned", title="别人的通知")[0]
    _login(client, me)
    page = client.get(reverse("core:notice_list")).content.decode()
    assert "我的通知" in page and "别人的通知" not in page
    assert client.get(reverse("core:notice_open", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("core:notice_read", args=[theirs.pk])).status_code == 404
    client.post(reverse("core:notice_read_all"))
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()


def test_bell_counts_unread_and_opening_marks_read(client: Any, tree: Any) -> None:
    me = make_user("liaison", tree.street_a)
    first, _second = (notifications.notify([me], "record_returned", title=f"通知{i}", url="/ledger/records/")[0]
                      for i in range(2))
    _login(client, me)
    page = client.get(reverse("core:home")).content.decode()
    assert 'data-testid="bell-count">2<' in page
    response = client.get(reverse("core:notice_open", args=[first.pk]))
    assert response.status_code == 302 and response["Location"] == "/ledger/records/"
    assert client.get(reverse("core:notice_count")).json() == {"unread": 1}
    first.refresh_from_db()
    assert first.read_at is not None


def test_open_never_redirects_off_site(client: Any, tree: Any) -> None:
    me = make_user("liaison", tree.street_a)
    notice = notifications.notify([me], "test", title="外链", url="https://evil.example/")[0]
    _login(client, me)
    assert client.get(reverse("core:notice_open", args=[notice.pk]))["Location"] == reverse("core:notice_list")


def test_unit_webhook_delivery_retries_after_a_failure(
    tree: Any, receiver: Receiver, django_capture_on_commit_callbacks: Any
) -> None:
    make_user("liaison", tree.street_a)
    UnitChannel.objects.create(unit=tree.street_a, name="街道群", target=receiver.url, format="wecom", is_internal=True)
    with django_capture_on_commit_callbacks(execute=True):
        notify_unit(tree.street_a, "record_returned", title="台账被退回", body="退回原因：缺照片", url="/r/1/")
    delivery = D.objects.get(channel=D.Channel.WEBHOOK)
    assert delivery.status == D.Status.PENDING and delivery.attempts == 1  # first attempt: HTTP 500
    assert "500" in delivery.last_error
    assert notifications.deliver_due() == 0  # backoff: not due yet
    later = timezone.now() + datetime.timedelta(minutes=5)
    assert notifications.deliver_due(later) == 1
    delivery.refresh_from_db()
    assert delivery.status == D.Status.SENT and delivery.attempts == 2
    assert len(receiver.bodies) == 2
    content = receiver.bodies[-1]["markdown"]["content"]
    assert "台账被退回" in content and "缺照片" in content


def test_webhook_to_a_private_address_is_refused_unless_internal(tree: Any, receiver: Receiver) -> None:
    UnitChannel.objects.create(unit=tree.street_b, name="外网群", target=receiver.url, format="feishu")
    notify_unit(tree.street_b, "case_dispatched", title="新工单")
    notifications.deliver_due()
    delivery = D.objects.get()
    assert delivery.status == D.Status.PENDING and "内网" in delivery.last_error
    assert receiver.bodies == []


def test_delivery_gives_up_after_the_limit(tree: Any, receiver: Receiver, settings: Any) -> None:
    settings.TAIZHANG_NOTIFY_ATTEMPTS = 2
    receiver.fail_first = 10
    UnitChannel.objects.create(unit=tree.street_a, name="群", target=receiver.url, format="dingtalk",
                               is_internal=True, secret="s3cret")
    notify_unit(tree.street_a, "case_overdue", title="逾期")
    notifications.deliver_due()
    notifications.deliver_due(timezone.now() + datetime.timedelta(hours=1))
    delivery = D.objects.get()
    assert delivery.status == D.Status.FAILED and delivery.attempts == 2
    assert receiver.bodies[0]["msgtype"] == "markdown"


def test_email_each_and_daily_digest(tree: Any, settings: Any) -> None:
    settings.TAIZHANG_DIGEST_HOUR = 17
    each = make_user("liaison", tree.street_a, email="each@example.cn")
    digest = make_user("liaison", tree.street_a, email="digest@example.cn")
    NotificationPreference.objects.create(user=each, email_mode="each")
    NotificationPreference.objects.create(user=digest, email_mode="digest")
    for title in ("第一条", "第二条"):
        notifications.notify([each, digest], "record_returned", title=title, url="/r/")
    notifications.deliver_due()
    assert sorted(m.to[0] for m in mail.outbox) == ["each@example.cn", "each@example.cn"]
    assert D.objects.filter(status=D.Status.HELD, target="digest@example.cn").count() == 2
    local = timezone.localtime()
    morning = local.replace(hour=9, minute=0) + datetime.timedelta(days=1)
    evening = local.replace(hour=17, minute=5) + datetime.timedelta(days=1)
    assert notifications.send_digests(morning) == 0
    assert notifications.send_digests(evening) == 1
    digest_mail = mail.outbox[-1]
    assert digest_mail.to == ["digest@example.cn"] and "共2条" in digest_mail.subject
    assert "第一条" in digest_mail.body and "第二条" in digest_mail.body
    assert not D.objects.filter(status=D.Status.HELD).exists()
    assert notifications.send_digests(evening) == 0  # nothing twice


def test_unit_digest_channel_sends_one_message(tree: Any, receiver: Receiver) -> None:
    receiver.fail_first = 0
    UnitChannel.objects.create(unit=tree.street_a, name="群", target=receiver.url, format="generic",
                               is_internal=True, mode="digest")
    for i in range(3):
        notify_unit(tree.street_a, "case_deadline_near", title=f"临期{i}")
    assert notifications.deliver_due() == 0
    assert notifications.send_digests(force=True) == 1
    assert len(receiver.bodies) == 1 and receiver.bodies[0]["count"] == 3


def test_preferences_page(client: Any, tree: Any) -> None:
    me = make_user("liaison", tree.street_a)
    _login(client, me)
    response = client.post(reverse("core:notice_settings"), {"email_mode": "each"})
    assert response.status_code == 200 and "没有登记电子邮箱" in response.content.decode()
    me.email = "me@example.cn"
    me.save()
    client.post(reverse("core:notice_settings"), {"email_mode": "digest"})
    assert NotificationPreference.objects.get(user=me).email_mode == "digest"
    assert client.post(reverse("core:notice_settings"), {"email_mode": "bogus"}).status_code == 200


def test_delivery_list_for_staff_only(client: Any, tree: Any) -> None:
    liaison = make_user("liaison", tree.street_a)
    staff = make_user("staff", tree.district)
    _login(client, liaison)
    assert client.get(reverse("core:delivery_list")).status_code == 403
    _login(client, staff)
    assert client.get(reverse("core:delivery_list")).status_code == 200


def test_notify_test_command(tree: Any, receiver: Receiver) -> None:
    from io import StringIO

    from django.core.management import call_command

    receiver.fail_first = 0
    user = make_user("liaison", tree.street_a, username="nt_user", email="nt@example.cn")
    NotificationPreference.objects.create(user=user, email_mode="digest")
    UnitChannel.objects.create(unit=tree.street_a, name="群", target=receiver.url, format="wecom", is_internal=True)
    out = StringIO()
    call_command("notify_test", user="nt_user", stdout=out)
    text = out.getvalue()
    assert "站内通知：已发送" in text and "邮件（nt@example.cn）：已发送" in text and "机器人" in text
    assert mail.outbox[-1].to == ["nt@example.cn"] and len(receiver.bodies) == 1
    assert not D.objects.exists()  # the test went out now, nothing is left held for the digest
