"""What a 390 px phone review of the inspector's and the unit's pages found: a refused 报送整改 / 复查 comes back with
400, what was typed kept and the problem beside its field (a non-image photo beside the photo field it was chosen
in); a form opened before the problem moved on says so (409); the section tabs scroll in one row; the checklist's
controls are 44 px targets."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from taizhang.civility.models import Problem
from taizhang.civility.tests.factories import inspect, jpeg
from taizhang.core.testing import PASSWORD

pytest.importorskip("taizhang.cases.actions")

STATIC = Path(__file__).resolve().parents[1] / "static" / "civility"


def _problem(w: dict[str, Any]) -> Problem:
    inspection = inspect(w["market"], w["fw"], {"S1": True, "S2": False}, datetime.date(2024, 5, 6), user=w["staff"])
    return Problem.objects.get(inspection=inspection)


def _client(username: str) -> Client:
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return c


def _field_block(page: str, field_id: str) -> str:
    """The .tz-field holding the control `field_id` (up to the next field)."""
    start = page.index(f'for="{field_id}"')
    end = re.compile(r'<div class="tz-field[" ]').search(page, start)
    return page[start:end.start() if end else len(page)]


def test_a_non_image_after_photo_is_refused_beside_its_field_and_the_reply_kept(world: dict[str, Any]) -> None:
    problem = _problem(world)
    c = _client("liaison_a1")
    r = c.post(f"/civility/problems/{problem.pk}/", {
        "action": "rectify", "r-reply": "已清理占道摊点",
        "r-after": SimpleUploadedFile("note.txt", b"not a photo", content_type="text/plain"),
    })
    assert r.status_code == 400
    page = r.content.decode()
    assert "已清理占道摊点</textarea>" in page
    after = _field_block(page, "id_r-after")
    assert "tz-field__error" in after and "只能上传" in after and "请重新选择文件" in after
    assert "只能上传" not in _field_block(page, "id_r-before")
    assert 'action="#cv-rectify"' in page and 'id="cv-rectify"' in page
    assert "未能报送整改，未保存任何内容" in page
    problem.refresh_from_db()
    assert problem.status == Problem.Status.OPEN


def test_a_too_long_reply_and_a_missing_photo_are_400_with_the_text_kept(world: dict[str, Any]) -> None:
    problem = _problem(world)
    c = _client("liaison_a1")
    long_reply = "长" * 2500
    r = c.post(f"/civility/problems/{problem.pk}/", {"action": "rectify", "r-reply": long_reply, "r-after": jpeg()})
    assert r.status_code == 400
    page = r.content.decode()
    assert long_reply in page
    assert "2000" in _field_block(page, "id_r-reply")
    r = c.post(f"/civility/problems/{problem.pk}/", {"action": "rectify", "r-reply": "已清理"})
    assert r.status_code == 400
    assert "已清理</textarea>" in r.content.decode()
    assert "tz-field__error" in _field_block(r.content.decode(), "id_r-after")


def test_reinspect_failed_without_a_note_is_refused_beside_the_note(world: dict[str, Any]) -> None:
    problem = _problem(world)
    unit = _client("liaison_a1")
    assert unit.post(f"/civility/problems/{problem.pk}/", {
        "action": "rectify", "r-reply": "已清理", "r-after": jpeg()}).status_code == 302
    staff = _client("wmb_staff")
    r = staff.post(f"/civility/problems/{problem.pk}/", {"action": "reinspect", "v-passed": "0", "v-note": ""})
    assert r.status_code == 400
    page = r.content.decode()
    assert "请填写复查未通过的原因" in _field_block(page, "id_v-note")
    assert re.search(r'value="0"[^>]*checked', page)  # the chosen result is kept
    assert 'action="#cv-reinspect"' in page
    problem.refresh_from_db()
    assert problem.status == Problem.Status.RECTIFIED


def test_a_stale_rectify_form_says_the_problem_moved_on(world: dict[str, Any]) -> None:
    problem = _problem(world)
    c = _client("liaison_a1")
    assert c.post(f"/civility/problems/{problem.pk}/", {
        "action": "rectify", "r-reply": "已清理", "r-after": jpeg()}).status_code == 302
    r = c.post(f"/civility/problems/{problem.pk}/", {"action": "rectify", "r-reply": "再报一次", "r-after": jpeg()})
    assert r.status_code == 409
    assert "您的提交未保存" in r.content.decode() and "已整改" in r.content.decode()


def test_the_section_tabs_scroll_in_one_row_and_mark_the_current_one(world: dict[str, Any]) -> None:
    page = _client("wmb_staff").get("/civility/problems/").content.decode()
    assert 'class="tz-filters cv-tabs"' in page and "civility/civility.css" in page
    assert re.search(r'href="/civility/problems/" aria-current="page">问题清单', page)
    assert "cv-rows" in page
    css = (STATIC / "civility.css").read_text()
    assert ".tz-filters.cv-tabs { flex-wrap: nowrap; overflow-x: auto;" in css
    assert "#cv-form .cv-note { height: 44px; min-height: 44px; }" in css
    assert ".cv-rows td a { display: inline-flex; align-items: center; min-height: 44px; }" in css


def test_an_unreadable_checklist_photo_is_said_beside_its_item() -> None:
    js = (STATIC / "checklist.js").read_text()
    block = js[js.index("function addPhotos"):js.index("function locate")]
    assert "itemError(sid, text)" in block and "只能用 JPG、PNG 等图片" in block
    # a changed civility.css / checklist.js reaches phones that keep the old ones in the service worker's cache
    sw = (Path(__file__).resolve().parents[1] / "templates" / "civility" / "sw.js").read_text()
    assert 'var CACHE = "tz-civility-v3"' in sw and 'var CACHE = "tz-civility-v3"' in js


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_tabs_note_box_and_an_unreadable_photo(live_server: Any, browser: Any, tmp_path: Any,
                                                     settings: Any) -> None:
    """390 px in Chromium: the section tabs are one row (the list starts on the first screen), the page no wider
    than the screen; the checklist's note box is a 44 px target; a document chosen as a photo is refused beside
    its item."""
    from taizhang.civility.tests.factories import std
    from taizhang.civility.tests.test_browser import inspector_on_a_phone

    context, page, fw, market, base = inspector_on_a_phone(live_server, browser, tmp_path, settings)

    page.goto(f"{base}/civility/problems/")
    tabs = page.locator("nav.cv-tabs").bounding_box()
    assert tabs is not None and tabs["height"] < 100, tabs
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    current = page.locator("nav.cv-tabs a[aria-current=page]")
    assert current.inner_text() == "问题清单" and (current.bounding_box() or {"height": 0})["height"] >= 44

    page.goto(f"{base}/civility/inspect/{market.pk}/")
    page.wait_for_selector("#cv-checklist[data-ready='1']", timeout=15000)
    s2 = std(fw, "S2")
    note = page.locator(f"input[name='note{s2.pk}']").bounding_box()
    assert note is not None and note["height"] >= 44
    page.set_input_files(f"input[type=file][data-standard='{s2.pk}']",
                         files=[{"name": "note.txt", "mimeType": "text/plain", "buffer": b"not a photo"}])
    error = page.locator(f"[data-error='{s2.pk}']")
    error.wait_for(state="visible", timeout=10000)
    assert "照片读取失败" in error.inner_text()
    assert page.locator(f"[data-thumbs='{s2.pk}'] img").count() == 0
    context.close()


def test_several_photos_at_once_and_a_too_long_note(world: dict[str, Any]) -> None:
    """A phone's gallery picks several photos at once: each photo field of 整改 and 复查 takes them all."""
    from taizhang.civility.models import Photo

    problem = _problem(world)
    page = _client("liaison_a1").get(f"/civility/problems/{problem.pk}/").content.decode()
    assert re.search(r'<input[^>]*name="r-after"[^>]*multiple', page)
    r = _client("liaison_a1").post(f"/civility/problems/{problem.pk}/", {
        "action": "rectify", "r-reply": "已清理", "r-before": [jpeg(), jpeg()], "r-after": [jpeg(), jpeg(), jpeg()]})
    assert r.status_code == 302
    assert problem.photos.filter(stage=Photo.Stage.BEFORE).count() == 2
    assert problem.photos.filter(stage=Photo.Stage.AFTER).count() == 3
    staff = _client("wmb_staff")
    r = staff.post(f"/civility/problems/{problem.pk}/", {"action": "reinspect", "v-passed": "0", "v-note": "长" * 2001})
    assert r.status_code == 400 and "复查意见不能超过2000个字" in _field_block(r.content.decode(), "id_v-note")
    r = staff.post(f"/civility/problems/{problem.pk}/", {"action": "reinspect", "v-passed": "1", "v-note": "已整改",
                                                         "v-photo": [jpeg(), jpeg()]})
    assert r.status_code == 302
    assert problem.photos.filter(stage=Photo.Stage.REINSPECTION).count() == 2
