"""Benchmark of notice delivery: N notices (default 10,000) for one unit whose robot webhook is a loopback HTTP
server, queued through the real path (notify_unit → notices + deliveries + jobs in the database) and delivered by
the durable worker (core.worker.Worker, in this process, one job at a time, as `taizhang worker` does).

    .venv/bin/python bench/bench_notify.py                 # SQLite file bench/var/notify.sqlite3 (migrated here)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tz_bench_notify .venv/bin/python bench/bench_notify.py
Options: -n N notices (default 10000), --batch B notices per transaction when queuing (default 500),
--sweep: deliver with one deliver_due() sweep per 500 instead of one job per notice.
Prints the queuing rate, the delivery throughput (webhooks per second) and that every notice reached the receiver.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from _setup import setup_django


class Receiver:
    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.count += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode": 0}')

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot/send?key=bench"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    os.environ["TAIZHANG_JOBS_EAGER"] = "false"
    os.environ.setdefault("TAIZHANG_DEV_RELAXED", "1")
    setup_django("notify.sqlite3")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    settings.TAIZHANG_JOBS_EAGER = False
    settings.CELERY_BROKER_URL = ""
    call_command("migrate", verbosity=0)
    from taizhang.core.models import Job, Notification, NotificationDelivery
    from taizhang.core.notifications import deliver_due
    from taizhang.core.worker import Worker
    from taizhang.org import actions as org_actions
    from taizhang.org.models import Unit, UnitChannel
    from taizhang.org.notices import notify_unit

    Job.objects.all().delete()
    NotificationDelivery.objects.all().delete()
    Notification.objects.all().delete()
    unit = Unit.objects.filter(code="BENCHN").first() or org_actions.create_unit(
        acting_user=None, code="BENCHN", name="通知压测单位", kind=Unit.Kind.OTHER
    )
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="bench_notify_liaison")
    if not user.memberships.filter(unit=unit).exists():
        org_actions.grant_role(acting_user=None, user=user, unit=unit, role="liaison")
    receiver = Receiver()
    UnitChannel.objects.filter(unit=unit).delete()
    UnitChannel.objects.create(unit=unit, name="压测机器人", target=receiver.url, format="wecom", is_internal=True)

    t0 = time.perf_counter()
    done = 0
    while done < args.n:
        with transaction.atomic():
            for i in range(done, min(args.n, done + args.batch)):
                notify_unit(unit, "case_dispatched", title=f"压测工单{i}", body="请及时处理", url=f"/cases/{i}/")
        done = min(args.n, done + args.batch)
    queued = time.perf_counter() - t0
    print(f"queued   {args.n} notices (+{args.n} webhook deliveries, {Job.objects.count()} jobs) in {queued:6.1f} s"
          f"  = {args.n / queued:7.0f} notices/s")

    t1 = time.perf_counter()
    if args.sweep:
        while deliver_due(limit=500):
            pass
    else:
        worker = Worker(name="bench", poll_interval=0.05)
        worker.run(once=True)
    delivered = time.perf_counter() - t1
    sent = NotificationDelivery.objects.filter(status=NotificationDelivery.Status.SENT).count()
    print(f"delivered {sent} webhooks ({'sweeps' if args.sweep else 'worker jobs'}) in {delivered:6.1f} s"
          f"  = {sent / delivered:7.0f} webhooks/s; receiver got {receiver.count}")
    print(f"end to end {args.n / (queued + delivered):7.0f} notices/s  ({settings.DATABASES['default']['ENGINE']})")
    if sent != args.n or receiver.count != args.n:
        raise SystemExit("not every notice was delivered")


if __name__ == "__main__":
    main()
