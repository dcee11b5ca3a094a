"""The Excel pages: template download, upload → background job with progress → result, history."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from taizhang.core.models import AuditEntry, Job
from taizhang.core.testing import PASSWORD, make_user
from taizhang.ledger.excel.columns import SHEET_DATA, SHEET_META
from taizhang.ledger.excel.testing import fill_template
from taizhang.ledger.models import ActivityType, ImportBatch, Record

pytestmark = pytest.mark.django_db
TYPE = "theory_group_study"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def liaison(taxonomy: Any, tree: Any, client: Any) -> Any:
    user = make_user("liaison", tree.street_a, username="sa_liaison")
    client.login(username="sa_liaison", password=PASSWORD)
    return user


def xlsx_upload(data: bytes, name: str = "东城街道集体学习.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def rows(n: int) -> list[dict[str, Any]]:
    return [{"单位代码": "SA1", "日期": datetime.date(2024, 6, 1 + i % 28), "标题": f"集体学习{i}", "参学人数": 10 + i}
            for i in range(n)]


def test_template_download(liaison: Any, client: Any) -> None:
    response = client.get(reverse("ledger:excel_template", args=[TYPE]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert SHEET_DATA in wb.sheetnames
    assert SHEET_META in wb.sheetnames
    assert AuditEntry.objects.filter(action="download", object_type="ledger.activitytype").count() == 1
    assert client.get(reverse("ledger:excel_template", args=["nope"])).status_code == 404
    index = client.get(reverse("ledger:excel_template_index"))
    assert index.status_code == 200
    assert "中心组集体学习" in index.content.decode()
    redirect = client.get(reverse("ledger:excel_template_index"), {"type": TYPE})
    assert redirect.status_code == 302
    assert redirect["Location"] == reverse("ledger:excel_template", args=[TYPE])


def test_template_download_needs_edit_capability(taxonomy: Any, tree: Any, client: Any) -> None:
    make_user("viewer", tree.street_a, username="viewer1")
    client.login(username="viewer1", password=PASSWORD)
    assert client.get(reverse("ledger:excel_template", args=[TYPE])).status_code == 403
    assert client.get(reverse("ledger:excel_import")).status_code == 403


def test_import_page_defaults(liaison: Any, client: Any, tree: Any) -> None:
    response = client.get(reverse("ledger:excel_import"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "导入并报送" in html
    assert "按模板自动识别" in html
    assert response.context["form"].initial["unit"] == tree.street_a
    assert "西城街道" not in html  # only units the liaison may fill for


def test_upload_shows_progress_then_result(
    liaison: Any, client: Any, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    from taizhang.ledger import jobs

    reported: list[tuple[int, int | None, str]] = []
    real_report = jobs.report_progress

    def spy(job: Any, progress: int, total: int | None = None, message: str = "") -> None:
        reported.append((progress, total, message))
        real_report(job, progress, total, message)

    monkeypatch.setattr(jobs, "report_progress", spy)
    atype = ActivityType.objects.get(key=TYPE)
    data = fill_template(atype, rows(300), user=liaison)
    unit = liaison.memberships.get().unit
    # 1. The upload stores the file under a generated name, creates the batch and enqueues the job.
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("ledger:excel_import"), {"file": xlsx_upload(data), "unit": unit.pk,
                                                               "submit": "on"})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:excel_import_detail", args=[batch.pk])
    job = Job.objects.get(kind="ledger.import")
    assert job.params["batch_id"] == batch.pk
    assert job.params["submit"] is True
    stored = job.params["file"]
    assert stored.startswith("imports/")
    assert "东城" not in stored
    assert (Path(settings.MEDIA_ROOT) / stored).exists()
    assert (batch.status, batch.filename, batch.created_by) == ("validating", "东城街道集体学习.xlsx", liaison)
    # 2. While the job has not run, the page shows the progress partial and polls for the result.
    page = client.get(reverse("ledger:excel_import_detail", args=[batch.pk])).content.decode()
    assert "tz-progress" in page
    assert reverse("core:job", args=[job.pk]) in page
    assert reverse("ledger:excel_import_status", args=[batch.pk]) in page
    assert client.get(reverse("ledger:excel_import_status", args=[batch.pk])).status_code == 204
    # 3. The job runs (synchronously in tests): validating x/y, then committing.
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.status == "succeeded"
    assert job.percent == 100
    assert job.result["created"] == 300
    assert job.result["url"] == reverse("ledger:excel_import_detail", args=[batch.pk])
    assert "新增 300 条" in job.message
    messages = [m for _, _, m in reported]
    assert "正在检查文件" in messages
    assert "正在校验第 200/302 行" in messages
    assert "校验通过，正在写入 300 条记录" in messages
    assert not (Path(settings.MEDIA_ROOT) / stored).exists()  # deleted after the job
    status = client.get(reverse("ledger:excel_import_status", args=[batch.pk]))
    assert status.status_code == 200
    assert status["HX-Refresh"] == "true"
    partial = client.get(reverse("core:job", args=[job.pk])).content.decode()
    assert "查看结果" in partial
    # 4. The result: counts and a link to the imported records.
    page = client.get(reverse("ledger:excel_import_detail", args=[batch.pk])).content.decode()
    assert "新增 300 条、跳过 0 条" in page
    assert f"/ledger/records/?batch={batch.pk}" in page  # the record list of the import's records
    listed = client.get(f"/ledger/records/?batch={batch.pk}").content.decode()
    assert "Excel 导入的记录" in listed and "共300条" in listed
    assert "数据溯源" not in listed
    assert f"/ledger/export/?batch={batch.pk}" in page
    assert Record.objects.filter(status="submitted", source="import").count() == 300
    export = client.get(reverse("ledger:export"), {"batch": batch.pk})
    assert len(list(load_workbook(io.BytesIO(export.content)).active.iter_rows())) == 301  # type: ignore[union-attr]
    # 5. History on the import page; the same file again is reported as a duplicate.
    assert "东城街道集体学习.xlsx" in client.get(reverse("ledger:excel_import")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ledger:excel_import"), {"file": xlsx_upload(data), "unit": unit.pk})
    again = ImportBatch.objects.order_by("-pk").first()
    assert again is not None
    assert again.status == "duplicate"
    assert "重复文件" in client.get(reverse("ledger:excel_import_detail", args=[again.pk])).content.decode()
    assert Record.objects.count() == 300


def test_upload_with_errors_shows_error_table(
    liaison: Any, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    atype = ActivityType.objects.get(key=TYPE)
    bad = rows(3)
    bad[1]["日期"] = "2024/02/31"
    bad[2]["单位代码"] = "SB"
    unit = liaison.memberships.get().unit
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("ledger:excel_import"), {"file": xlsx_upload(fill_template(atype, bad)), "unit": unit.pk})
    batch = ImportBatch.objects.get()
    assert batch.status == "failed"
    assert [(e["row"], e["column"]) for e in batch.errors] == [(5, "D"), (6, "B")]
    html = client.get(reverse("ledger:excel_import_detail", args=[batch.pk])).content.decode()
    assert "校验未通过" in html
    assert "日期不存在：2024/02/31" in html
    assert "您无权为单位“西城街道”" in html
    assert Record.objects.count() == 0
    stored = Job.objects.get().params["file"]
    assert not (Path(settings.MEDIA_ROOT) / stored).exists()


def test_upload_form_rejects_wrong_extension_and_size(liaison: Any, client: Any, settings: Any) -> None:
    unit = liaison.memberships.get().unit
    response = client.post(reverse("ledger:excel_import"), {"file": xlsx_upload(b"x" * 10, "a.xls"), "unit": unit.pk})
    assert response.status_code == 200
    assert "另存为 .xlsx" in response.content.decode()
    settings.TAIZHANG_MAX_UPLOAD_MB = 1
    big = xlsx_upload(b"PK\x03\x04" + b"\0" * (1024 * 1024 + 10))
    response = client.post(reverse("ledger:excel_import"), {"file": big, "unit": unit.pk})
    assert "文件过大" in response.content.decode()
    assert ImportBatch.objects.count() == 0
    assert Job.objects.count() == 0


def test_other_users_batches_are_hidden(liaison: Any, client: Any, tree: Any) -> None:
    other = make_user("liaison", tree.street_b)
    batch = ImportBatch.objects.create(sha256="0" * 64, filename="x.xlsx", created_by=other)
    assert client.get(reverse("ledger:excel_import_detail", args=[batch.pk])).status_code == 404


def test_excel_template_command(taxonomy: Any, tree: Any, tmp_path: Any, capsys: Any) -> None:
    out = tmp_path / "t.xlsx"
    call_command("excel_template", "--type", "placement", "--out", str(out))
    assert "对外宣传用稿" in capsys.readouterr().out
    assert "媒体名称*" in [c.value for c in load_workbook(out)[SHEET_DATA][1]]


def test_crashed_job_does_not_poll_forever(liaison: Any, client: Any) -> None:
    batch = ImportBatch.objects.create(sha256="1" * 64, filename="x.xlsx", created_by=liaison)
    Job.objects.create(kind="ledger.import", params={"batch_id": batch.pk}, status="failed",
                       message="任务失败：OSError", created_by=liaison)
    html = client.get(reverse("ledger:excel_import_detail", args=[batch.pk])).content.decode()
    assert "导入任务未能完成：任务失败：OSError" in html
    assert client.get(reverse("ledger:excel_import_status", args=[batch.pk]))["HX-Refresh"] == "true"


def test_template_index_rejects_bad_type_keys(liaison: Any, client: Any) -> None:
    assert client.get(reverse("ledger:excel_template_index"), {"type": "a b/../c"}).status_code == 404
