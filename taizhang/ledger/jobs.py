"""Background job handlers of the ledger: the Excel import (kind "ledger.import") and the folding of the whole
tree's figure summary (periodic, "ledger.compact_totals")."""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.storage import default_storage
from django.urls import reverse

from taizhang.core import context
from taizhang.core.jobs import handler, periodic, report_progress
from taizhang.core.models import Job
from taizhang.ledger.models import ImportBatch

log = logging.getLogger(__name__)
IMPORT_DIR = "imports/"


@handler("ledger.import")
def run_import(job: Job) -> dict[str, Any]:
    """Params: batch_id, file (a storage name under imports/), submit. The batch carries user, unit and type."""
    from taizhang.ledger.excel.importer import import_file

    batch = ImportBatch.objects.select_related("unit", "activity_type", "created_by").get(pk=job.params["batch_id"])
    name = str(job.params.get("file", ""))
    if not name.startswith(IMPORT_DIR) or ".." in name:
        raise ValueError("invalid import file name")
    user = batch.created_by
    try:
        with default_storage.open(name, "rb") as handle:
            data = handle.read()

        def progress(done: int, total: int, message: str) -> None:
            report_progress(job, done, total or None, message)

        with context.acting_as("job"):
            outcome = import_file(
                data, filename=batch.filename, acting_user=user, unit=batch.unit, activity_type=batch.activity_type,
                submit=bool(job.params.get("submit")), batch=batch, progress=progress,
            )
    except Exception:
        log.exception("import batch %s failed", batch.pk)
        ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.VALIDATING).update(
            status=ImportBatch.Status.FAILED,
            errors=[{"row": None, "column": "", "header": "",
                     "message": "导入过程中发生系统错误，未导入任何记录。请稍后重试或联系管理员。"}],
        )
        raise
    finally:
        try:
            default_storage.delete(name)
        except OSError:
            log.warning("could not delete import file %s", name)
    report_progress(job, job.total or outcome.rows, None, outcome.summary)
    return {
        "url": reverse("ledger:excel_import_detail", args=[batch.pk]),
        "batch_id": batch.pk,
        "status": outcome.status,
        "rows": outcome.rows,
        "created": outcome.created,
        "skipped": outcome.skipped,
        "errors": outcome.error_count,
    }


@periodic("ledger.compact_totals", minutes=15)
def compact_totals(job: Job) -> dict[str, Any]:
    """PostgreSQL appends a row to the whole tree's summary per statement that writes figures; fold them back into
    one row per key so that readers add up few rows (`summary.compact_totals`; nothing on SQLite)."""
    from taizhang.ledger import summary

    return {"removed": summary.compact_totals()}
