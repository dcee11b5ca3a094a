"""Chinese 404/403/500 pages in the product's style (issue 17), and the favicon route."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from taizhang.core.testing import client_for, make_user

pytestmark = pytest.mark.django_db


def _assert_chinese_404(body: str) -> None:
    assert "页面不存在" in body
    assert 'href="/"' in body  # back to the workbench
    assert "Not Found" not in body
    assert "The requested resource" not in body


def test_missing_record_is_a_chinese_404(tree: Any, taxonomy: Any) -> None:
    assert settings.DEBUG is False
    liaison = make_user("liaison", tree.street_a)
    response = client_for(liaison).get("/ledger/records/999999/")
    assert response.status_code == 404
    _assert_chinese_404(response.content.decode())
    assert "tz-sidebar" in response.content.decode()  # in the product's frame (base.html)


def test_unknown_url_is_a_chinese_404(tree: Any) -> None:
    liaison = make_user("liaison", tree.street_a)
    response = client_for(liaison).get("/no-such-page/at-all/")
    assert response.status_code == 404
    _assert_chinese_404(response.content.decode())


def test_forbidden_page_is_chinese(tree: Any) -> None:
    nobody = make_user()
    response = client_for(nobody).get("/ledger/records/")
    assert response.status_code == 403
    body = response.content.decode()
    assert "无权访问" in body
    assert "403 Forbidden" not in body


def test_500_page_is_standalone_chinese_html() -> None:
    template = get_template("500.html")
    assert "{%" not in template.template.source  # type: ignore[attr-defined]
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统暂时出错" in body
    assert 'href="/"' in body
    assert "Server Error" not in body


def test_favicon_is_not_a_404(tree: Any) -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code in (301, 302)
    assert response["Location"].endswith("taizhang/favicon.svg")


def test_pages_link_the_favicon(tree: Any) -> None:
    liaison = make_user("liaison", tree.street_a)
    body = client_for(liaison).get("/").content.decode()
    assert 'rel="icon"' in body
    assert "favicon.svg" in body
