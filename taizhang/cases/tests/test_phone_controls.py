"""The case page on a phone: the fold-out headings (登记办理情况, 申请延期, 退单 …) are at least 44 px tall, the
evidence input is a styled control at least 44 px tall that takes several files (handle_case stores several); an
image attachment opened on its own carries the narrow image policy, so the browser's image viewer works."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from taizhang.cases import actions
from taizhang.cases.models import Case, CaseAttachment
from taizhang.cases.views import IMAGE_CSP
from taizhang.core.testing import PASSWORD, make_user

from .test_views import PNG

CSS = Path(__file__).resolve().parents[1] / "static" / "cases" / "cases.css"
PHONE = {"width": 390, "height": 844}


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_evidence_input_takes_several_files(
    tree: Any, people: Any, clock: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="路灯不亮")
    liaison = login(people.liaison_a1)
    page = liaison.get(f"/cases/{case.pk}/").content.decode()
    field = re.search(r'<input type="file" name="evidence"[^>]*>', page)
    assert field is not None and " multiple" in field.group(0) and 'class="tz-case-file"' in field.group(0)
    assert '<link rel="stylesheet" href="/static/cases/cases.css' in page
    files = [SimpleUploadedFile(f"after{i}.png", PNG, content_type="image/png") for i in (1, 2, 3)]
    response = liaison.post(f"/cases/{case.pk}/act/handle/", {"reply": "已更换灯泡", "evidence": files})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == Case.State.HANDLED
    assert sorted(a.original_name for a in CaseAttachment.objects.filter(case=case)) == [
        "after1.png",
        "after2.png",
        "after3.png",
    ]
    # one refused file refuses them all, the form says so by the field
    other = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="井盖缺失")
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00not a photo", content_type="application/octet-stream")
    ok = SimpleUploadedFile("ok.png", PNG, content_type="image/png")
    response = liaison.post(f"/cases/{other.pk}/act/handle/", {"reply": "已补", "evidence": [ok, bad]})
    assert response.status_code == 400 and "请重新选择文件" in response.content.decode()
    assert not CaseAttachment.objects.filter(case=other).exists()


def test_phone_rules_in_the_stylesheet() -> None:
    css = CSS.read_text(encoding="utf-8")
    file_rule = re.search(r"input\.tz-case-file \{([^}]*)\}", css)
    assert file_rule is not None and "min-height: 44px" in file_rule.group(1) and "border:" in file_rule.group(1)
    phone = css[css.index("@media (max-width: 600px)") :]
    phone = phone[: phone.index("\n}\n")]
    assert re.search(r"\.tz-case-actions summary \{[^}]*min-height: 44px", phone)


def test_an_image_attachment_carries_the_image_policy(
    tree: Any, people: Any, clock: Any, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="横幅褪色")
    actions.handle_case(
        acting_user=people.liaison_a1,
        case=case,
        reply="已更换",
        files=[
            SimpleUploadedFile("after.png", PNG, content_type="image/png"),
            SimpleUploadedFile("说明.txt", "已更换横幅。".encode(), content_type="text/plain"),
        ],
    )
    client = login(people.liaison_a1)
    image = CaseAttachment.objects.get(case=case, is_image=True)
    response = client.get(f"/cases/attachments/{image.pk}/")
    assert response.status_code == 200 and response["Content-Security-Policy"] == IMAGE_CSP
    assert "attachment" not in response.get("Content-Disposition", "")  # shown, not downloaded
    document = CaseAttachment.objects.get(case=case, is_image=False)
    response = client.get(f"/cases/attachments/{document.pk}/")
    assert response["Content-Security-Policy"] == django_settings.TAIZHANG_CSP  # a download keeps the site's


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_fold_outs_and_evidence_input_on_a_phone(live_server: Any, browser: Any) -> None:
    from taizhang.core.testing import make_tree

    tree = make_tree()
    make_user("liaison", tree.community_a1, username="liaison")
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="宣传栏破损")
    base = live_server.url
    page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", "liaison")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.goto(f"{base}/cases/{case.pk}/")
    for name in ("handle", "extension", "send_back"):
        box = page.locator(f"#case-action-{name} > summary").bounding_box()
        assert box is not None and box["height"] >= 44, (name, box)
    file_input = page.locator("form[action*='/act/handle/'] input[type=file]")
    box = file_input.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 300, box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    page.fill("form[action*='/act/handle/'] textarea[name=reply]", "已更换宣传栏内容")
    file_input.set_input_files(
        files=[{"name": f"after{i}.png", "mimeType": "image/png", "buffer": PNG} for i in (1, 2)]
    )
    page.click("form[action*='/act/handle/'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已登记办理情况" in page.content()
    assert CaseAttachment.objects.filter(case=case).count() == 2
    attachment = CaseAttachment.objects.filter(case=case).first()
    assert attachment is not None
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{base}/cases/attachments/{attachment.pk}/")
    page.wait_for_load_state("load")
    assert page.locator("img").count() == 1 and errors == []
