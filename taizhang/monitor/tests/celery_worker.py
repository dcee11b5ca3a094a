"""A Celery worker for the end-to-end test, on its own queue (``TZM_QUEUE``) so parallel runs never share tasks."""

from __future__ import annotations

import os

from taizhang.celery import app


def main() -> None:
    queue = os.environ["TZM_QUEUE"]
    app.conf.task_default_queue = queue  # tasks the worker queues itself (process_batch, send_alert) stay here
    app.conf.broker_connection_retry_on_startup = True
    app.worker_main(["worker", "--pool=solo", "-Q", queue, "--loglevel=INFO", "--without-gossip",
                     "--without-mingle", "--without-heartbeat", "-n", f"{queue}@%h"])


if __name__ == "__main__":
    main()
