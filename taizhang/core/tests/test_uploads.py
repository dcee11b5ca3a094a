"""core.uploads.check_upload: type by content, OOXML safety, zip bombs, safe names, size."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from taizhang.core.errors import InvalidInput
from taizhang.core.uploads import EVIDENCE_TYPES, IMAGE_TYPES, check_upload, safe_filename

# A real 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff8a5f2b7d0000000049454e44ae426082"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00" \
      b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def ooxml(parts: dict[str, bytes | str], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def docx_bytes(**extra: bytes | str) -> bytes:
    parts: dict[str, bytes | str] = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": '<?xml version="1.0"?><Relationships/>',
        "word/document.xml": '<?xml version="1.0"?><w:document xmlns:w="x"><w:body/></w:document>',
    }
    parts.update(extra)
    return ooxml(parts)


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.mark.parametrize(("name", "data", "kind", "ctype"), [
    ("a.png", PNG, "png", "image/png"),
    ("a.jpg", JPEG, "jpeg", "image/jpeg"),
    ("a.gif", GIF, "gif", "image/gif"),
    ("a.webp", WEBP, "webp", "image/webp"),
    ("a.pdf", PDF, "pdf", "application/pdf"),
    ("说明.txt", "活动情况说明\n共 3 场".encode(), "txt", "text/plain"),
    ("gbk.txt", "活动情况说明".encode("gb18030"), "txt", "text/plain"),
])
def test_real_files_are_accepted(name: str, data: bytes, kind: str, ctype: str) -> None:
    checked = check_upload(upload(name, data), EVIDENCE_TYPES)
    assert checked.kind == kind
    assert checked.content_type == ctype
    assert checked.size == len(data)
    assert len(checked.sha256) == 64


def test_a_real_docx_is_accepted() -> None:
    import docx  # python-docx makes a genuine document

    buf = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("东城街道开展理论宣讲活动")
    document.save(buf)
    checked = check_upload(upload("总结.docx", buf.getvalue()), EVIDENCE_TYPES)
    assert checked.kind == "docx"
    assert checked.safe_name == "总结.docx"


def test_a_real_xlsx_is_accepted() -> None:
    import openpyxl

    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["单位", "场次"])  # type: ignore[union-attr]
    wb.save(buf)
    assert check_upload(upload("统计.xlsx", buf.getvalue()), EVIDENCE_TYPES).kind == "xlsx"


def test_a_png_that_is_really_text_is_refused() -> None:
    with pytest.raises(InvalidInput, match="文件类型与内容不符"):
        check_upload(upload("photo.png", b"just some text, not an image"), EVIDENCE_TYPES)


def test_a_pdf_named_jpg_is_refused() -> None:
    with pytest.raises(InvalidInput, match="文件类型与内容不符"):
        check_upload(upload("photo.jpg", PDF), EVIDENCE_TYPES)


def test_a_type_not_allowed_is_refused() -> None:
    with pytest.raises(InvalidInput, match="不支持的文件类型"):
        check_upload(upload("a.pdf", PDF), IMAGE_TYPES)


def test_an_unknown_extension_is_refused() -> None:
    with pytest.raises(InvalidInput, match="不支持的文件类型"):
        check_upload(upload("tool.exe", b"MZ\x90\x00" + b"\x00" * 60), EVIDENCE_TYPES)


def test_binary_garbage_is_refused() -> None:
    with pytest.raises(InvalidInput, match="无法识别"):
        check_upload(upload("data", b"\x00\x01\x02\x03" * 10), EVIDENCE_TYPES)


def test_a_file_without_extension_gets_one() -> None:
    assert check_upload(upload("scan", PNG), EVIDENCE_TYPES).safe_name == "scan.png"


def test_a_docx_with_vba_project_is_refused() -> None:
    data = docx_bytes(**{"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\x00" * 100})
    with pytest.raises(InvalidInput, match="宏"):
        check_upload(upload("report.docx", data), EVIDENCE_TYPES)


def test_a_macro_enabled_content_type_is_refused() -> None:
    types = CONTENT_TYPES.replace("document.main+xml", "document.macroEnabled.main+xml")
    with pytest.raises(InvalidInput, match="宏"):
        check_upload(upload("report.docx", docx_bytes(**{"[Content_Types].xml": types})), EVIDENCE_TYPES)


def test_xml_entity_declarations_are_refused() -> None:
    evil = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><w:document xmlns:w="x">&a;</w:document>'
    with pytest.raises(InvalidInput, match="XML 实体"):
        check_upload(upload("report.docx", docx_bytes(**{"word/document.xml": evil})), EVIDENCE_TYPES)


def test_a_zip_bomb_is_refused() -> None:
    data = docx_bytes(**{"word/media/blank.bin": b"\x00" * (20 * 1024 * 1024)})
    assert len(data) < 100 * 1024  # small on the wire …
    with pytest.raises(InvalidInput, match="压缩炸弹"):  # … huge when unpacked
        check_upload(upload("report.docx", data), EVIDENCE_TYPES)


def test_too_many_entries_are_refused() -> None:
    parts: dict[str, bytes | str] = {f"word/x{i}.txt": b"" for i in range(10_001)}
    data = docx_bytes(**parts)
    with pytest.raises(InvalidInput, match="压缩炸弹"):
        check_upload(upload("report.docx", data), EVIDENCE_TYPES)


def test_a_plain_zip_named_docx_is_refused() -> None:
    with pytest.raises(InvalidInput, match="文件类型与内容不符"):
        check_upload(upload("report.docx", ooxml({"a.txt": b"hello"})), EVIDENCE_TYPES)


def test_an_xlsx_named_docx_is_refused() -> None:
    data = ooxml({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": "<workbook/>"})
    with pytest.raises(InvalidInput, match="文件类型与内容不符"):
        check_upload(upload("report.docx", data), EVIDENCE_TYPES)


def test_a_corrupt_zip_is_refused() -> None:
    with pytest.raises(InvalidInput, match="损坏"):
        check_upload(upload("report.docx", b"PK\x03\x04" + b"\x00" * 50), EVIDENCE_TYPES)


@override_settings(TAIZHANG_MAX_UPLOAD_MB=1)
def test_an_oversized_file_is_refused() -> None:
    with pytest.raises(InvalidInput, match="文件过大：最大 1 MB"):
        check_upload(upload("big.png", PNG + b"\x00" * (1024 * 1024)), EVIDENCE_TYPES)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(InvalidInput, match="文件为空"):
        check_upload(upload("a.png", b""), EVIDENCE_TYPES)


def test_errors_carry_the_file_field() -> None:
    with pytest.raises(InvalidInput) as info:
        check_upload(upload("photo.png", b"text"), EVIDENCE_TYPES)
    assert info.value.errors == {"file": ["文件类型与内容不符"]}


@pytest.mark.parametrize(("raw", "expected"), [
    ("../../etc/passwd.png", "passwd.png"),
    ("..\\..\\windows\\evil.png", "evil.png"),
    ("a\x00b.png", "ab.png"),
    ("照片\u202egnp.exe.png", "照片gnp.exe.png"),
    ("  .hidden.png", "hidden.png"),
    ('a<b>:"c|d?*.png', "a_b___c_d__.png"),
    ("", "文件"),
])
def test_names_are_sanitised(raw: str, expected: str) -> None:
    assert safe_filename(raw) == expected


def test_long_names_keep_their_extension() -> None:
    name = safe_filename("长" * 500 + ".png")
    assert len(name) <= 120
    assert name.endswith(".png")


def test_check_upload_sanitises_the_display_name() -> None:
    checked = check_upload(upload("../../x/\x00活动照片.png", PNG), EVIDENCE_TYPES)
    assert checked.safe_name == "活动照片.png"
