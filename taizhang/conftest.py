"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def taxonomy(db: Any) -> None:
    from taizhang.ledger.taxonomy import load_defaults

    load_defaults()


@pytest.fixture
def tree(db: Any) -> Any:
    from taizhang.core.testing import make_tree

    return make_tree()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (one per test); the test is skipped when chromium is missing."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("未安装 chromium（make test 会自动安装）")
    # Playwright's sync API runs an event loop; Django must allow sync DB calls from the test thread meanwhile.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        try:
            yield launched
        finally:
            launched.close()


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "transactional_tests: tests that commit (live server, worker processes); "
                                       "scripts/test.sh runs them in a pytest session of their own")


def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Transactional tests (browser tests against the live server, worker processes) end with a flush that empties
    every table, including the rows data migrations load (case escalation rules, report categories, star
    thresholds, point rules …). They get the marker `transactional_tests`, which scripts/test.sh runs in a session
    of their own after the others, and serialized rollback, which restores the migrated data before each of them."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        fixtures = getattr(item, "fixturenames", ())
        transactional = (marker is not None and marker.kwargs.get("transaction")) or any(
            name in fixtures for name in ("live_server", "transactional_db"))
        if not transactional:
            continue
        item.add_marker(pytest.mark.transactional_tests)
        kwargs = dict(marker.kwargs) if marker is not None else {}
        if kwargs.get("serialized_rollback"):
            continue
        kwargs.update(transaction=True, serialized_rollback=True)
        item.add_marker(pytest.mark.django_db(*(marker.args if marker is not None else ()), **kwargs), append=False)
