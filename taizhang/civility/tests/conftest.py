"""Fixtures of the civility tests: the test tree, a framework, two sites and users."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from taizhang.core.testing import make_user


@pytest.fixture(autouse=True)
def _media(tmp_path: Any) -> Any:
    with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
        yield


@pytest.fixture
def world(tree: Any) -> dict[str, Any]:
    from taizhang.civility.tests.factories import framework, site

    fw = framework(tree.district)
    return {
        "tree": tree, "fw": fw,
        "market": site(tree.community_a1, "M1", "market", "东一农贸市场"),
        "street": site(tree.community_b1, "B1", "back_street", "西一背街"),
        "staff": make_user("staff", tree.district, username="wmb_staff"),
        "liaison_a": make_user("liaison", tree.street_a, username="liaison_a"),
        "liaison_a1": make_user("liaison", tree.community_a1, username="liaison_a1"),
        "liaison_b": make_user("liaison", tree.street_b, username="liaison_b"),
    }
