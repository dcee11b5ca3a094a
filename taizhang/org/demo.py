"""Demo units (a district with streets, towns, communities, villages, bureaus and schools) and users per role."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from taizhang.core.demo import DEMO_PASSWORD, DemoContext
from taizhang.org import actions
from taizhang.org.models import Unit
from taizhang.org.roles import Role

STREETS = [
    ("JF", "解放街道", "street", ["建设社区", "新华社区", "和平社区", "文化社区"]),
    ("YM", "迎泽街道", "street", ["桥东社区", "双塔社区", "南华社区", "青年路社区"]),
    ("LY", "柳巷街道", "street", ["钟楼社区", "帽儿巷社区", "桥头社区"]),
    ("QX", "桥西街道", "street", ["西里社区", "东里社区", "朝阳社区"]),
    ("MZ", "庙前街道", "street", ["庙前社区", "菜园社区", "万达社区"]),
    ("HT", "郝庄镇", "town", ["郝庄村", "松庄村", "山庄头村", "双塔村"]),
    ("TJ", "杨家堡镇", "town", ["杨家堡村", "西岗村", "北营村"]),
]
BUREAUS = [
    ("EDU", "区教育局", "bureau"),
    ("CUL", "区文化和旅游局", "bureau"),
    ("HLT", "区卫生健康委员会", "bureau"),
    ("HUB", "区住房和城乡建设局", "bureau"),
    ("CGJ", "区城市管理局", "bureau"),
    ("SCJ", "区市场监督管理局", "bureau"),
    ("TW", "共青团区委", "bureau"),
    ("FL", "区妇女联合会", "bureau"),
    ("MED", "区融媒体中心", "bureau"),
    ("SCH1", "区第一中学", "school"),
    ("SCH2", "区实验小学", "school"),
    ("ENT1", "区城投集团", "enterprise"),
]
SECTIONS = [("LLK", "理论科"), ("XWK", "新闻科"), ("WMB", "区文明办"), ("WXB", "区网信办")]


def build(ctx: DemoContext) -> None:
    root = actions.create_unit(
        acting_user=None,
        code="WBL",
        name="万柏林区委宣传部",
        short_name="全区",
        kind=Unit.Kind.DISTRICT,
        population=780000,
    )
    ctx.units[root.code] = root
    order = 0
    for code, name in SECTIONS:
        order += 1
        ctx.units[code] = actions.create_unit(
            acting_user=None, code=code, name=name, kind=Unit.Kind.SECTION, parent=root, sort_order=order
        )
    for s_index, (code, name, kind, children) in enumerate(STREETS):
        street = actions.create_unit(
            acting_user=None,
            code=code,
            name=name,
            kind=kind,
            parent=root,
            sort_order=10 + s_index,
            population=ctx.rng.randrange(40000, 120000),
        )
        ctx.units[code] = street
        for c_index, child in enumerate(children):
            child_kind = Unit.Kind.VILLAGE if child.endswith("村") else Unit.Kind.COMMUNITY
            unit = actions.create_unit(
                acting_user=None,
                code=f"{code}{c_index + 1:02d}",
                name=child,
                kind=child_kind,
                parent=street,
                sort_order=c_index,
                population=ctx.rng.randrange(3000, 15000),
            )
            ctx.units[unit.code] = unit
    for b_index, (code, name, kind) in enumerate(BUREAUS):
        ctx.units[code] = actions.create_unit(
            acting_user=None,
            code=code,
            name=name,
            kind=kind,
            parent=root,
            sort_order=50 + b_index,
            population=ctx.rng.randrange(500, 5000),
        )
    _users(ctx, root)


def _user(ctx: DemoContext, username: str, display: str, role: str, unit: Unit) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = get_user_model().objects.create_user(username=username, password=DEMO_PASSWORD)
        user.display_name = display
        user.save(update_fields=["display_name"])
    actions.grant_role(acting_user=None, user=user, unit=unit, role=role)
    ctx.users[username] = user
    ctx.logins.append((username, Role(role).label, unit.name))
    return user


def _users(ctx: DemoContext, root: Unit) -> None:
    _user(ctx, "staff", "宣传部工作人员", Role.STAFF, root)
    _user(ctx, "reviewer", "审核员", Role.REVIEWER, root)
    _user(ctx, "leader", "部领导", Role.VIEWER, root)
    _user(ctx, "liaison_jf", "解放街道联络员", Role.LIAISON, ctx.units["JF"])
    _user(ctx, "liaison_edu", "教育局联络员", Role.LIAISON, ctx.units["EDU"])
    _user(ctx, "liaison_jf01", "建设社区联络员", Role.LIAISON, ctx.units["JF01"])
    _user(ctx, "sysadmin", "系统管理员", Role.SYSADMIN, root)
    _user(ctx, "secadmin", "安全管理员", Role.SECADMIN, root)
    _user(ctx, "auditadmin", "审计管理员", Role.AUDITADMIN, root)


def finish(ctx: DemoContext) -> None:
    """After every app's demo: unread notices for each demo login about the demo's real records and alerts."""
    from taizhang.org.demo_notices import build as build_notices

    build_notices(ctx)
