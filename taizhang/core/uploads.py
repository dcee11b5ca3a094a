"""Checking uploaded files before anything is stored: size, type by content, OOXML safety, a safe display name.

`check_upload(f, allowed)` reads the file once (hashing it), decides its type from its bytes — never from the
name or the browser's Content-Type — and refuses anything that is not what it claims to be. Office documents
(docx/xlsx) are ZIP archives: they are opened as such and refused when they carry macros, XML entity
declarations, or look like a zip bomb. Errors are `InvalidInput` with a Chinese message and `errors["file"]`.

Stored files get generated names (see the models' upload paths) and are never served by URL; the safe name here is
only for display and for the download's Content-Disposition.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings

from taizhang.core.errors import InvalidInput

# Type name → (content type, extensions accepted for it; the first is the canonical one).
TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "jpeg": ("image/jpeg", (".jpg", ".jpeg", ".jpe")),
    "png": ("image/png", (".png",)),
    "gif": ("image/gif", (".gif",)),
    "webp": ("image/webp", (".webp",)),
    "pdf": ("application/pdf", (".pdf",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)),
    "txt": ("text/plain", (".txt",)),
    "mp4": ("video/mp4", (".mp4", ".m4v", ".mov")),
    "m4a": ("audio/mp4", (".m4a",)),
    "mp3": ("audio/mpeg", (".mp3",)),
    "wav": ("audio/wav", (".wav",)),
}
TYPE_LABELS = {"jpeg": "JPG", "png": "PNG", "gif": "GIF", "webp": "WEBP", "pdf": "PDF", "docx": "Word (docx)",
               "xlsx": "Excel (xlsx)", "txt": "文本 (txt)", "mp4": "视频 (mp4)", "m4a": "音频 (m4a)",
               "mp3": "音频 (mp3)", "wav": "音频 (wav)"}
MEDIA_TYPES = frozenset({"mp4", "m4a", "mp3", "wav"})
IMAGE_TYPES = frozenset({"jpeg", "png", "gif", "webp"})
DOCUMENT_TYPES = frozenset({"pdf", "docx", "xlsx", "txt"})
EVIDENCE_TYPES = IMAGE_TYPES | DOCUMENT_TYPES
OOXML_TYPES = frozenset({"docx", "xlsx"})

# Zip-bomb limits for OOXML documents.
ZIP_MAX_TOTAL = 200 * 1024 * 1024  # declared uncompressed size of all entries
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_RATIO = 100  # uncompressed : compressed, per entry and overall …
ZIP_RATIO_MIN_SIZE = 1024 * 1024  # … for entries (and totals) of at least this size (small XML compresses well)
XML_SCAN_MAX = 5 * 1024 * 1024  # XML parts up to this size are scanned for entity declarations
MAX_NAME_LENGTH = 120

MACRO_MARKERS = ("macroenabled", "vbaproject", "vnd.ms-office.activex", "vbadata")
_ENTITY_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"|?*]')
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class CheckedFile:
    kind: str  # a key of TYPES: "png", "pdf", "docx" …
    content_type: str
    size: int
    sha256: str
    safe_name: str

    @property
    def is_image(self) -> bool:
        return self.kind in IMAGE_TYPES


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, {"file": [message]})


def max_upload_bytes() -> int:
    return int(settings.TAIZHANG_MAX_UPLOAD_MB) * 1024 * 1024


def allowed_text(allowed: set[str] | frozenset[str]) -> str:
    return "、".join(TYPE_LABELS.get(t, t) for t in TYPES if t in allowed)


def accept_attribute(allowed: set[str] | frozenset[str]) -> str:
    """The value of an <input type=file accept="…"> for these types."""
    return ",".join(ext for t in TYPES if t in allowed for ext in TYPES[t][1])


def safe_filename(name: str, *, default_ext: str = "") -> str:
    """A display name without path components, NUL, control or bidi characters, of limited length."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    text = _UNSAFE_NAME_CHARS.sub("_", text)
    text = re.sub(r"\s+", " ", text).strip().lstrip(".").strip()
    stem, ext = os.path.splitext(text)
    if not ext and default_ext:
        ext = default_ext
    if not stem:
        stem = "文件"
    ext = ext[:16]
    stem = stem[: max(1, MAX_NAME_LENGTH - len(ext))].rstrip()
    return f"{stem}{ext}"


