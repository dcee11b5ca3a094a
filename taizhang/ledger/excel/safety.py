"""Checking an uploaded .xlsx before any XML parser reads it.

An .xlsx is a ZIP of XML parts (OOXML). We refuse: files over the size limit, anything that is not a ZIP with an
OOXML spreadsheet content type (old .xls, encrypted files, CSV renamed to .xlsx), macro-enabled workbooks (.xlsm
content types, vbaProject.bin, ActiveX), archives that decompress to too much (total size, ratio, entry count) and
any XML part that declares a DTD or entities (billion laughs, external entities). Every part is decompressed once
here, counting the real bytes, so a lying ZIP directory cannot get past the limits.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.conf import settings

from taizhang.core.errors import InvalidInput

MB = 1024 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
FORBIDDEN_TYPE_WORDS = ("macroenabled", "vbaproject", "activex", "ms-excel.sheet.binary", "ms-excel.addin")
FORBIDDEN_NAME_WORDS = ("vbaproject", "activex", "vbadata")
XML_SUFFIXES = (".xml", ".rels", ".vml")
CHUNK = 64 * 1024


class UnsafeFile(InvalidInput):
    """The upload is not a plain, safe .xlsx. The message says why, in Chinese."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_uncompressed: int = 100 * MB
    max_ratio: int = 100  # per entry, for entries of at least `ratio_floor` bytes
    ratio_floor: int = 1 * MB
    max_entries: int = 1000

    @classmethod
    def default(cls) -> Limits:
        return cls(max_bytes=int(getattr(settings, "TAIZHANG_MAX_UPLOAD_MB", 20)) * MB)


def check_size(size: int, limits: Limits | None = None) -> None:
    limits = limits or Limits.default()
    if size <= 0:
        raise UnsafeFile("文件为空，请选择填写好的 Excel（.xlsx）文件。")
    if size > limits.max_bytes:
        raise UnsafeFile(
            f"文件过大（{size / MB:.1f} MB），单个文件不能超过 {limits.max_bytes / MB:.0f} MB。请分成多个文件导入。"
        )


def check_xlsx(data: bytes, limits: Limits | None = None) -> None:
    """Raise UnsafeFile unless `data` is a plain .xlsx within the limits. Reads no XML with a parser that could
    expand entities: the content-types part is parsed with defusedxml after the byte scan."""
    limits = limits or Limits.default()
    check_size(len(data), limits)
    if data.startswith(OLE_MAGIC):
        raise UnsafeFile(
            "该文件是旧版 Excel（.xls）格式或设置了打开密码。请在 Excel 中“另存为”不加密的 .xlsx 文件后再导入。"
        )
    if not data.startswith(ZIP_MAGIC):
        raise UnsafeFile(
            "该文件不是有效的 Excel（.xlsx）文件，可能已损坏，或是改了扩展名的其他格式（如 CSV、WPS 表格）。"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise UnsafeFile("该 Excel 文件已损坏或不完整（无法解压），请重新保存后再导入。") from exc
    with archive:
        _check_entries(archive, limits)
        _check_content_types(archive)


def _check_entries(archive: zipfile.ZipFile, limits: Limits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise UnsafeFile(f"文件结构异常：包含 {len(infos)} 个部件，超过上限 {limits.max_entries}，已拒绝。")
    declared = sum(i.file_size for i in infos)
    if declared > limits.max_uncompressed:
        raise UnsafeFile(_too_big(limits))
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names:
        raise UnsafeFile("该文件不是 Excel（.xlsx）文件：缺少 [Content_Types].xml。")
    total = 0
    for info in infos:
        lowered = info.filename.lower()
        if any(word in lowered for word in FORBIDDEN_NAME_WORDS):
            raise UnsafeFile(
                "该文件包含宏或 ActiveX 控件（如 vbaProject.bin），为安全起见不予导入。请另存为普通 .xlsx 文件。"
            )
        if info.flag_bits & 0x1:
            raise UnsafeFile("该文件的部分内容已加密，无法导入。请取消加密后另存为 .xlsx 文件。")
        if info.is_dir():
            continue
        total += _read_entry(archive, info, limits, total)


def _too_big(limits: Limits) -> str:
    return f"文件解压后超过 {limits.max_uncompressed // MB} MB，疑似压缩炸弹，已拒绝。请检查文件或分成多个文件导入。"


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, total_before: int) -> int:
    """Decompress one entry, counting real bytes; scan XML parts for DTD and entity declarations."""
    scan = info.filename.lower().endswith(XML_SUFFIXES) or info.filename == "[Content_Types].xml"
    size = 0
    tail = b""
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if total_before + size > limits.max_uncompressed:
                    raise UnsafeFile(_too_big(limits))
                if size >= limits.ratio_floor and size > limits.max_ratio * max(info.compress_size, 1):
                    raise UnsafeFile(
                        f"文件内容压缩比异常（“{info.filename}”超过 {limits.max_ratio} 倍），疑似压缩炸弹，已拒绝。"
                    )
                if scan:
                    # UTF-16/32 encoded XML: dropping NUL bytes makes the markup visible to the byte scan.
                    window = (tail + chunk.replace(b"\x00", b"")).lower()
                    if b"<!doctype" in window or b"<!entity" in window:
                        raise UnsafeFile(
                            f"文件中的“{info.filename}”含有 DTD 或实体声明（<!DOCTYPE/<!ENTITY>），"
                            "可能是恶意构造的文件，已拒绝。"
                        )
                    tail = window[-16:]
    except UnsafeFile:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise UnsafeFile("该 Excel 文件已损坏或不完整（部分内容无法解压），请重新保存后再导入。") from exc
    return size


def _check_content_types(archive: zipfile.ZipFile) -> None:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(archive.read("[Content_Types].xml"), forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise UnsafeFile("该文件不是有效的 Excel（.xlsx）文件：[Content_Types].xml 无法解析。") from exc
    types = [str(el.get("ContentType", "")) for el in root.iter() if el.get("ContentType")]
    lowered = [t.lower() for t in types]
    if any(word in t for t in lowered for word in FORBIDDEN_TYPE_WORDS):
        raise UnsafeFile(
            "该文件是启用宏的工作簿（.xlsm）或包含宏、ActiveX 内容，为安全起见不予导入。请另存为普通 .xlsx 文件。"
        )
    if XLSX_MAIN not in types:
        if any("spreadsheetml.template.main" in t for t in lowered):
            raise UnsafeFile("该文件是 Excel 模板（.xltx），请另存为 .xlsx 文件后再导入。")
        raise UnsafeFile("该文件不是 Excel 工作簿（.xlsx），可能是 Word、PowerPoint 或其他格式的文件。")
