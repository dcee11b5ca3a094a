"""Refused forms of the frameworks, documents and titles pages come back on their page with what was typed and the
error beside its field (status 400, 409 when the object changed meanwhile), never a redirect that loses them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from taizhang.civility import actions
from taizhang.civility.models import DocumentSubmission, Framework, Title, TitleApplication
from taizhang.civility.tests.factories import std
from taizhang.core.testing import PASSWORD

pytestmark = pytest.mark.django_db
DJANGO_DEFAULTS = ("确保该", "确认总共", "确认小数", "输入一个", "输入整数", "选择一个有效的选项", "这个字段是必填项",
                   "该字段是必填项")


def staff_client(world: dict[str, Any]) -> Client:
    client = Client()
    assert client.login(username=world["staff"].username, password=PASSWORD)
    return client


def field_error(html: str, auto_id: str) -> str:
    """The text of a field's error container (id <auto_id>_error in civility/_field.html)."""
    marker = f'<div id="{auto_id}_error">'
    assert marker in html, f"no error shown for {auto_id}"
    return html.split(marker, 1)[1].split("</div></div>", 1)[0]


def assert_plain(html: str) -> None:
    assert not any(default in html for default in DJANGO_DEFAULTS)


def test_new_framework_with_a_long_key_keeps_the_name(world: dict[str, Any]) -> None:
    r = staff_client(world).post("/civility/frameworks/new/", {"key": "k" * 41, "name": "二〇二六年测评体系"})
    html = r.content.decode()
    assert r.status_code == 400
    assert 'value="二〇二六年测评体系"' in html and 'value="' + "k" * 41 + '"' in html
    assert "最多填写 40 个字" in field_error(html, "id_key")
    assert 'action="/civility/frameworks/new/#framework-new"' in html and 'id="framework-new"' in html
    assert_plain(html)
    assert not Framework.objects.filter(name="二〇二六年测评体系").exists()


def test_new_framework_whose_key_is_taken_says_so_by_the_key(world: dict[str, Any]) -> None:
    r = staff_client(world).post("/civility/frameworks/new/", {"key": world["fw"].key, "name": "另一个体系"})
    html = r.content.decode()
    assert r.status_code == 400 and 'value="另一个体系"' in html
    assert "该体系标识已存在" in field_error(html, "id_key")
    ok = staff_client(world).post("/civility/frameworks/new/", {"key": "county2", "name": "新体系"})
    assert ok.status_code == 302 and Framework.objects.filter(key="county2", name="新体系").exists()


def _document(world: dict[str, Any]) -> DocumentSubmission:
    return actions.submit_document(acting_user=world["liaison_a"], standard=std(world["fw"], "S3"),
                                   unit=world["tree"].street_a, uploaded=SimpleUploadedFile("a.txt", b"plan"))


def test_document_review_keeps_the_reason(world: dict[str, Any]) -> None:
    doc = _document(world)
    client = staff_client(world)
    r = client.post(f"/civility/documents/{doc.pk}/review/", {"reason": "缺少单位盖章页", "version": doc.version})
    html = r.content.decode()
    assert r.status_code == 400
    assert 'value="缺少单位盖章页"' in html
    assert "请选择审核结果" in field_error(html, f"id_doc{doc.pk}_accept")
    assert f'id="document-{doc.pk}"' in html and f"/civility/documents/{doc.pk}/review/#document-{doc.pk}" in html
    too_long = client.post(f"/civility/documents/{doc.pk}/review/",
                           {"accept": "0", "reason": "理" * 501, "version": doc.version})
    assert too_long.status_code == 400
    assert "最多填写 500 个字（现有 501 个）" in field_error(too_long.content.decode(), f"id_doc{doc.pk}_reason")
    assert_plain(html + too_long.content.decode())
    no_reason = client.post(f"/civility/documents/{doc.pk}/review/", {"accept": "0", "reason": "",
                                                                       "version": doc.version})
    assert no_reason.status_code == 400
    assert "请填写退回理由" in field_error(no_reason.content.decode(), f"id_doc{doc.pk}_reason")
    doc.refresh_from_db()
    assert doc.status == DocumentSubmission.Status.SUBMITTED


def test_document_review_of_a_changed_document_is_409_with_the_reason(world: dict[str, Any]) -> None:
    doc = _document(world)
    stale = doc.version
    DocumentSubmission.objects.filter(pk=doc.pk).update(version=stale + 1)
    client = staff_client(world)
    r = client.post(f"/civility/documents/{doc.pk}/review/", {"accept": "0", "reason": "请补充照片",
                                                               "version": stale})
    html = r.content.decode()
    assert r.status_code == 409 and 'value="请补充照片"' in html and 'role="alert"' in html
    assert f'name="version" value="{stale + 1}"' in html  # sent again on purpose, it goes through
    again = client.post(f"/civility/documents/{doc.pk}/review/", {"accept": "0", "reason": "请补充照片",
                                                                   "version": stale + 1})
    assert again.status_code == 302
    doc.refresh_from_db()
    assert doc.status == DocumentSubmission.Status.RETURNED and doc.reason == "请补充照片"


