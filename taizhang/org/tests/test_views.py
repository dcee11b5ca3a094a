"""Organisation administration: unit tree, create/edit/move units, users, grant/revoke roles; NetBox semantics."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from taizhang.core.concurrency import STALE_MESSAGE
from taizhang.core.testing import client_for, make_user
from taizhang.org import actions
from taizhang.org.models import Membership, Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(tree: Any) -> Any:
    return make_user("sysadmin", tree.district)


@pytest.fixture
def admin_sa(tree: Any) -> Any:
    """A system administrator of the street SA only."""
    return make_user("sysadmin", tree.street_a)


PAGES = ["org:unit_list", "org:unit_create", "org:user_list", "org:user_create"]


@pytest.mark.parametrize("name", PAGES)
def test_pages_need_manage_org(admin: Any, tree: Any, name: str) -> None:
    url = reverse(name)
    assert Client().get(url).status_code == 302
    assert client_for(make_user("liaison", tree.district)).get(url).status_code == 403
    assert client_for(make_user("secadmin", tree.district)).get(url).status_code == 403
    assert client_for(admin).get(url).status_code == 200


def test_unit_tree_in_tree_order(admin: Any, tree: Any) -> None:
    response = client_for(admin).get(reverse("org:unit_list"))
    codes = [row["unit"].code for row in response.context["rows"]]
    assert codes == ["D", "SA", "SA1", "SA2", "SB", "SB1", "BE"]
    indents = {row["unit"].code: row["indent"] for row in response.context["rows"]}
    assert indents["D"] == ""
    assert indents["SA1"].startswith("　　")
    content = response.content.decode()
    assert "东一社区" in content
    assert "街道" in content


def test_unit_tree_is_scoped(admin_sa: Any, tree: Any) -> None:
    codes = [row["unit"].code for row in client_for(admin_sa).get(reverse("org:unit_list")).context["rows"]]
    assert codes == ["SA", "SA1", "SA2"]


def test_create_unit(admin: Any, tree: Any) -> None:
    response = client_for(admin).post(reverse("org:unit_create"), {
        "code": "SA3", "name": "东三社区", "kind": "community", "parent": tree.street_a.pk, "sort_order": 3,
    })
    assert response.status_code == 302
    unit = Unit.objects.get(code="SA3")
    assert unit.parent == tree.street_a
    assert unit.path.startswith(tree.street_a.path)


def test_create_unit_with_duplicate_code_shows_the_error(admin: Any, tree: Any) -> None:
    response = client_for(admin).post(reverse("org:unit_create"), {
        "code": "SA", "name": "重复", "kind": "street", "parent": tree.district.pk, "sort_order": 0,
    })
    assert response.status_code == 200
    assert "该代码已被使用" in response.content.decode()


def test_create_unit_under_a_parent_outside_scope_is_refused(admin_sa: Any, tree: Any) -> None:
    response = client_for(admin_sa).post(reverse("org:unit_create"), {
        "code": "X1", "name": "越权", "kind": "community", "parent": tree.street_b.pk, "sort_order": 0,
    })
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert not Unit.objects.filter(code="X1").exists()


def test_edit_unit_with_version(admin: Any, tree: Any) -> None:
    c = client_for(admin)
    unit = tree.community_a1
    page = c.get(reverse("org:unit_edit", args=[unit.pk]))
    assert page.context["form"].initial["version"] == unit.version
    data = {"code": "SA1", "name": "东一社区（新）", "short_name": "东一", "kind": "community", "sort_order": 1,
            "population": 3000, "is_active": "on", "version": unit.version}
    assert c.post(reverse("org:unit_edit", args=[unit.pk]), data).status_code == 302
    unit.refresh_from_db()
    assert unit.name == "东一社区（新）"
    assert unit.population == 3000
    stale = c.post(reverse("org:unit_edit", args=[unit.pk]), {**data, "name": "旧版本", "version": 1})
    assert stale.status_code == 409
    assert STALE_MESSAGE in stale.content.decode()
    assert 'value="旧版本"' in stale.content.decode()
    unit.refresh_from_db()
    assert unit.name == "东一社区（新）"


def test_edit_unit_outside_scope_is_404(admin_sa: Any, tree: Any) -> None:
    c = client_for(admin_sa)
    assert c.get(reverse("org:unit_edit", args=[tree.street_b.pk])).status_code == 404
    assert c.get(reverse("org:unit_move", args=[tree.street_b.pk])).status_code == 404
    assert c.get(reverse("org:unit_edit", args=[tree.community_a1.pk])).status_code == 200


def test_move_unit(admin: Any, tree: Any) -> None:
    c = client_for(admin)
    page = c.get(reverse("org:unit_move", args=[tree.community_a1.pk]))
    offered = {u.code for u in page.context["form"].fields["new_parent"].queryset}
    assert "SA1" not in offered
    assert "SA" not in offered
    assert "SB" in offered
    assert c.post(reverse("org:unit_move", args=[tree.community_a1.pk]),
                  {"new_parent": tree.street_b.pk}).status_code == 302
    moved = Unit.objects.get(pk=tree.community_a1.pk)
    assert moved.parent_id == tree.street_b.pk
    assert moved.path.startswith(tree.street_b.path)


def test_move_into_own_subtree_is_not_offered(admin: Any, tree: Any) -> None:
    response = client_for(admin).post(reverse("org:unit_move", args=[tree.street_a.pk]),
                                      {"new_parent": tree.community_a1.pk})
    assert response.status_code == 200
    assert "new_parent" in response.context["form"].errors
    assert Unit.objects.get(pk=tree.street_a.pk).parent_id == tree.district.pk


def test_create_user_with_a_role(admin: Any, tree: Any) -> None:
    response = client_for(admin).post(reverse("org:user_create"), {
        "username": "zhangsan", "display_name": "张三", "password": "Dongcheng-2024!", "password2": "Dongcheng-2024!",
        "unit": tree.street_a.pk, "role": "liaison",
    })
    user = get_user_model().objects.get(username="zhangsan")
    assert response["Location"] == reverse("org:user_detail", args=[user.pk])
    assert user.must_change_password
    assert user.check_password("Dongcheng-2024!")
    assert Membership.objects.filter(user=user, unit=tree.street_a, role="liaison").exists()


def test_create_user_refuses_weak_passwords_and_mismatch(admin: Any, tree: Any) -> None:
    c = client_for(admin)
    response = c.post(reverse("org:user_create"), {"username": "lisi", "password": "12345678", "password2": "12345678"})
    assert response.status_code == 200
    assert response.context["form"].errors["password"]
    response = c.post(reverse("org:user_create"), {"username": "lisi", "password": "Dongcheng-2024!",
                                                   "password2": "Other-2024!"})
    assert "两次输入的密码不一致" in response.content.decode()
    assert not get_user_model().objects.filter(username="lisi").exists()


def test_create_user_with_an_admin_role_is_refused_entirely(admin: Any, tree: Any) -> None:
    response = client_for(admin).post(reverse("org:user_create"), {
        "username": "wangwu", "password": "Dongcheng-2024!", "password2": "Dongcheng-2024!",
        "unit": tree.district.pk, "role": "sysadmin",
    })
    assert "管理员角色只能由安全管理员授予" in response.content.decode()
    assert not get_user_model().objects.filter(username="wangwu").exists()


def test_grant_and_revoke_roles(admin: Any, tree: Any) -> None:
    target = make_user()
    c = client_for(admin)
    page = c.get(reverse("org:user_detail", args=[target.pk]))
    assert page.status_code == 200
    c.post(reverse("org:role_grant", args=[target.pk]), {"unit": tree.street_b.pk, "role": "reviewer"})
    membership = Membership.objects.get(user=target)
    assert (membership.unit, membership.role) == (tree.street_b, "reviewer")
    response = c.post(reverse("org:role_revoke", args=[membership.pk]), follow=True)
    assert "已撤销" in response.content.decode()
    assert not Membership.objects.filter(user=target).exists()


def test_granting_an_admin_role_shows_the_actions_message(admin: Any, tree: Any) -> None:
    target = make_user()
    response = client_for(admin).post(reverse("org:role_grant", args=[target.pk]),
                                      {"unit": tree.district.pk, "role": "auditadmin"}, follow=True)
    assert response.status_code == 200
    assert "管理员角色只能由安全管理员授予。" in response.content.decode()
    assert not Membership.objects.filter(user=target).exists()


def test_revoking_an_admin_role_is_refused(admin: Any, tree: Any) -> None:
    other_admin = make_user("sysadmin", tree.street_a)
    membership = Membership.objects.get(user=other_admin)
    response = client_for(admin).post(reverse("org:role_revoke", args=[membership.pk]), follow=True)
    assert "管理员角色只能由安全管理员撤销。" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_users_outside_scope_are_404(admin_sa: Any, tree: Any) -> None:
    outsider = make_user("liaison", tree.street_b)
    insider = make_user("liaison", tree.community_a2)
    c = client_for(admin_sa)
    assert c.get(reverse("org:user_detail", args=[outsider.pk])).status_code == 404
    assert c.post(reverse("org:role_grant", args=[outsider.pk]),
                  {"unit": tree.street_a.pk, "role": "viewer"}).status_code == 404
    membership = Membership.objects.get(user=outsider)
    assert c.post(reverse("org:role_revoke", args=[membership.pk])).status_code == 404
    assert Membership.objects.filter(pk=membership.pk).exists()
    listed = {u.pk for u in c.get(reverse("org:user_list")).context["page"].object_list}
    assert insider.pk in listed
    assert outsider.pk not in listed
    # Granting a role in a unit outside the admin's scope is not possible either.
    response = c.post(reverse("org:role_grant", args=[insider.pk]), {"unit": tree.street_b.pk, "role": "viewer"},
                      follow=True)
    assert "请选择单位和角色" in response.content.decode()
    assert not Membership.objects.filter(user=insider, unit=tree.street_b).exists()


def test_user_list_search(admin: Any, tree: Any) -> None:
    actions.create_user(acting_user=None, username="zhaoliu", password="Dongcheng-2024!", display_name="赵六")
    names = [u.username for u in client_for(admin).get(reverse("org:user_list"), {"q": "赵"}).context["page"]]
    assert names == ["zhaoliu"]
