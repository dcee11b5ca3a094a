"""组织对应 (POST /study/groups/): a refused mapping comes back on the page that holds the form, with what was
typed and the error beside its field (status 400), not a redirect to the import page that lost it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from taizhang.core.testing import make_user
from taizhang.study.models import StudyGroup

pytestmark = pytest.mark.django_db
DJANGO_DEFAULTS = ("确保该", "输入整数", "输入一个", "选择一个有效的选项", "这个字段是必填项", "该字段是必填项")


def field_error(html: str, auto_id: str) -> str:
    marker = f'<div id="{auto_id}_error">'
    assert marker in html, f"no error shown for {auto_id}"
    return html.split(marker, 1)[1].split("</div></div>", 1)[0]


@pytest.fixture
def staff(taxonomy: Any, tree: Any) -> Client:
    client = Client()
    client.force_login(make_user("staff", tree.district, username="g_staff"))
    return client


@pytest.mark.parametrize(("headcount", "message"), [("", "请填写应注册人数"), ("abc", "1 至 1000000 之间的整数"),
                                                    ("0", "1 至 1000000 之间的整数"),
                                                    ("99999999999999999999999", "1 至 1000000 之间的整数")])
def test_bad_headcount_keeps_the_name(staff: Client, tree: Any, headcount: str, message: str) -> None:
    r = staff.post("/study/groups/", {"name": "东一社区第二支部", "unit": tree.community_a1.pk, "headcount": headcount})
    html = r.content.decode()
    assert r.status_code == 400
    assert 'value="东一社区第二支部"' in html
    assert message in field_error(html, "id_headcount")
    assert 'id="group-map"' in html and 'action="/study/groups/#group-map"' in html
    assert "导入学习平台周统计" in html  # the page that holds the form, rendered at once
    assert not any(d in html for d in DJANGO_DEFAULTS)
    assert not StudyGroup.objects.exists()


def test_missing_unit_and_a_too_long_name(staff: Client, tree: Any) -> None:
    r = staff.post("/study/groups/", {"name": "支" * 201, "unit": "", "headcount": "40"})
    html = r.content.decode()
    assert r.status_code == 400 and 'value="40"' in html
    assert "最多填写 200 个字（现有 201 个）" in field_error(html, "id_name")
    assert "请选择对应单位" in field_error(html, "id_unit")
    unknown = staff.post("/study/groups/", {"name": "东一社区第二支部", "unit": "987654", "headcount": "40"})
    assert unknown.status_code == 400
    assert "请从列表中选择" in field_error(unknown.content.decode(), "id_unit")
    assert not any(d in html + unknown.content.decode() for d in DJANGO_DEFAULTS)


def test_a_good_mapping_still_redirects(staff: Client, tree: Any) -> None:
    r = staff.post("/study/groups/", {"name": "东一社区第二支部", "unit": tree.community_a1.pk, "headcount": "40"})
    assert r.status_code == 302 and r["Location"] == "/study/import/"
    assert StudyGroup.objects.get(name="东一社区第二支部").headcount == 40
