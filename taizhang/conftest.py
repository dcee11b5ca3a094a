"""Fixtures shared by every app's tests."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def taxonomy(db: Any) -> None:
    from taizhang.ledger.taxonomy import load_defaults

    load_defaults()


@pytest.fixture
def tree(db: Any) -> Any:
    from taizhang.core.testing import make_tree

    return make_tree()