def test_document_review_of_a_reviewed_document_keeps_the_reason(world: dict[str, Any]) -> None:
    doc = _document(world)
    actions.review_document(acting_user=world["staff"], submission=doc, accept=True)
    r = staff_client(world).post(f"/civility/documents/{doc.pk}/review/",
                                 {"accept": "0", "reason": "其实缺页", "version": doc.version + 1})
    html = r.content.decode()
    assert r.status_code == 400 and 'value="其实缺页"' in html and "该材料已审核" in html


def _title(world: dict[str, Any]) -> Title:
    app = actions.apply_title(acting_user=None, kind="unit", level="district", unit=world["tree"].street_a,
                              year=2024, applicant="东城街道")
    actions.review_application(acting_user=None, application=app, approve=True)
    return Title.objects.get(unit=world["tree"].street_a)


def test_title_check_keeps_the_note(world: dict[str, Any]) -> None:
    title = _title(world)
    r = staff_client(world).post(f"/civility/titles/{title.pk}/",
                                 {"action": "check", "year": "1999", "passed": "0", "note": "门前三包落实不到位"})
    html = r.content.decode()
    assert r.status_code == 400
    assert "门前三包落实不到位" in html and 'value="1999"' in html
    assert "年度应为 2000 至 2100 之间的整数" in field_error(html, f"id_check{title.pk}_year")
    assert f'id="title-{title.pk}-check"' in html and f"#title-{title.pk}-check" in html
    assert "<details open>" in html
    no_note = staff_client(world).post(f"/civility/titles/{title.pk}/",
                                       {"action": "check", "year": str(datetime.date.today().year), "passed": "0"})
    assert no_note.status_code == 400
    assert "请填写复查未通过的原因" in field_error(no_note.content.decode(), f"id_check{title.pk}_note")
    assert_plain(html)
    assert not title.checks.exists()


def test_title_revoke_with_a_too_long_reason_keeps_it(world: dict[str, Any]) -> None:
    title = _title(world)
    reason = "发生重大安全责任事故" * 60
    r = staff_client(world).post(f"/civility/titles/{title.pk}/", {"action": "revoke", "reason": reason})
    html = r.content.decode()
    assert r.status_code == 400 and reason in html
    assert "最多填写 500 个字" in field_error(html, f"id_revoke{title.pk}_reason")
    empty = staff_client(world).post(f"/civility/titles/{title.pk}/", {"action": "revoke", "reason": "  "})
    assert "请填写撤销原因" in field_error(empty.content.decode(), f"id_revoke{title.pk}_reason")
    title.refresh_from_db()
    assert title.status == Title.Status.ACTIVE


def test_application_review_keeps_the_reason(world: dict[str, Any]) -> None:
    app = actions.apply_title(acting_user=None, kind="unit", level="district", unit=world["tree"].street_a,
                              year=2025, applicant="东城街道")
    client = staff_client(world)
    r = client.post(f"/civility/titles/applications/{app.pk}/review/", {"reason": "事迹材料不够具体"})
    html = r.content.decode()
    assert r.status_code == 400 and 'value="事迹材料不够具体"' in html
    assert "请选择审核结果" in field_error(html, f"id_app{app.pk}_approve")
    assert f'id="application-{app.pk}"' in html
    no_reason = client.post(f"/civility/titles/applications/{app.pk}/review/", {"approve": "0", "reason": ""})
    assert no_reason.status_code == 400
    assert "请填写未通过的理由" in field_error(no_reason.content.decode(), f"id_app{app.pk}_reason")
    app.refresh_from_db()
    assert app.status == TitleApplication.Status.SUBMITTED
    done = client.post(f"/civility/titles/applications/{app.pk}/review/", {"approve": "0", "reason": "材料不全"})
    assert done.status_code == 302
    # reviewed meanwhile: the form comes back (first on the page) with what was typed and why
    late = client.post(f"/civility/titles/applications/{app.pk}/review/", {"approve": "1", "reason": "同意"})
    assert late.status_code == 400 and 'value="同意"' in late.content.decode()
    assert "该申报已审核完毕" in late.content.decode()


def test_titles_page_has_unique_field_ids(world: dict[str, Any]) -> None:
    _title(world)
    actions.apply_title(acting_user=None, kind="unit", level="district", unit=world["tree"].street_a, year=2025,
                        applicant="东城街道")
    import re

    html = staff_client(world).get("/civility/titles/").content.decode()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert ids and len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
