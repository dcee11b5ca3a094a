"""Sample objects of the ledger's URLs for the permission matrix (core/testing_matrix.py)."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from taizhang.core.testing import make_record
from taizhang.core.testing_matrix import MatrixWorld, Sample

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.ledger.models import ActivityType, Evidence, ImportBatch, LineOfWork, MetricDefinition, Outlet

    sa = world.tree.street_a
    draft = make_record(sa, "lecture_event", {"lecture_audience": 30}, status="draft", title="矩阵草稿")
    submitted = make_record(sa, "lecture_event", {"lecture_audience": 40}, status="submitted", title="矩阵待审")
    approved = make_record(sa, "lecture_event", {"lecture_audience": 50}, title="矩阵已审")
    world.data.update(draft=draft, submitted=submitted, approved=approved)
    evidence = Evidence(record=draft, kind="photo", original_name="现场.png", content_type="image/png", size=len(PNG))
    evidence.file.save("matrix.png", ContentFile(PNG), save=True)
    batch = ImportBatch.objects.create(sha256="0" * 64, filename="导入.xlsx", unit=sa, status="done",
                                       created_by=world.users["in:liaison@SA"])  # one's own import
    line = LineOfWork.objects.order_by("id").first()
    metric = MetricDefinition.objects.get(key="lecture_audience")
    outlet = Outlet.objects.order_by("id").first() or Outlet.objects.create(name="矩阵日报", level="district",
                                                                           kind="newspaper")
    atype = ActivityType.objects.get(key="lecture_event")
    assert line is not None
    rec: dict[str, Any] = {"pk": draft.pk}
    return {
        "ledger:record_detail": Sample(rec, sa),
        "ledger:record_edit": Sample(rec, sa),
        "ledger:record_submit": Sample(rec, sa),
        "ledger:record_delete": Sample(rec, sa),
        "ledger:record_withdraw": Sample({"pk": submitted.pk}, sa),
        "ledger:record_revise": Sample({"pk": approved.pk}, sa),
        "ledger:evidence_upload": Sample(rec, sa),
        "ledger:evidence_download": Sample({"pk": evidence.pk}, sa),
        "ledger:evidence_delete": Sample({"pk": evidence.pk}, sa),
        "ledger:review_item": Sample({"pk": submitted.pk}, sa),
        "ledger:review_approve": Sample({"pk": submitted.pk}, sa),
        "ledger:review_return": Sample({"pk": submitted.pk}, sa),
        "ledger:dashboard_kpi": Sample({"key": line.key}),
        "ledger:dashboard_card": Sample({"key": line.key}),
        "ledger:dashboard_line": Sample({"key": line.key}),
        "ledger:dashboard_trend": Sample({"metric": metric.key}),
        "ledger:dashboard_records": Sample({}, query=f"metric={metric.key}&period=2024"),
        "ledger:excel_template": Sample({"type_key": atype.key}),
        "ledger:excel_import_detail": Sample({"pk": batch.pk}, sa),
        "ledger:excel_import_status": Sample({"pk": batch.pk}, sa),
        "ledger:metric_edit": Sample({"pk": metric.pk}),
        "ledger:outlet_edit": Sample({"pk": outlet.pk}),
        "line-detail": Sample({"key": line.key}),
        "metric-detail": Sample({"key": metric.key}),
        "activity-type-detail": Sample({"key": atype.key}),
        "outlet-detail": Sample({"pk": outlet.pk}),
        "record-detail": Sample({"pk": approved.pk}, sa),
        "record-submit": Sample(rec, sa),
        "record-withdraw": Sample({"pk": submitted.pk}, sa),
        "record-approve": Sample({"pk": submitted.pk}, sa),
        "record-return-": Sample({"pk": submitted.pk}, sa),
        "record-revise": Sample({"pk": approved.pk}, sa),
        "api-figures": Sample({}, query=f"metric={metric.key}&period=2024"),
    }
