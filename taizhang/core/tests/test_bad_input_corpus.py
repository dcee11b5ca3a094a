"""The bad-input corpus: hostile or broken uploads, imports and API requests. Each gets a clear (Chinese) error and
leaves the data unchanged: no record, figure, evidence or stored file appears, nothing is half-written."""

from __future__ import annotations

import datetime
import io
import json
import uuid
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from taizhang.core.errors import InvalidInput
from taizhang.core.testing import make_record, make_user

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- fixtures -----------------------------------------------------------------------------------------------------
@pytest.fixture
def world(taxonomy: Any, tree: Any) -> Any:
    class W:
        pass

    w = W()
    w.tree = tree  # type: ignore[attr-defined]
    w.liaison = make_user("liaison", tree.street_a, username="corpus_liaison")  # type: ignore[attr-defined]
    w.draft = make_record(tree.street_a, "lecture_event", {"lecture_audience": 50},  # type: ignore[attr-defined]
                          status="draft")
    from taizhang.accounts.tokens import key_for

    token_key = key_for(w.liaison)  # type: ignore[attr-defined]
    w.api = APIClient()  # type: ignore[attr-defined]
    w.api.credentials(HTTP_AUTHORIZATION=f"Token {token_key}")  # type: ignore[attr-defined]
    return w


def fingerprint() -> dict[str, Any]:
    from taizhang.ledger.models import Evidence, Placement, Record, RecordFigure

    media = Path(settings.MEDIA_ROOT)
    files = sorted(str(p) for p in media.rglob("*") if p.is_file()) if media.exists() else []
    return {
        "records": sorted(Record.objects.values_list("pk", "title", "status", "version")),
        "figures": sorted(RecordFigure.objects.values_list("record_id", "metric_id", "value")),
        "placements": Placement.objects.count(),
        "evidence": Evidence.objects.count(),
        "files": files,
    }


def unchanged(fn: Callable[[], Any]) -> Any:
    before = fingerprint()
    result = fn()
    assert fingerprint() == before
    return result


# --- builders -----------------------------------------------------------------------------------------------------
def ooxml(kind: str = "docx", extra: dict[str, bytes] | None = None, content_types: bytes | None = None,
          document: bytes | None = None) -> bytes:
    main = "word/document.xml" if kind == "docx" else "xl/workbook.xml"
    ct = content_types or (
        b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="xml" ContentType="application/xml"/></Types>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr(main, document or b'<?xml version="1.0"?><document/>')
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def zip_bomb(kind: str = "docx") -> bytes:
    part = "word/media/big.xml" if kind == "docx" else "xl/media/big.xml"
    return ooxml(kind, extra={part: b"0" * (30 * 1024 * 1024)})


def many_entries(kind: str = "docx", n: int = 10_001) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("[Content_Types].xml", b"<Types/>")
        for i in range(n):
            z.writestr(f"word/p{i}.xml", b"")
    return out.getvalue()


def encrypted_entry() -> bytes:
    data = bytearray(ooxml())
    # set the "encrypted" flag bit on every local and central header
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):
        start = 0
        while (i := data.find(sig, start)) != -1:
            offset = i + (6 if sig == b"PK\x03\x04" else 8)
            data[offset] |= 0x01
            start = i + 4
    return bytes(data)


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
                  b"<document>&lol2;</document>")
XXE = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><document>&x;</document>'
MACRO_TYPES = (b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
               b'<Override PartName="/word/document.xml" '
               b'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/>'
               b"</Types>")


