"""Hostile and broken uploads are refused with a clear Chinese message before openpyxl parses anything."""

from __future__ import annotations

import io
import os
import zipfile
from typing import Any

import pytest

from taizhang.core.testing import make_user
from taizhang.ledger.excel.importer import import_file
from taizhang.ledger.excel.safety import MB, Limits, UnsafeFile, check_xlsx
from taizhang.ledger.excel.testing import fill_template, rewrite_part
from taizhang.ledger.models import ActivityType, ImportBatch, Record

SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture
def valid(taxonomy: Any, tree: Any) -> bytes:
    atype = ActivityType.objects.get(key="theory_group_study")
    return fill_template(atype, [{"单位代码": "SA", "日期": "2024-05-12", "标题": "学习", "参学人数": 30}])


def refused(data: bytes, limits: Limits | None = None) -> str:
    with pytest.raises(UnsafeFile) as info:
        check_xlsx(data, limits)
    return info.value.message


def test_valid_template_passes(valid: bytes) -> None:
    check_xlsx(valid)


def test_random_bytes(db: Any) -> None:
    assert "不是有效的 Excel" in refused(os.urandom(4096))


def test_csv_renamed(db: Any) -> None:
    assert "不是有效的 Excel" in refused("单位代码,日期\nSA,2024-05-12\n".encode())


def test_truncated_zip(valid: bytes) -> None:
    assert "已损坏" in refused(valid[: len(valid) // 2])


def test_old_xls_or_encrypted(db: Any) -> None:
    assert ".xls" in refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 1000)


def test_empty_file(db: Any) -> None:
    assert "文件为空" in refused(b"")


def test_oversized_file(valid: bytes, settings: Any) -> None:
    settings.TAIZHANG_MAX_UPLOAD_MB = 1
    big = rewrite_part(valid, "docProps/app.xml", add={"xl/media/image1.png": os.urandom(int(1.2 * MB))})
    assert "文件过大" in refused(big)


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>\n',
        b'<?xml version="1.0"?><!doctype x SYSTEM "file:///etc/passwd">',
        # UTF-16 encoded XML must not slip past the byte scan
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        .encode("utf-16"),
    ],
)
def test_entity_declaration_in_sheet_xml(valid: bytes, payload: bytes) -> None:
    def inject(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return payload + body

    assert "DTD" in refused(rewrite_part(valid, SHEET, inject))


def test_entity_declaration_in_shared_strings_or_rels(valid: bytes) -> None:
    data = rewrite_part(valid, "xl/_rels/workbook.xml.rels", lambda x: b"<!DOCTYPE r>" + x)
    assert "workbook.xml.rels" in refused(data)


def test_vba_project_refused(valid: bytes) -> None:
    assert "vbaProject.bin" in refused(rewrite_part(valid, SHEET, add={"xl/vbaProject.bin": b"\0" * 100}))


def test_macro_enabled_content_type_refused(valid: bytes) -> None:
    def xlsm(types: bytes) -> bytes:
        return types.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )

    assert ".xlsm" in refused(rewrite_part(valid, "[Content_Types].xml", xlsm))


def test_not_a_spreadsheet_zip(db: Any) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "hi")
    assert "[Content_Types].xml" in refused(out.getvalue())


def test_zip_bomb_ratio_refused(valid: bytes) -> None:
    bomb = rewrite_part(valid, SHEET, add={"xl/media/bomb.xml": b"\0" * (20 * MB)})
    assert len(bomb) < 1 * MB
    assert "压缩炸弹" in refused(bomb)


def test_zip_bomb_total_size_refused(valid: bytes) -> None:
    assert "压缩炸弹" in refused(valid, Limits(max_bytes=20 * MB, max_uncompressed=10_000))


def test_too_many_entries(valid: bytes) -> None:
    many = rewrite_part(valid, SHEET, add={f"xl/media/i{i}.bin": b"x" for i in range(40)})
    assert "部件" in refused(many, Limits(max_bytes=20 * MB, max_entries=30))


def test_lying_zip_directory_is_caught(valid: bytes) -> None:
    """An entry whose real content is larger than the size its directory declares fails to decompress."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", zipfile.ZipFile(io.BytesIO(valid)).read("[Content_Types].xml"))
        z.writestr("xl/a.xml", b"<a/>" * 100_000)
    data = bytearray(out.getvalue())
    # Patch the central directory's uncompressed size of xl/a.xml to 10 bytes.
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (10).to_bytes(4, "little")
    message = refused(bytes(data))
    assert "损坏" in message


def test_import_of_hostile_file_saves_failed_batch_and_writes_nothing(valid: bytes, tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    data = rewrite_part(valid, SHEET, add={"xl/vbaProject.bin": b"\0"})
    outcome = import_file(data, filename="evil.xlsm.xlsx", acting_user=user)
    assert not outcome.ok
    batch = ImportBatch.objects.get(pk=outcome.batch.pk)
    assert batch.status == "failed"
    assert "宏" in batch.errors[0]["message"]
    assert batch.errors[0]["row"] is None
    assert Record.objects.count() == 0
    outcome = import_file(os.urandom(3000), filename="junk.xlsx", acting_user=user)
    assert not outcome.ok
    assert "不是有效的 Excel" in outcome.errors[0]["message"]
