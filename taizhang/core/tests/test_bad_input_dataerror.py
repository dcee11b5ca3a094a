"""The safety net answers PostgreSQL's DataError (a number past its column: "integer out of range", "numeric field
overflow") like the other bad-input errors: a Chinese 400, JSON on the API, never a 500."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from taizhang.core.middleware import BAD_INPUT_MESSAGE, BadInputMiddleware

pytestmark = pytest.mark.django_db


def _view(request: HttpRequest) -> HttpResponse:
    raise DataError("integer out of range")


@pytest.mark.parametrize(("path", "api"), [("/org/units/1/edit/", False), ("/api/units/", True)])
def test_a_data_error_is_answered_with_the_chinese_400(path: str, api: bool) -> None:
    request = RequestFactory().post(path, {"sort_order": "99999999999"})
    response = BadInputMiddleware(_view).process_exception(request, DataError("integer out of range"))
    assert response is not None
    assert response.status_code == 400
    if api:
        assert json.loads(response.content) == {"detail": BAD_INPUT_MESSAGE}
    else:
        assert response.content.decode() == BAD_INPUT_MESSAGE
        assert response["Content-Type"].startswith("text/plain")


def test_a_data_error_in_a_real_view_is_a_400_not_a_500(tree: Any) -> None:
    from taizhang.core.testing import make_user

    client = Client(raise_request_exception=False)
    client.force_login(make_user("sysadmin", tree.district))
    with mock.patch("taizhang.org.views.actions.update_unit", side_effect=DataError("integer out of range")):
        response = client.post(
            f"/org/units/{tree.street_a.pk}/edit/",
            {
                "code": "SA",
                "name": "东城街道",
                "kind": "street",
                "sort_order": "1",
                "population": "5",
                "is_active": "on",
                "version": str(tree.street_a.version),
            },
        )
    assert response.status_code == 400
    assert BAD_INPUT_MESSAGE in response.content.decode()


def test_a_data_error_in_an_api_view_is_a_json_400(tree: Any) -> None:
    from taizhang.core.testing import make_user

    client = Client(raise_request_exception=False)
    client.force_login(make_user("sysadmin", tree.district))
    with mock.patch("taizhang.org.api.actions.create_unit", side_effect=DataError("integer out of range")):
        response = client.post(
            "/api/units/",
            {"code": "X1", "name": "新单位", "kind": "community", "parent": tree.street_a.code},
            content_type="application/json",
        )
    assert response.status_code == 400
    assert response.json()["detail"] == BAD_INPUT_MESSAGE


def test_other_database_errors_are_not_taken_for_bad_input() -> None:
    from django.db import IntegrityError

    request = RequestFactory().get("/org/units/")
    assert BadInputMiddleware(_view).process_exception(request, IntegrityError("duplicate key")) is None
