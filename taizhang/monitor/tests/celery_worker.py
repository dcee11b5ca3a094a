"""A Celery worker for the end-to-end test, on its own queue (``TZM_QUEUE``) so parallel runs never share tasks."""

from __future__ import annotations

import os

from taizhang.celery import app


def main() -> None:
    queue = os.environ["TZM_QUEUE"]
    own = os.environ.get("TZM_OWN_QUEUE", "")  # a second queue only this worker reads (benchmark warm-up)
    app.conf.task_default_queue = queue  # tasks the worker queues itself (process_batch, send_alert) stay here
    app.conf.broker_connection_retry_on_startup = True
    queues = f"{queue},{own}" if own else queue
    app.worker_main(["worker", "--pool=solo", "-Q", queues, "--loglevel=INFO", "--without-gossip",
                     "--without-mingle", "--without-heartbeat", "-n", f"{own or queue}@%h"])


if __name__ == "__main__":
    main()
