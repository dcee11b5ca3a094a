"""Evidence through the views: upload checks (record unchanged on refusal), links, delete, scoped download."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from taizhang.core.models import AuditEntry
from taizhang.core.testing import client_for, make_record, make_user
from taizhang.ledger import actions
from taizhang.ledger.models import Evidence, Record, RecordEvent

pytestmark = pytest.mark.django_db
TYPE = "lecture_event"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff8a5f2b7d0000000049454e44ae426082"
)


def docx(**extra: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        zf.writestr("word/document.xml", '<?xml version="1.0"?><document/>')
        for name, data in extra.items():
            zf.writestr(name.replace("__", "/"), data)
    return buf.getvalue()


@pytest.fixture
def s(taxonomy: Any, tree: Any) -> Any:
    class S:
        pass

    x = S()
    x.tree = tree  # type: ignore[attr-defined]
    x.liaison = make_user("liaison", tree.street_a)  # type: ignore[attr-defined]
    x.record = make_record(tree.street_a, TYPE, {"lecture_audience": 10}, status="draft")  # type: ignore[attr-defined]
    return x


def upload(c: Client, record: Record, name: str, data: bytes, **extra: Any) -> Any:
    return c.post(reverse("ledger:evidence_upload", args=[record.pk]),
                  {"file": SimpleUploadedFile(name, data, content_type="image/png"), **extra}, follow=True)


def assert_unchanged(record: Record) -> None:
    before_version = record.version
    record.refresh_from_db()
    assert record.version == before_version
    assert not Evidence.objects.filter(record=record).exists()
    assert not RecordEvent.objects.filter(record=record, action="evidence_add").exists()


def test_a_real_png_is_stored_outside_the_web_root(s: Any) -> None:
    response = upload(client_for(s.liaison), s.record, "活动现场.png", PNG)
    assert "已添加 1 份佐证材料" in response.content.decode()
    ev = Evidence.objects.get(record=s.record)
    assert ev.kind == Evidence.Kind.PHOTO
    assert ev.original_name == "活动现场.png"
    assert ev.content_type == "image/png"
    assert ev.size == len(PNG)
    assert "活动现场" not in ev.file.name
    assert not ev.file.name.endswith(".png")
    assert Path(ev.file.path).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert Path(ev.file.path).read_bytes() == PNG
    assert RecordEvent.objects.filter(record=s.record, action="evidence_add").exists()
    assert AuditEntry.objects.filter(action="create", object_type="ledger.evidence").exists()


def test_a_png_that_is_really_text_is_refused(s: Any) -> None:
    response = upload(client_for(s.liaison), s.record, "photo.png", b"this is not a picture")
    assert "文件类型与内容不符" in response.content.decode()
    assert_unchanged(s.record)


def test_a_docx_with_macros_is_refused(s: Any) -> None:
    data = docx(**{"word__vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    response = upload(client_for(s.liaison), s.record, "总结.docx", data)
    assert "宏" in response.content.decode()
    assert_unchanged(s.record)


def test_a_zip_bomb_is_refused(s: Any) -> None:
    data = docx(**{"word__media__x.bin": b"\x00" * (20 * 1024 * 1024)})
    response = upload(client_for(s.liaison), s.record, "总结.docx", data)
    assert "压缩包解压后过大，疑似压缩炸弹" in response.content.decode()
    assert_unchanged(s.record)


@override_settings(TAIZHANG_MAX_UPLOAD_MB=1)
def test_an_oversized_file_is_refused(s: Any) -> None:
    response = upload(client_for(s.liaison), s.record, "big.png", PNG + b"\x00" * (1024 * 1024 + 10))
    assert "文件过大：最大 1 MB" in response.content.decode()
    assert_unchanged(s.record)


def stored_files() -> set[Path]:
    media = Path(settings.MEDIA_ROOT) / "evidence"
    return {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()


def test_one_bad_file_in_a_batch_stores_nothing(s: Any) -> None:
    c = client_for(s.liaison)
    before = stored_files()
    response = c.post(reverse("ledger:evidence_upload", args=[s.record.pk]), {"file": [
        SimpleUploadedFile("ok.png", PNG), SimpleUploadedFile("bad.png", b"text"),
    ]}, follow=True)
    assert "bad.png" in response.content.decode()
    assert_unchanged(s.record)
    assert stored_files() == before


def test_path_traversal_and_nul_in_the_name_are_sanitised(s: Any) -> None:
    upload(client_for(s.liaison), s.record, "../../../etc/cron.d/x\x00y.png", PNG)
    ev = Evidence.objects.get(record=s.record)
    assert ev.original_name == "xy.png"
    assert ".." not in ev.file.name
    assert "\x00" not in ev.file.name


def test_add_a_link(s: Any) -> None:
    c = client_for(s.liaison)
    c.post(reverse("ledger:evidence_upload", args=[s.record.pk]),
           {"url": "https://news.example.com/a/1", "link_title": "区融媒报道"})
    ev = Evidence.objects.get(record=s.record)
    assert ev.kind == Evidence.Kind.LINK
    assert ev.original_name == "区融媒报道"
    response = c.post(reverse("ledger:evidence_upload", args=[s.record.pk]), {"url": "javascript:alert(1)"},
                      follow=True)
    assert "链接格式不正确" in response.content.decode()
    assert Evidence.objects.filter(record=s.record).count() == 1


def test_upload_only_while_editable(s: Any) -> None:
    actions.submit_record(acting_user=None, record=s.record)
    response = upload(client_for(s.liaison), s.record, "a.png", PNG)
    assert "不能修改佐证材料" in response.content.decode()
    assert not Evidence.objects.exists()


def test_upload_permissions(s: Any) -> None:
    url = reverse("ledger:evidence_upload", args=[s.record.pk])
    assert Client().post(url, {"file": SimpleUploadedFile("a.png", PNG)}).status_code == 302
    viewer = make_user("viewer", s.tree.street_a)
    assert client_for(viewer).post(url, {"file": SimpleUploadedFile("a.png", PNG)}).status_code == 403
    other = make_user("liaison", s.tree.street_b)
    assert client_for(other).post(url, {"file": SimpleUploadedFile("a.png", PNG)}).status_code == 404
    assert not Evidence.objects.exists()


def test_download_has_attachment_headers_and_is_audited(s: Any) -> None:
    c = client_for(s.liaison)
    upload(c, s.record, "活动 现场.png", PNG)
    ev = Evidence.objects.get()
    actions.submit_record(acting_user=None, record=s.record)
    actions.approve_record(acting_user=None, record=Record.objects.get(pk=s.record.pk))
    viewer = make_user("viewer", s.tree.district)
    response = client_for(viewer).get(reverse("ledger:evidence_download", args=[ev.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E6%B4%BB%E5%8A%A8%20%E7%8E%B0%E5%9C%BA.png" in disposition
    entry = AuditEntry.objects.get(action="download")
    assert entry.user_id == viewer.pk
    assert entry.object_id == str(ev.pk)


def test_download_scope(s: Any) -> None:
    upload(client_for(s.liaison), s.record, "a.png", PNG)
    ev = Evidence.objects.get()
    url = reverse("ledger:evidence_download", args=[ev.pk])
    assert Client().get(url).status_code == 302
    assert client_for(make_user()).get(url).status_code == 403
    assert client_for(make_user("liaison", s.tree.street_b)).get(url).status_code == 404
    assert not AuditEntry.objects.filter(action="download").exists()


def test_delete_evidence(s: Any, django_capture_on_commit_callbacks: Any) -> None:
    c = client_for(s.liaison)
    upload(c, s.record, "a.png", PNG)
    ev = Evidence.objects.get()
    path = Path(ev.file.path)
    other = make_user("liaison", s.tree.street_b)
    assert client_for(other).post(reverse("ledger:evidence_delete", args=[ev.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("ledger:evidence_delete", args=[ev.pk]), follow=True)
    assert "已删除佐证材料" in response.content.decode()
    assert not Evidence.objects.exists()
    assert not path.exists()
    assert AuditEntry.objects.filter(action="delete", object_type="ledger.evidence").exists()


def test_evidence_shared_with_a_revision_keeps_its_file(s: Any, django_capture_on_commit_callbacks: Any) -> None:
    c = client_for(s.liaison)
    upload(c, s.record, "a.png", PNG)
    actions.submit_record(acting_user=None, record=s.record)
    actions.approve_record(acting_user=None, record=Record.objects.get(pk=s.record.pk))
    clone = actions.revise_record(acting_user=None, record=Record.objects.get(pk=s.record.pk))
    copy = Evidence.objects.get(record=clone)
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("ledger:evidence_delete", args=[copy.pk]))
    assert not Evidence.objects.filter(record=clone).exists()
    original = Evidence.objects.get(record=s.record)
    assert Path(original.file.path).exists()


def test_detail_lists_evidence_with_download_links(s: Any) -> None:
    c = client_for(s.liaison)
    upload(c, s.record, "a.png", PNG)
    ev = Evidence.objects.get()
    content = c.get(reverse("ledger:record_detail", args=[s.record.pk])).content.decode()
    assert reverse("ledger:evidence_download", args=[ev.pk]) in content
    assert 'enctype="multipart/form-data"' in content