def _sniff(head: bytes) -> str | None:
    """The type of a file from its first bytes (None: no binary signature)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp":  # ISO base media: video, or audio when the brand says M4A
        return "m4a" if head[8:11] == b"M4A" else "mp4"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Reject control characters other than ordinary whitespace.
        return not any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v" for ch in text)
    return False


def _read_all(f: Any, limit: int) -> tuple[bytes, str, int]:
    """Read the whole file (≤ limit bytes), hashing it. Returns (content, sha256, size)."""
    if hasattr(f, "seek"):
        f.seek(0)
    digest = hashlib.sha256()
    parts: list[bytes] = []
    size = 0
    chunks = f.chunks(_CHUNK) if hasattr(f, "chunks") else iter(lambda: f.read(_CHUNK), b"")
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise _refuse(f"文件过大：最大 {settings.TAIZHANG_MAX_UPLOAD_MB} MB")
        digest.update(chunk)
        parts.append(chunk)
    if hasattr(f, "seek"):
        f.seek(0)
    return b"".join(parts), digest.hexdigest(), size


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    # ZipExtFile never returns more than the declared file_size, which has been bounded before.
    with archive.open(info) as member:
        return member.read(info.file_size + 1)


def check_ooxml(stream: IO[bytes], expected: str) -> str:
    """Check a docx/xlsx archive; return its type ("docx" or "xlsx"). Raises InvalidInput."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse("文件已损坏，或不是有效的 Word/Excel 文档") from exc
    with archive:
        infos = archive.infolist()
        if len(infos) > ZIP_MAX_ENTRIES:
            raise _refuse("压缩包内文件过多，疑似压缩炸弹")
        total = sum(i.file_size for i in infos)
        compressed = sum(i.compress_size for i in infos)
        if total > ZIP_MAX_TOTAL:
            raise _refuse("压缩包解压后过大，疑似压缩炸弹")
        if total >= ZIP_RATIO_MIN_SIZE and total > ZIP_MAX_RATIO * max(compressed, 1):
            raise _refuse("压缩包解压后过大，疑似压缩炸弹")
        names = {i.filename for i in infos}
        for info in infos:
            if info.file_size >= ZIP_RATIO_MIN_SIZE and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
                raise _refuse("压缩包解压后过大，疑似压缩炸弹")
            if info.flag_bits & 0x1:
                raise _refuse("文档已加密，请解除密码保护后再上传")
            lower = info.filename.lower()
            if any(marker in lower for marker in MACRO_MARKERS):
                raise _refuse("文档包含宏或控件，不允许上传；请另存为不含宏的 docx/xlsx 后再上传")
        if "[Content_Types].xml" not in names:
            raise _refuse("文件类型与内容不符：不是有效的 Word/Excel 文档")
        if archive.getinfo("[Content_Types].xml").file_size >= XML_SCAN_MAX:
            raise _refuse("文档结构异常（内容类型清单过大），已拒绝")
        is_docx = "word/document.xml" in names or any(n.startswith("word/") for n in names)
        is_xlsx = "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names)
        kind = "docx" if is_docx and not is_xlsx else "xlsx" if is_xlsx and not is_docx else None
        if kind is None:
            raise _refuse("文件类型与内容不符：不是有效的 Word/Excel 文档")
        if expected in OOXML_TYPES and kind != expected:
            raise _refuse("文件类型与内容不符")
        try:
            for info in infos:
                lower = info.filename.lower()
                if info.is_dir() or not (lower.endswith((".xml", ".rels")) or info.filename == "[Content_Types].xml"):
                    continue
                if info.file_size >= XML_SCAN_MAX and info.filename != "[Content_Types].xml":
                    continue
                data = _read_member(archive, info)
                if _ENTITY_RE.search(data):
                    raise _refuse("文档包含不允许的 XML 实体声明，已拒绝")
                if info.filename == "[Content_Types].xml" and any(m in data.lower().decode("latin-1")
                                                                    for m in MACRO_MARKERS):
                    raise _refuse("文档包含宏或控件，不允许上传；请另存为不含宏的 docx/xlsx 后再上传")
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
            raise _refuse("文件已损坏，或不是有效的 Word/Excel 文档") from exc
    return kind


def check_upload(uploaded_file: Any, allowed: set[str] | frozenset[str]) -> CheckedFile:
    """Check one uploaded file against the allowed type names (keys of TYPES). Raises InvalidInput."""
    if uploaded_file is None:
        raise _refuse("请选择要上传的文件")
    limit = max_upload_bytes()
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > limit:
        raise _refuse(f"文件过大：最大 {settings.TAIZHANG_MAX_UPLOAD_MB} MB")
    content, sha256, size = _read_all(uploaded_file, limit)
    if size == 0:
        raise _refuse("文件为空")
    raw_name = str(getattr(uploaded_file, "name", "") or "")
    name = safe_filename(raw_name)
    ext = os.path.splitext(name)[1].lower()
    claimed = next((t for t, (_ct, exts) in TYPES.items() if ext in exts), None)
    if ext and claimed is None:
        raise _refuse(f"不支持的文件类型“{ext}”：只能上传 {allowed_text(allowed)}")

    sniffed = _sniff(content[:16])
    kind: str | None
    if sniffed == "zip":
        import io

        kind = check_ooxml(io.BytesIO(content), claimed or "")
    elif sniffed is not None:
        kind = sniffed
    elif _is_text(content):
        kind = "txt"
    else:
        kind = None
    if kind is None:
        raise _refuse("无法识别的文件内容" + (f"：只能上传 {allowed_text(allowed)}" if allowed else ""))
    if claimed is not None and claimed != kind:
        raise _refuse("文件类型与内容不符")
    if kind not in allowed:
        raise _refuse(f"不支持的文件类型：只能上传 {allowed_text(allowed)}")
    content_type, exts = TYPES[kind]
    return CheckedFile(
        kind=kind, content_type=content_type, size=size, sha256=sha256,
        safe_name=safe_filename(raw_name, default_ext=exts[0]),
    )
