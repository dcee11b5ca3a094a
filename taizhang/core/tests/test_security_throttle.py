"""API rate limits: per user (TAIZHANG_API_RATE) and per address for anonymous requests."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from taizhang.core.testing import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clean_cache() -> Any:
    cache.clear()
    yield
    cache.clear()


def test_user_rate_limit(settings: Any, tree: Any) -> None:
    settings.TAIZHANG_API_RATE = "3/min"
    client = APIClient()
    client.force_authenticate(make_user("viewer", tree.district))
    codes = [client.get("/api/units/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/units/")
    assert response.status_code == 429 and "Retry-After" in response


def test_anonymous_requests_are_refused_and_the_schema_needs_a_login(tree: Any) -> None:
    client = APIClient()
    assert client.get("/api/units/").status_code == 401
    assert client.get("/api/schema/").status_code == 401
    client.force_authenticate(make_user("viewer", tree.district))
    assert client.get("/api/schema/").status_code == 200


def test_anonymous_rate_is_per_address(settings: Any) -> None:
    from django.test import RequestFactory
    from rest_framework.request import Request

    from taizhang.core.throttling import AnonRateThrottle

    settings.TAIZHANG_API_ANON_RATE = "2/min"
    rf = RequestFactory()

    def allowed(address: str) -> bool:
        request = Request(rf.get("/api/x/", REMOTE_ADDR=address))
        return AnonRateThrottle().allow_request(request, None)

    assert [allowed("198.51.100.1") for _ in range(3)] == [True, True, False]
    assert allowed("198.51.100.2")
