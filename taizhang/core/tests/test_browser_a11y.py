"""Accessibility (WCAG 2.1 A and AA) of the pages people use, checked by axe-core in Chromium on a desktop and a
phone: no critical or serious violation on any menu page of the department's staff, a street's liaison and a
community's liaison, on the record form sent back with errors, or on the public site. axe is vendored for this test
only (tests/vendor/axe-core, MPL-2.0) and injected into each page.

A violation is reported with its rule, the page and the first failing elements, so the message says what to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from taizhang.core.tests.test_browser_crawl import DESKTOP, PHONE, build_world, menu_urls

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")
ROLES = ("staff@D", "liaison@SA", "liaison@SA1")
PUBLIC = ("/public/", "/public/report/", "/public/reports/", "/public/track/", "/public/volunteers/",
          "/public/volunteers/login/", "/public/volunteers/verify/", "/public/votes/", "/public/honours/")


def axe_context(browser: Any, live_server: Any, user: Any | None, viewport: dict[str, int]) -> Any:
    """A context that lets the test inject axe (the pages' CSP allows scripts from 'self' only), signed in as the
    user (None: anonymous)."""
    context = browser.new_context(locale="zh-CN", viewport=viewport, bypass_csp=True)
    if user is not None:
        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])
    return context


def violations(page: Any) -> list[str]:
    """The critical and serious violations on the page as loaded, one line per rule."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate("tags => axe.run(document, {runOnly: tags, resultTypes: ['violations']})", TAGS)
    lines = []
    for v in found["violations"]:
        if v["impact"] in BLOCKING:
            where = "；".join(" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                             for n in v["nodes"][:3])
            lines.append(f"{v['id']}（{v['impact']}，{len(v['nodes'])} 处）：{where}")
    return lines


def check(page: Any, url: str, failures: list[str], who: str) -> None:
    for viewport, name in ((DESKTOP, "桌面"), (PHONE, "手机")):
        page.set_viewport_size(viewport)
        page.goto(url, wait_until="load")
        page.wait_for_timeout(30)  # app.js marks scrolling tables once laid out
        failures += [f"{who} {name} {url.split('://', 1)[-1].split('/', 1)[-1]}：{line}"
                     for line in violations(page)]


@pytest.mark.django_db(transaction=True)
def test_menu_pages_and_the_public_site_have_no_serious_violations(live_server: Any, browser: Any, taxonomy: Any,
                                                                    tree: Any) -> None:
    world = build_world(tree)
    failures: list[str] = []
    checked = 0
    for who in ROLES:
        context = axe_context(browser, live_server, world.users[who], DESKTOP)
        page = context.new_page()
        for _label, url in menu_urls(world.users[who]):
            check(page, live_server.url + url, failures, who)
            checked += 1
        context.close()
    context = axe_context(browser, live_server, None, PHONE)
    page = context.new_page()
    for url in PUBLIC:
        check(page, live_server.url + url, failures, "公众")
        checked += 1
    context.close()
    print(f"axe: {checked} pages, desktop and phone")
    assert checked >= 60
    assert not failures, f"{len(failures)} 处无障碍问题：\n" + "\n".join(failures)


@pytest.mark.django_db(transaction=True)
def test_the_record_form_sent_back_with_errors_names_them_to_screen_readers(live_server: Any, browser: Any,
                                                                            taxonomy: Any, tree: Any) -> None:
    """The errors of a refused form are announced and tied to their fields (aria-describedby points at them), and
    the unit picker's button carries its select's error."""
    world = build_world(tree)
    context = axe_context(browser, live_server, world.users["liaison@SA"], PHONE)
    page = context.new_page()
    page.goto(live_server.url + "/ledger/records/new/")
    page.locator("form button[name='submit']").click()
    page.wait_for_load_state("load")
    assert page.locator(".tz-field--error").count() >= 1
    missing = page.evaluate("""() => Array.from(document.querySelectorAll('[aria-describedby]'))
        .flatMap(e => e.getAttribute('aria-describedby').split(/\\s+/).filter(id => !document.getElementById(id))
        .map(id => (e.id || e.name || e.tagName) + ' → ' + id))""")
    assert missing == []
    title_error = page.evaluate("document.getElementById('id_title_error')?.textContent || ''")
    assert "必填" in title_error, title_error
    assert violations(page) == []
    context.close()
