"""The inspector's phone page in real Chromium at 390 px: open the checklist, lose the network, fill it in (with a
photo) and submit (kept on the phone), reload it offline (served by the service worker), get the network back:
the inspection reaches the server once, its failed standard becomes a problem."""

from __future__ import annotations

import io
from typing import Any

import pytest

from taizhang.core.testing import PASSWORD, make_user

pytestmark = pytest.mark.browser


def login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, page.content()[:2000]


def inspector_on_a_phone(live_server: Any, browser: Any, tmp_path: Any, settings: Any) -> tuple[Any, ...]:
    """A district with one framework and one market site, and the inspector logged in on a 390 px touch screen:
    (browser context, page, framework, site, server address)."""
    from taizhang.civility.tests.factories import framework, site
    from taizhang.core.testing import make_tree

    settings.MEDIA_ROOT = str(tmp_path / "media")
    tree = make_tree()
    fw = framework(tree.district)
    market = site(tree.community_a1, "M1", "market", "东一农贸市场")
    make_user("reviewer", tree.district, username="inspector")
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    login(page, live_server.url, "inspector")
    return context, page, fw, market, live_server.url


def photo_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneCam"
    Image.new("RGB", (800, 600), (30, 120, 200)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_offline_inspection_is_sent_when_the_network_returns(live_server: Any, browser: Any, tmp_path: Any,
                                                             settings: Any) -> None:
    from playwright.sync_api import expect

    from taizhang.civility.models import Inspection, Photo, Problem
    from taizhang.civility.tests.factories import std

    context, page, fw, market, base = inspector_on_a_phone(live_server, browser, tmp_path, settings)
    page.goto(f"{base}/civility/inspect/{market.pk}/")
    page.wait_for_selector("#cv-checklist[data-offline-ready='1']", timeout=30000)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    context.set_offline(True)
    s1, s2 = std(fw, "S1"), std(fw, "S2")
    page.check(f"input[name='s{s1.pk}'][value='1']")
    page.check(f"input[name='s{s2.pk}'][value='0']")
    page.fill(f"input[name='note{s2.pk}']", "市场门口有占道经营")
    page.set_input_files(f"input[type=file][data-standard='{s2.pk}']",
                         files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}])
    page.wait_for_selector(f"[data-thumbs='{s2.pk}'] img", timeout=10000)
    page.click("#cv-submit")
    expect(page.locator("#cv-status")).to_contain_text("保存在本机", timeout=15000)
    assert Inspection.objects.count() == 0

    # Still offline: the page opens again from the service worker's cache, the queued inspection still there.
    page.reload()
    page.wait_for_selector("#cv-checklist[data-ready='1']", timeout=15000)
    expect(page.locator("#cv-outbox")).to_contain_text("1 份", timeout=15000)
    assert Inspection.objects.count() == 0

    context.set_offline(False)
    expect(page.locator("#cv-status")).to_contain_text("已提交", timeout=30000)
    inspection = Inspection.objects.get()
    assert inspection.site == market and inspection.met_count == 1 and inspection.failed_count == 1
    problem = Problem.objects.get()
    assert problem.standard == s2 and problem.description == "市场门口有占道经营"
    photo = Photo.objects.get()
    assert photo.problem == problem and photo.taken_at is not None
    from PIL import Image

    with photo.image.open("rb") as f:
        assert not Image.open(f).getexif()  # nothing of the camera's metadata is stored
    context.close()


@pytest.mark.django_db(transaction=True)
def test_phone_tap_targets_confirmation_and_the_saved_inspection(live_server: Any, browser: Any, tmp_path: Any,
                                                                 settings: Any) -> None:
    """390 px: site rows and 拍照 are at least 44 px tall; a 不达标 item without note or photo is refused by the
    server and nothing typed is lost; unrated items ask for the confirmation box; the saved inspection follows, and
    the site list marks the site as inspected in the round."""
    from django.utils import timezone
    from playwright.sync_api import expect

    from taizhang.civility import actions
    from taizhang.civility.models import Inspection
    from taizhang.civility.tests.factories import framework, site, std
    from taizhang.core.testing import make_tree

    settings.MEDIA_ROOT = str(tmp_path / "media")
    tree = make_tree()
    fw = framework(tree.district)
    market = site(tree.community_a1, "M1", "market", "东一农贸市场")
    site(tree.community_b1, "B1", "back_street", "西一背街")
    rnd = actions.create_round(acting_user=None, framework=fw, owner=tree.district, name="第4轮实地测评",
                               week_start=timezone.localdate(), site_types=["market", "back_street"])
    make_user("reviewer", tree.district, username="inspector")
    base = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    login(page, base, "inspector")

    page.goto(f"{base}/civility/inspect/")
    heights = page.eval_on_selector_all(".cv-site", "els => els.map(e => e.getBoundingClientRect().height)")
    assert heights and min(heights) >= 44, heights
    assert page.locator(".cv-site", has_text="本轮未测").count() == 2

    page.goto(f"{base}/civility/inspect/{market.pk}/?round={rnd.pk}")
    page.wait_for_selector("#cv-checklist[data-ready='1']", timeout=30000)
    box = page.locator(".cv-photo").first.bounding_box()
    assert box is not None and box["height"] >= 44, box
    back = page.locator(".cv-head > a").bounding_box()
    assert back is not None and back["height"] >= 44, back
    # each item's title lies wholly inside its card, even when it wraps (a legend on the border drew its first
    # line above the card)
    s2 = std(fw, "S2")
    s2.text = "门前三包责任制落实到位，无占道经营、无乱堆乱放、无乱贴乱画，门店招牌规范整洁"
    s2.save(update_fields=["text"])
    page.reload()
    page.wait_for_selector("#cv-checklist[data-ready='1']", timeout=30000)
    inside = page.eval_on_selector_all(".cv-item", """els => els.map(e => {
        const card = e.getBoundingClientRect(), title = e.querySelector('legend').getBoundingClientRect();
        return [title.top >= card.top + 8, title.bottom <= card.bottom, title.height]; })""")  # inside the padding
    assert inside and all(top and bottom for top, bottom, _h in inside), inside
    assert max(h for _t, _b, h in inside) > 30, inside  # the long title wraps, and still fits
    page.check(f"input[name='s{s2.pk}'][value='0']")
    page.click("#cv-submit")
    expect(page.locator(f"[data-error='{s2.pk}']")).to_contain_text("请写明问题或拍照", timeout=15000)
    expect(page.locator("#cv-confirm")).to_be_visible()
    expect(page.locator("#cv-confirm-text")).to_have_text("还有 1 项未评，确认提交")
    assert Inspection.objects.count() == 0
    assert page.is_checked(f"input[name='s{s2.pk}'][value='0']")  # nothing lost

    page.fill(f"input[name='note{s2.pk}']", "门口有占道经营")
    confirm = page.locator("#cv-confirm").bounding_box()
    assert confirm is not None and confirm["height"] >= 44
    page.check("#cv-confirm-box")
    page.click("#cv-submit")
    page.wait_for_url("**/civility/inspections/*/?submitted=1", timeout=15000)
    expect(page.locator(".cv-submitted")).to_contain_text("不达标 1 项")
    expect(page.locator(".cv-submitted")).to_contain_text("下一个点位：西一背街")
    inspection = Inspection.objects.get()
    assert inspection.round == rnd and inspection.failed_count == 1

    page.goto(f"{base}/civility/inspect/")
    expect(page.locator(".cv-site", has_text="东一农贸市场")).to_contain_text("本轮已测评")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
