"""A walk through every menu page as every role, in Chromium, on a desktop (1280 px) and a phone (390 px) (issue 17):
no error status, nothing a user should never see (command names, server paths, English error text, ISO
timestamps) and, on the phone, no horizontal scroll. Also the phone layout itself: the menu drawer, the record list
as cards with its filters in a drawer.

The world is small but has something on every page: the test tree, users of every role (as the demo defines them:
district staff, reviewer, viewer/leader, the three administrators; liaisons of a street, a community and a bureau),
a street's staff (test_menu_pages.py checks the other street roles without a browser), the permission
matrix's sample objects of every app (built through the actions) and a few records."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from taizhang.core.testing import make_record, make_user

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}

# What no page may show (issue 17, "What users should never see").
FORBIDDEN_TEXT = (
    "taizhang ", "manage.py", "POST /api",  # command names, raw API calls
    "/work/", "/home/", '.py"', "Traceback",  # server paths, stack traces
    "Page not found", "Server Error", "This field is required", "Forbidden",  # Django's English errors
)
ISO_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass
class World:
    users: dict[str, Any]  # "role@unit" → user
    data: dict[str, Any] = field(default_factory=dict)


def build_world(tree: Any) -> World:
    from taizhang.core.testing_matrix import make_world, registry

    matrix = make_world(tree)
    registry(matrix)  # the sample objects of every app (cases, citizen reports, campaigns, summaries …)
    day = datetime.date(2024, 5, 12)
    for unit, status in ((tree.street_a, "approved"), (tree.community_a1, "submitted"), (tree.street_a, "draft"),
                         (tree.street_b, "returned"), (tree.bureau, "approved")):
        make_record(unit, "lecture_event", {"lecture_events": 2, "lecture_audience": 80}, day=day, status=status)
    users = {
        "staff@D": matrix.users["in:staff@D"],
        "viewer@D": matrix.users["in:viewer@D"],
        "reviewer@D": make_user("reviewer", tree.district, username="crawl_reviewer_d"),
        "sysadmin@D": matrix.users["in:sysadmin@D"],
        "secadmin@D": matrix.users["in:secadmin@D"],
        "auditadmin@D": matrix.users["in:auditadmin@D"],
        "staff@SA": matrix.users["in:staff@SA"],
        "liaison@SA": matrix.users["in:liaison@SA"],
        "liaison@SA1": make_user("liaison", tree.community_a1, username="crawl_liaison_a1"),
        "liaison@BE": make_user("liaison", tree.bureau, username="crawl_liaison_be"),
    }
    return World(users, matrix.data)


def signed_in_context(browser: Any, live_server: Any, user: Any, viewport: dict[str, int]) -> Any:
    """A browser context holding the user's session (the login page itself has tests of its own)."""
    from django.conf import settings

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])
    return context


def menu_urls(user: Any) -> list[tuple[str, str]]:
    from taizhang.core.navigation import menu_for

    return [(item["label"], item["url"]) for group in menu_for(user, "/") for item in group["items"]]


def problems_on(page: Any, status: int) -> list[str]:
    found = []
    if status >= 400:
        found.append(f"HTTP {status}")
    text = page.evaluate("document.body.innerText")
    for bad in FORBIDDEN_TEXT:
        if bad in text:
            at = text.index(bad)
            found.append(f"显示了“{bad}”：…{text[max(0, at - 40):at + 40]!r}…")
    stamp = ISO_TIMESTAMP.search(text)
    if stamp:
        found.append(f"ISO 时间：{stamp.group()}")
    return found


def phone_overflow(page: Any) -> str:
    """'' when the page fits 390 px, else its width and the widest elements (to find the culprit)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    if width <= PHONE["width"]:
        return ""
    culprits = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > 392 && e.offsetParent !== null)
        .filter(e => !Array.from(e.children).some(c => c.getBoundingClientRect().right > 392))
        .slice(0, 4).map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.')
              : '') + ' ' + Math.round(e.getBoundingClientRect().right) + 'px')""")
    return f"手机上页面宽 {width}px（{'；'.join(culprits)}）"


