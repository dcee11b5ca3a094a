"""The permission matrix over every URL name and API route (core/testing_matrix.py): anonymous, no role, out of
scope, in scope. A new page without a check, or with kwargs no sample fills, fails here."""

from __future__ import annotations

from typing import Any

import pytest

from taizhang.core.testing_matrix import ANY_SIGNED_IN, PUBLIC, make_world, routes, run_matrix

pytestmark = pytest.mark.django_db


def test_every_url_name_is_checked_for_four_kinds_of_user(taxonomy: Any, tree: Any, settings: Any) -> None:
    settings.TAIZHANG_API_RATE = "1000000/min"
    world = make_world(tree)
    result = run_matrix(world)
    report = "\n".join(result.missing + result.failures)
    assert not result.missing and not result.failures, f"{len(result.missing + result.failures)} problems:\n{report}"
    names = {r.name for r in routes()}
    print(f"permission matrix: {len(set(result.covered))} of {len(names)} URL names covered "
          f"({len(result.pending)} pending samples)")
    assert len(set(result.covered)) >= 150


def test_allow_lists_name_real_urls_and_give_reasons() -> None:
    names = {r.name for r in routes()}
    for listing in (PUBLIC, ANY_SIGNED_IN):
        for reason in listing.values():
            assert reason.strip()
    assert {"accounts:login", "api-monitor-items"} <= set(PUBLIC) & names
