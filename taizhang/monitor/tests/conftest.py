"""Monitoring test set-up: the word-list sentiment stand-in, no politeness delay, a fresh pipeline state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from taizhang.monitor.tests.helpers import LoopbackServer


@pytest.fixture(autouse=True)
def _monitor_settings(settings: Any) -> Iterator[None]:
    from taizhang.monitor.state import reset_runner

    settings.TAIZHANG_MONITOR_SENTIMENT = "lexicon"
    settings.TAIZHANG_MONITOR_HOST_INTERVAL = 0
    reset_runner()
    yield
    reset_runner()


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    srv = LoopbackServer()
    yield srv
    srv.close()


@pytest.fixture
def staff(tree: Any) -> Any:
    from taizhang.core.testing import make_user

    return make_user("staff", tree.district, username="staff_m")