@pytest.mark.django_db(transaction=True)
def test_every_menu_page_as_every_role_on_desktop_and_phone(live_server: Any, browser: Any, taxonomy: Any,
                                                             tree: Any) -> None:
    world = build_world(tree)
    failures: list[str] = []
    visited = 0
    for who, user in world.users.items():
        pages = menu_urls(user)
        assert pages, f"{who} 没有菜单"
        context = signed_in_context(browser, live_server, user, DESKTOP)
        page = context.new_page()
        for label, url in pages:
            page.set_viewport_size(DESKTOP)
            response = page.goto(live_server.url + url, wait_until="load")
            visited += 1
            status = response.status if response is not None else 0
            for problem in problems_on(page, status):
                failures.append(f"{who} {label} {url}：{problem}")
            page.set_viewport_size(PHONE)
            page.wait_for_timeout(50)
            overflow = phone_overflow(page)
            if overflow:
                failures.append(f"{who} {label} {url}：{overflow}")
        context.close()
    print(f"crawl: {visited} menu pages as {len(world.users)} roles, desktop and phone")
    assert visited >= 250
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)


@pytest.mark.django_db(transaction=True)
def test_phone_menu_opens_and_closes_with_mouse_and_keyboard(live_server: Any, browser: Any, tree: Any) -> None:
    staff = make_user("staff", tree.district)
    page = signed_in_context(browser, live_server, staff, PHONE).new_page()
    page.goto(live_server.url + "/")
    toggle = page.locator("[data-tz-menu-toggle]")
    sidebar = page.locator("#tz-sidebar")
    assert toggle.is_visible() and not sidebar.is_visible()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    toggle.click()
    assert sidebar.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.activeElement.closest('#tz-sidebar') !== null")  # focus moved into the menu
    page.keyboard.press("Escape")
    assert not sidebar.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.hasAttribute('data-tz-menu-toggle')")  # focus back on the button
    page.keyboard.press("Enter")  # the button is a real button: the keyboard opens it too
    assert sidebar.is_visible()
    page.mouse.click(380, 400)  # outside the drawer
    assert not sidebar.is_visible()
    # on a desktop there is no button and the sidebar is always there
    page.set_viewport_size(DESKTOP)
    assert sidebar.is_visible() and not toggle.is_visible()


@pytest.mark.django_db(transaction=True)
def test_record_list_on_a_phone_is_cards_with_filters_in_a_drawer(live_server: Any, browser: Any, taxonomy: Any,
                                                                   tree: Any) -> None:
    for n in range(3):
        make_record(tree.street_a, "lecture_event", {"lecture_events": 2 + n, "lecture_audience": 80},
                    title=f"东城街道“百姓宣讲”进社区活动第{n + 1}场（理论宣讲与政策解读）", status="submitted")
    liaison = make_user("liaison", tree.street_a)
    page = signed_in_context(browser, live_server, liaison, PHONE).new_page()
    page.goto(live_server.url + "/ledger/records/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    table = page.locator("table.tz-table--cards").first
    row = table.locator("tbody tr").first
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"  # a card, not a table row
    assert table.locator("thead").evaluate("h => h.getBoundingClientRect().height") <= 1
    labels = row.locator("td[data-label]").evaluate_all("cells => cells.map(c => c.dataset.label)")
    assert "标题" in labels or any("标题" in label for label in labels), labels
    # the filters are behind a button
    toggle = page.locator(".tz-filters-toggle").first
    filters = page.locator(".tz-filters--drawer").first
    assert toggle.is_visible() and not filters.is_visible()
    toggle.click()
    assert filters.is_visible() and toggle.get_attribute("aria-expanded") == "true"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # the same page on a desktop is a table with its filters open
    page.set_viewport_size(DESKTOP)
    assert row.evaluate("tr => getComputedStyle(tr).display") == "table-row"
    assert not toggle.is_visible()
