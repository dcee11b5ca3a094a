from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from taizhang.accounts import actions
from taizhang.core import audit
from taizhang.core.management.base import TaizhangCommand
from taizhang.org import actions as org_actions
from taizhang.org.models import Unit
from taizhang.org.roles import ADMIN_ROLES, Role


class Command(TaizhangCommand):
    help = ("创建或指定管理员账户（系统管理员、安全管理员、审计管理员），用于新部署的初始化，无需超级用户。"
            "打印一次性临时密码；首次登录须修改密码，并按策略绑定动态口令。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=sorted(r.value for r in Role if r in ADMIN_ROLES))
        parser.add_argument("--unit", help="单位代码，默认为根单位")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--reset-password", action="store_true", help="账户已存在时重置其密码（临时密码）")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        unit = (Unit.objects.filter(code=options["unit"]).first() if options["unit"]
                else Unit.objects.filter(parent__isnull=True).first())
        if unit is None:
            raise CommandError("找不到单位：请先建立单位（根单位），或用 --unit 指定单位代码")
        model = get_user_model()
        user = model.objects.filter(username=options["username"]).first()
        password = None
        if user is None:
            password = actions.temporary_password()
            user = org_actions.create_user(acting_user=None, username=options["username"], password=password,
                                           display_name=options["display_name"], must_change_password=True)
        elif options["reset_password"]:
            password = actions.temporary_password()
            user.set_password(password)
            user.must_change_password = True
            user.save()
            audit.record("password_reset", user, user=None, message=f"命令行重置 {user.username} 的密码")
        role = options["role"]
        others = actions.admin_roles_of(user) - {role}
        if others:
            held = "、".join(Role(r).label for r in others)
            raise CommandError(f"{user.username} 已担任{held}：一人只能担任一种管理员角色")
        org_actions.grant_role(acting_user=None, user=user, unit=unit, role=role)
        self.stdout.write(f"{user.username}：{Role(role).label}（{unit.name}）")
        if password:
            self.stdout.write(f"临时密码（仅显示一次）：{password}")
            self.stdout.write("首次登录须修改密码，并按安全策略绑定动态口令。")
