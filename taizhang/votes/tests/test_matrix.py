"""The permission matrix (core/testing_matrix.py) for this app's URLs only: quick to run while working here; the
whole matrix runs in core/tests/test_permission_matrix.py."""

from __future__ import annotations

from typing import Any

import pytest

from taizhang.core.testing_matrix import make_world, run_matrix

pytestmark = pytest.mark.django_db


def test_votes_urls_in_the_matrix(taxonomy: Any, tree: Any, settings: Any) -> None:
    settings.TAIZHANG_API_RATE = "1000000/min"
    result = run_matrix(make_world(tree), only=lambda route: route.app == "votes")
    assert not result.missing and not result.failures, "\n".join(result.missing + result.failures)
    assert len(set(result.covered)) == 14
