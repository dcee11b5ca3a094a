"""The 随手拍 tabs link only to pages the user can open (a leader reading statistics was offered 待受理 → 403)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.testing import make_user

pytestmark = pytest.mark.django_db


def test_viewer_sees_only_the_statistics_tab(tree: Any) -> None:
    client = Client()
    client.force_login(make_user("viewer", tree.district))
    page = client.get(reverse("citizen:stats")).content.decode()
    assert reverse("citizen:queue") + '"' not in page and reverse("citizen:catalogue") not in page
    assert client.get(reverse("citizen:queue")).status_code == 403


def test_staff_see_every_tab(tree: Any) -> None:
    client = Client()
    client.force_login(make_user("staff", tree.district))
    page = client.get(reverse("citizen:stats")).content.decode()
    assert f'href="{reverse("citizen:queue")}"' in page and reverse("citizen:catalogue") in page
