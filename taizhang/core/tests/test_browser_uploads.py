"""In real Chromium: a file over the upload limit is refused the moment it is chosen, with a Chinese message
naming it, and the form is not sent (on a phone network a 78 MB photo used to upload for minutes before the server
said 文件过大); a file within the limit clears the message. The server's own check is tested in test_uploads.py."""

from __future__ import annotations

from typing import Any

import pytest

from taizhang.core.testing import make_record, make_user
from taizhang.core.tests.test_browser_workbench import login

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True)
def test_a_file_over_the_limit_is_refused_when_chosen(live_server: Any, browser: Any, settings: Any) -> None:
    from taizhang.core.testing import make_tree
    from taizhang.ledger.models import Evidence
    from taizhang.ledger.taxonomy import load_defaults

    settings.TAIZHANG_MAX_UPLOAD_MB = 1
    load_defaults()
    tree = make_tree()
    make_user("liaison", tree.street_a, username="up_liaison")
    record = make_record(tree.street_a, "lecture_event", {"lecture_audience": 10}, status="draft", title="东城宣讲")
    page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}).new_page()
    login(page, live_server.url, "up_liaison")
    page.goto(f"{live_server.url}/ledger/records/{record.pk}/")
    field = page.locator("#tz-evidence-file")
    field.set_input_files([{"name": "大照片.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8" + b"0" * 1_600_000}])
    note = page.locator(".tz-upload-too-big")
    assert "文件过大：大照片.jpg（1.5 MB）" in note.inner_text() and "最大 1 MB" in note.inner_text()
    assert field.evaluate("el => el.validationMessage").startswith("文件过大")
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").first.click()
    page.wait_for_timeout(300)
    assert Evidence.objects.filter(record=record).count() == 0  # the browser did not send it
    field.set_input_files([{"name": "小照片.txt", "mimeType": "text/plain", "buffer": "活动签到表".encode()}])
    assert page.locator(".tz-upload-too-big").count() == 0
    assert field.evaluate("el => el.validationMessage") == ""
