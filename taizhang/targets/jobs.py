"""Background jobs of the targets app: running an assessment from the web page (large trees take seconds)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from taizhang.core.jobs import handler, report_progress
from taizhang.core.models import Job
from taizhang.core.periods import parse_period
from taizhang.targets import actions
from taizhang.targets.models import Scheme


@handler("targets.assess")
def assess_job(job: Job) -> dict[str, Any]:
    """params: {"scheme": key, "period": SPEC, "note": str, "publish": bool}; runs as the job's creator."""
    report_progress(job, 0, 1, "正在计分……")
    scheme = Scheme.objects.get(key=job.params["scheme"])
    run = actions.run_assessment(
        acting_user=job.created_by, scheme=scheme, period=parse_period(job.params["period"]),
        note=str(job.params.get("note") or ""), publish=bool(job.params.get("publish")),
    )
    report_progress(job, 1, 1, f"已完成：{run}，耗时{run.duration_ms}毫秒")
    return {"run": run.pk, "url": reverse("targets:run_detail", args=[run.pk])}