# --- 1. uploads (evidence) ----------------------------------------------------------------------------------------
UPLOADS: list[tuple[str, str, bytes, str]] = [
    ("empty", "空.png", b"", "文件为空"),
    ("wrong magic: pdf named png", "照片.png", PDF, "不符"),
    ("html named jpg", "photo.jpg", b"<html><script>alert(1)</script></html>", "不符"),
    ("windows executable named pdf", "报告.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "无法识别"),
    ("executable extension", "setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "不支持"),
    ("svg with script", "logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "不支持"),
    ("shell script named txt", "run.txt", b"#!/bin/sh\x00rm -rf /", "无法识别"),
    ("zip without content types", "材料.docx", b"PK\x03\x04" + b"\x00" * 60, "损坏"),
    ("docx with vbaProject", "宏.docx", ooxml("docx", {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}), "宏"),
    ("docm content type", "宏.docx", ooxml("docx", content_types=MACRO_TYPES), "宏"),
    ("docx zip bomb", "炸弹.docx", zip_bomb("docx"), "压缩炸弹"),
    ("docx with too many parts", "多.docx", many_entries(), "过多"),
    ("docx billion laughs", "实体.docx", ooxml("docx", document=BILLION_LAUGHS), "实体"),
    ("docx external entity (XXE)", "外部实体.docx", ooxml("docx", document=XXE), "实体"),
    ("encrypted docx parts", "加密.docx", encrypted_entry(), "加密"),
    ("xlsx named docx", "表格.docx", ooxml("xlsx"), "不符"),
    ("utf-16 text with NULs", "说明.txt", "你好".encode("utf-16"), "文件"),  # 无法识别 or 不符: refused either way
    ("truncated png named jpg", "截断.jpg", PNG[:20], "不符"),
]


# The cases of one kind share one database (setting up the taxonomy per case would triple the time); each case is
# reported on its own (pytest subtests) and each must leave the data exactly as it found it.
def test_uploads_are_refused(world: Any, subtests: Any) -> None:
    from taizhang.ledger.evidence import add_evidence

    for label, name, content, message in UPLOADS:
        with subtests.test(msg=label):
            upload = SimpleUploadedFile(name, content, content_type="image/png")
            with pytest.raises(InvalidInput) as info:
                unchanged(lambda u=upload: add_evidence(acting_user=world.liaison, record=world.draft, files=[u]))
            assert message in info.value.message, info.value.message
            assert info.value.errors.get("file")


def test_oversized_upload_is_refused_before_reading(world: Any, settings: Any) -> None:
    from taizhang.ledger.evidence import add_evidence

    settings.TAIZHANG_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("大.png", PNG + b"\x00" * (1024 * 1024 + 1))
    with pytest.raises(InvalidInput, match="文件过大"):
        unchanged(lambda: add_evidence(acting_user=world.liaison, record=world.draft, files=[big]))


def test_one_bad_file_in_a_batch_stores_none(world: Any) -> None:
    from taizhang.ledger.evidence import add_evidence

    files = [SimpleUploadedFile("好.png", PNG), SimpleUploadedFile("坏.png", PDF)]
    with pytest.raises(InvalidInput, match=r"坏\.png"):
        unchanged(lambda: add_evidence(acting_user=world.liaison, record=world.draft, files=files))


NAMES = [
    ("path traversal", "../../../etc/passwd.png", "passwd.png"),
    ("windows traversal", "..\\..\\boot.ini\\照片.png", "照片.png"),
    ("NUL byte", "photo\x00.exe.png", "photo.exe.png"),
    ("right-to-left override", "photo\u202egnp.exe.png", "photognp.exe.png"),
    ("control characters", "a\x01b\x1fc.png", "abc.png"),
    ("reserved characters", 'a<b>c:d"e|f?g*.png', "a_b_c_d_e_f_g_.png"),
    ("only dots", "....png", "png"),
]


def test_file_names_are_sanitised_and_storage_names_generated(world: Any, subtests: Any) -> None:
    from taizhang.ledger.evidence import add_evidence

    for label, raw, expected in NAMES:
        with subtests.test(msg=label):
            [evidence] = add_evidence(acting_user=world.liaison, record=world.draft,
                                      files=[SimpleUploadedFile(raw, PNG)])
            assert evidence.original_name.endswith(expected.rsplit(".", 1)[-1])
            assert "/" not in evidence.original_name and "\\" not in evidence.original_name
            assert all(ord(ch) >= 32 and ch != "\u202e" for ch in evidence.original_name)
            stored = Path(evidence.file.path).resolve()
            media = Path(settings.MEDIA_ROOT).resolve()
            assert media in stored.parents and raw not in str(stored)


def test_long_names_are_shortened(world: Any) -> None:
    from taizhang.core.uploads import MAX_NAME_LENGTH, safe_filename

    assert len(safe_filename("长" * 500 + ".png")) <= MAX_NAME_LENGTH


def test_downloads_are_attachments_with_safe_headers(world: Any) -> None:
    from django.test import Client

    from taizhang.ledger.evidence import add_evidence

    [evidence] = add_evidence(acting_user=world.liaison, record=world.draft,
                              files=[SimpleUploadedFile('报告"; filename=evil.txt', b"plain text\n")])
    client = Client()
    client.force_login(world.liaison)
    from django.urls import reverse

    response = client.get(reverse("ledger:evidence_download", kwargs={"pk": evidence.pk}))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert disposition.count('"') == 2  # the quote in the name cannot end the parameter early
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].startswith("text/plain")
    assert not str(settings.MEDIA_URL or "/media/").startswith("/static/")


# --- 2. imports (Excel) -------------------------------------------------------------------------------------------
def template(rows: list[dict[str, Any]], type_key: str = "theory_group_study") -> bytes:
    from taizhang.ledger.excel.testing import fill_template
    from taizhang.ledger.models import ActivityType

    return fill_template(ActivityType.objects.get(key=type_key), rows, keep_examples=False)


def row(**over: Any) -> dict[str, Any]:
    base = {"单位代码": "SA1", "日期": datetime.date(2024, 3, 5), "标题": "集体学习", "参学人数": 30}
    base.update(over)
    return {k: v for k, v in base.items() if v is not ...}


def rewrite(data: bytes, name: str, fn: Callable[[bytes], bytes] | None = None,
            add: dict[str, bytes] | None = None) -> bytes:
    from taizhang.ledger.excel.testing import rewrite_part

    return rewrite_part(data, name, fn, add=add)


def with_doctype(xml: bytes) -> bytes:
    doctype = b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    if xml.startswith(b"<?xml"):
        end = xml.index(b"?>") + 2
        return xml[:end] + doctype + xml[end:]
    return doctype + xml


def sheet_name(data: bytes) -> str:
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    return next(n for n in names if n.startswith("xl/worksheets/sheet"))


IMPORTS: list[tuple[str, Callable[[], bytes], str]] = [
    ("csv renamed xlsx", lambda: "单位代码,日期\nSA1,2024-01-01\n".encode(), "不是有效的 Excel"),
    ("old xls (OLE)", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "旧版 Excel"),
    ("empty file", lambda: b"", "文件为空"),
    ("truncated zip", lambda: template([row()])[:300], "损坏"),
    ("macro-enabled content type", lambda: rewrite(template([row()]), "[Content_Types].xml",
                                                   lambda b: b.replace(b"sheet.main+xml",
                                                                       b"sheet.macroEnabled.main+xml")), "宏"),
    ("vbaProject.bin part", lambda: rewrite(template([row()]), "", add={"xl/vbaProject.bin": b"\xd0\xcf"}), "宏"),
    ("zip bomb part", lambda: rewrite(template([row()]), "", add={"xl/media/pad.xml": b"0" * (110 * 1024 * 1024)}),
     "压缩炸弹"),
    ("billion laughs in a sheet", lambda: (lambda d: rewrite(d, sheet_name(d), with_doctype))(template([row()])),
     "实体"),
    ("external entity in shared strings", lambda: rewrite(template([row()]), "", add={
        "xl/evil.xml": b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'}),
     "实体"),
    ("utf-16 entity declaration", lambda: rewrite(template([row()]), "", add={
        "xl/u16.xml": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x "y">]><r/>'.encode("utf-16")}),
     "实体"),
    ("word document as xlsx", lambda: ooxml("docx"), "不是 Excel"),
    ("formula instead of a title", lambda: template([row(标题="=HYPERLINK(\"http://x\",\"点我\")")]), "标题"),
    ("formula instead of a number", lambda: template([row(参学人数="=1+1")]), "参学人数"),
    ("malformed date", lambda: template([row(日期="2024-13-45")]), "日期"),
    ("words as a date", lambda: template([row(日期="上周三")]), "日期"),
    ("date before 1990", lambda: template([row(日期="1899-12-31")]), "早于 1990"),
    ("date two years ahead", lambda: template([row(日期=datetime.date.today() + datetime.timedelta(days=800))]),
     "晚于今天"),
    ("text as a number", lambda: template([row(参学人数="三十人")]), "参学人数"),
    ("negative number", lambda: template([row(参学人数=-5)]), "参学人数"),
    ("absurdly large number", lambda: template([row(参学人数=10**30)]), "参学人数"),
    ("NaN", lambda: template([row(参学人数="NaN")]), "参学人数"),
    ("unknown unit", lambda: template([row(单位代码="NOPE")]), "不存在"),
    ("unit outside the user's scope", lambda: template([row(单位代码="SB1")]), "无权"),
    ("zero-width space in a unit code", lambda: template([row(单位代码="SA\u200b1")]), "不存在"),
    ("duplicate rows", lambda: template([row(), row()]), "重复"),
    ("title over 200 characters", lambda: template([row(标题="长" * 201)]), "200"),
    ("missing required value", lambda: template([row(参学人数=...)]), "参学人数"),
    ("no data rows", lambda: template([]), "没有可导入的数据行"),
    ("one bad row among good ones", lambda: template([row(标题=f"学习{i}") for i in range(5)]
                                                     + [row(标题="坏行", 日期="2024-02-30")]), "不存在"),
]


def test_imports_are_refused_with_a_clear_error(world: Any, subtests: Any) -> None:
    from taizhang.ledger.excel.importer import format_error, import_file
    from taizhang.ledger.models import ImportBatch

    for label, build, message in IMPORTS:
        with subtests.test(msg=label):
            data = build()
            outcome = unchanged(lambda d=data: import_file(d, filename="填报.xlsx", acting_user=world.liaison))
            assert outcome.batch.status == ImportBatch.Status.FAILED
            text = "\n".join(format_error(e) for e in outcome.errors)
            assert message in text, text


def test_reimport_of_the_same_file_changes_nothing(world: Any) -> None:
    from taizhang.ledger.excel.importer import import_file

    data = template([row(标题=f"学习{i}") for i in range(3)])
    first = import_file(data, filename="a.xlsx", acting_user=world.liaison)
    assert first.created == 3
    again = unchanged(lambda: import_file(data, filename="a.xlsx", acting_user=world.liaison))
    assert again.created == 0 and "重复文件" in again.summary


def test_reimport_of_known_rows_in_a_new_file_skips_them(world: Any) -> None:
    from taizhang.ledger.excel.importer import import_file

    import_file(template([row(标题="甲"), row(标题="乙")]), filename="a.xlsx", acting_user=world.liaison)
    outcome = import_file(template([row(标题="甲"), row(标题="乙"), row(标题="丙")]), filename="b.xlsx",
                          acting_user=world.liaison)
    assert (outcome.created, outcome.skipped) == (1, 2)


def test_unicode_text_is_kept_and_exports_stay_inert(world: Any) -> None:
    from taizhang.ledger.excel.exporter import export_records
    from taizhang.ledger.excel.importer import import_file
    from taizhang.ledger.models import Record

    title = "𠮷野家 👍 学习 ①"
    outcome = import_file(template([row(标题=title), row(标题="@SUM(A1)", 日期="2024-03-06"),
                                    row(标题="+86 12345", 日期="2024-03-07")]),
                          filename="u.xlsx", acting_user=world.liaison)
    assert outcome.created == 3
    assert Record.objects.filter(title=title).exists()
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(export_records(Record.objects.filter(pk__in=outcome.record_ids)))).active
    titles = {c.value for c in ws["H"]}
    assert title in titles and "'@SUM(A1)" in titles and "'+86 12345" in titles


# --- 3. API requests ----------------------------------------------------------------------------------------------
def record_body(**over: Any) -> dict[str, Any]:
    body = {"unit": "SA", "activity_type": "lecture_event", "title": "宣讲", "start_date": "2024-05-01",
            "figures": {"lecture_audience": "80"}}
    body.update(over)
    return body


API: list[tuple[str, str, str, Any, str | None, int]] = [
    ("impossible date", "post", "/api/records/", record_body(start_date="2024-02-30"), None, 400),
    ("date as words", "post", "/api/records/", record_body(start_date="昨天"), None, 400),
    ("NaN figure", "post", "/api/records/", record_body(figures={"lecture_audience": "NaN"}), None, 400),
    ("Infinity figure", "post", "/api/records/", record_body(figures={"lecture_audience": "Infinity"}), None, 400),
    ("negative figure", "post", "/api/records/", record_body(figures={"lecture_audience": "-1"}), None, 400),
    ("figure as words", "post", "/api/records/", record_body(figures={"lecture_audience": "很多"}), None, 400),
    ("unknown metric", "post", "/api/records/", record_body(figures={"no_such_metric": "1"}), None, 400),
    ("unknown unit", "post", "/api/records/", record_body(unit="NOPE"), None, 400),
    ("unit outside scope", "post", "/api/records/", record_body(unit="SB"), None, 403),
    ("unknown activity type", "post", "/api/records/", record_body(activity_type="nope"), None, 400),
    ("title too long", "post", "/api/records/", record_body(title="长" * 5000), None, 400),
    ("NUL in title", "post", "/api/records/", record_body(title="a\x00b"), None, 400),
    ("empty title", "post", "/api/records/", record_body(title="   "), None, 400),
    ("figures not an object", "post", "/api/records/", record_body(figures=["1"]), None, 400),
    ("body is a list", "post", "/api/records/", [record_body()], None, 400),
    ("malformed JSON", "post", "/api/records/", '{"unit": "SA",', "application/json", 400),
    ("lone surrogate", "post", "/api/records/", '{"unit":"SA","activity_type":"lecture_event","title":"\\ud800",'
     '"start_date":"2024-05-01","figures":{"lecture_audience":"5"}}', "application/json", 400),
    ("text/plain body", "post", "/api/records/", "unit=SA", "text/plain", 415),
    ("unknown outlet in placement", "post", "/api/records/", record_body(
        activity_type="placement_print", placement={"outlet": "不存在的报纸", "article_title": "稿件"}), None, 400),
    ("bad ids filter", "get", "/api/records/?ids=1,abc", None, None, 400),
    ("bad period", "get", "/api/records/?period=2024Q5", None, None, 400),
    ("unknown unit filter", "get", "/api/records/?unit=NOPE", None, None, 400),
    ("figures without metric", "get", "/api/figures/", None, None, 400),
    ("figures with bad period", "get", "/api/figures/?metric=lecture_audience&period=yesterday", None, None, 400),
    ("figures for unit outside scope", "get", "/api/figures/?metric=lecture_audience&unit=SB", None, None, 403),
    ("patch without version", "patch", "/api/records/{draft}/", {"title": "新"}, None, 400),
    ("patch with bad version type", "patch", "/api/records/{draft}/", {"title": "新", "version": "x"}, None, 400),
    ("record of another unit", "get", "/api/records/999999/", None, None, 404),
]


def send(world: Any, method: str, url: str, body: Any, content_type: str | None) -> Any:
    call = getattr(world.api, method)
    url = url.replace("{draft}", str(world.draft.pk))
    if body is None:
        return call(url)
    if content_type:
        return call(url, data=body, content_type=content_type)
    return call(url, data=json.dumps(body), content_type="application/json")


def test_api_requests_are_refused_with_a_clear_error(world: Any, subtests: Any) -> None:
    for label, method, url, body, content_type, status in API:
        with subtests.test(msg=label):
            response = unchanged(lambda m=method, u=url, b=body, c=content_type: send(world, m, u, b, c))
            assert response.status_code == status, response.content[:300]
            detail = response.json().get("detail", "")
            assert detail and isinstance(detail, str)


def test_request_bodies_over_the_limit_are_refused(world: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps(record_body(description="长" * 2000))
    response = unchanged(lambda: world.api.post("/api/records/", data=body, content_type="application/json"))
    assert response.status_code in (400, 413)


def test_stale_version_is_409_and_nothing_is_lost(world: Any) -> None:
    record = world.draft
    url = f"/api/records/{record.pk}/"
    ok = world.api.patch(url, data={"title": "第一次修改", "version": record.version}, format="json")
    assert ok.status_code == 200
    stale = unchanged(lambda: world.api.patch(url, data={"title": "基于旧版本的修改", "version": record.version},
                                              format="json"))
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    record.refresh_from_db()
    assert record.title == "第一次修改"


def test_double_submit_with_one_idempotency_key_creates_one_record(world: Any) -> None:
    from taizhang.ledger.models import Record

    key = uuid.uuid4().hex
    before = Record.objects.count()
    first = world.api.post("/api/records/", data=record_body(title="双击"), format="json", HTTP_IDEMPOTENCY_KEY=key)
    second = world.api.post("/api/records/", data=record_body(title="双击"), format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Record.objects.count() == before + 1


# --- 4. hostile requests (issue 10): nesting, 64-bit overflow, year 0001, non-numeric ids, page sizes ------------
DEEP = 5000
DEEP_BODIES: dict[str, str] = {
    "list nested 5000 deep": "[" * DEEP + "]" * DEEP,
    "object nested 5000 deep": '{"a":' * DEEP + "1" + "}" * DEEP,
    "33 levels (one over the limit)": "[" * 33 + "]" * 33,
    "deep inside figures": '{"unit":"SA","activity_type":"lecture_event","title":"t","start_date":"2024-05-01",'
                           '"figures":' + '{"x":' * 2000 + "1" + "}" * 2000 + "}",
}
DEEP_TARGETS = [("post", "/api/records/"), ("patch", "/api/records/{draft}/"), ("post", "/api/summaries/"),
                ("post", "/api/reports/extract/"), ("post", "/api/monitor/items/")]
BAD_INTS = ["18446744073709551616", "9" * 40, "-1", "abc", "1e3", "１２", "²", "0x10", "1.5", "NaN"]
INT_PARAMS = ["/api/records/?ids={}", "/api/records/?ids=1,{}", "/api/records/?limit={}", "/api/records/?offset={}",
              "/api/placements/?limit={}", "/api/summaries/?limit={}", "/api/monitor/incidents/?offset={}",
              "/api/targets/?year={}"]
BAD_PERIODS = ["0001", "0001H1", "0001Q1", "0001Q1-Q3", "0001-01", "0001-01-01..0001-12-31", "9999", "10000",
               "2024-00", "2024Q4-Q1", "２０２４", "2024-02-30..2024-03-01", "2024" * 20, "2024-13"]
PERIOD_URLS = ["/api/records/?period={}", "/api/figures/?metric=lecture_audience&period={}"]
BAD_PKS = ["abc", "1e5", "9" * 30, "-1", "0x1", "1;1"]
PK_ROUTES = [("get", "/api/records/{}/"), ("post", "/api/records/{}/submit/"), ("post", "/api/records/{}/approve/"),
             ("post", "/api/records/{}/withdraw/"), ("post", "/api/records/{}/revise/"),
             ("post", "/api/records/{}/return/"), ("get", "/api/summaries/{}/"),
             ("post", "/api/summaries/{}/finalize/"), ("get", "/api/summaries/{}/docx/"),
             ("get", "/api/monitor/incidents/{}/"), ("get", "/api/monitor/alerts/{}/"),
             ("post", "/api/adjustments/{}/approve/"), ("post", "/api/assessment-runs/{}/publish/"),
             ("get", "/api/targets/{}/progress/"), ("get", "/api/bulletins/{}/document/")]
HUGE = "9" * 30
WEB_HUGE = [f"/ledger/records/{HUGE}/", f"/monitor/incidents/{HUGE}/", f"/targets/runs/{HUGE}/", f"/reports/{HUGE}/",
            f"/ledger/evidence/{HUGE}/download/", f"/targets/targets/{HUGE}/"]

HOSTILE: list[tuple[str, str, str, str | None]] = [  # label, method, url, raw JSON body
    *((f"{label} → {method.upper()} {url}", method, url, body)
      for label, body in DEEP_BODIES.items() for method, url in DEEP_TARGETS),
    *((f"{url.format(v)}", "get", url.format(v), None) for url in INT_PARAMS for v in BAD_INTS),
    *((f"period {p!r} → {url}", "get", url.format(p), None) for url in PERIOD_URLS for p in BAD_PERIODS),
    *((f"compose for period {p!r}", "post", "/api/summaries/", json.dumps({"unit": "D", "period": p}))
      for p in BAD_PERIODS),
    *((f"{method.upper()} {route.format(pk)}", method, route.format(pk), "{}" if method == "post" else None)
      for method, route in PK_ROUTES for pk in BAD_PKS),
    *((f"web {url}", "get", url, None) for url in WEB_HUGE),
]


def fingerprint_all() -> dict[str, Any]:
    """The ledger fingerprint and the row counts of every model the hostile requests aim at."""
    from taizhang.monitor.models import IngestBatch, MonitorItem
    from taizhang.reports.models import Summary
    from taizhang.targets.models import AssessmentRun

    return {**fingerprint(), "summaries": sorted(Summary.objects.values_list("pk", "status", "version")),
            "runs": AssessmentRun.objects.count(), "batches": IngestBatch.objects.count(),
            "items": MonitorItem.objects.count()}


def test_hostile_requests_get_a_clean_4xx_and_change_nothing(world: Any, subtests: Any) -> None:
    staff = make_user("staff", world.tree.district, username="corpus_staff")
    client = APIClient()
    client.force_login(staff)
    for label, method, url, body in HOSTILE:
        with subtests.test(msg=label):
            target = url.replace("{draft}", str(world.draft.pk))
            before = fingerprint_all()
            call = getattr(client, method)
            response = call(target, data=body, content_type="application/json") if body is not None else call(target)
            assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
            assert fingerprint_all() == before
            if target.startswith("/api/") and response.get("Content-Type", "").startswith("application/json"):
                detail = response.json().get("detail") if isinstance(response.json(), dict) else None
                assert detail or response.json(), response.content[:200]


def test_page_sizes_have_a_maximum(world: Any) -> None:
    for n in range(3):
        make_record(world.tree.street_a, "lecture_event", {"lecture_audience": 10 + n}, status="approved")
    response = world.api.get("/api/records/?limit=500")
    assert response.status_code == 200
    assert world.api.get("/api/records/?limit=501").status_code == 400
    assert "limit" in world.api.get("/api/records/?limit=501").json()


def test_corpus_is_large_enough() -> None:
    cases = len(UPLOADS) + len(NAMES) + len(IMPORTS) + len(API) + len(HOSTILE) + 10
    assert len(HOSTILE) >= 200
    assert cases >= 300
