"""A slow job for the killed-worker test: writes "start" and, after sleeping, "done" to a log file."""

from __future__ import annotations

import os
import time
from typing import Any

from taizhang.core.jobs import handler
from taizhang.core.models import Job


@handler("test.slow")
def slow(job: Job) -> dict[str, Any]:
    path = job.params["log"]
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"start {os.getpid()}\n")
    time.sleep(float(job.params.get("seconds", 3)))
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"done {os.getpid()}\n")
    return {"pid": os.getpid()}
