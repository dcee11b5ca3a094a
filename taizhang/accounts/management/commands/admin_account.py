from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from django.db import transaction

from taizhang.accounts import actions
from taizhang.core.management.base import TaizhangCommand
from taizhang.org import actions as org_actions
from taizhang.org.models import Unit
from taizhang.org.roles import ADMIN_ROLES, Role


class Command(TaizhangCommand):
    help = ("创建或指定管理员账户（系统管理员、安全管理员、审计管理员），用于新部署的初始化，无需超级用户。"
            "新账户打印一次性临时密码，首次登录须修改密码；--enrolment-code 同时签发绑定验证器所需的一次性绑定码。"
            "授权与密码重置都经由与网页相同的操作（三权分立、审计）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--role", required=True, choices=sorted(r.value for r in Role if r in ADMIN_ROLES))
        parser.add_argument("--unit", help="单位代码，默认为根单位")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--email", default="", help="新账户的电子邮箱（接收密码重置链接）")
        parser.add_argument("--reset-password", action="store_true",
                            help="账户已存在时重置其密码：原密码失效，一次性重置链接发送到本人邮箱")
        parser.add_argument("--enrolment-code", action="store_true", help="签发一次性动态口令绑定码")

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        unit = (Unit.objects.filter(code=options["unit"]).first() if options["unit"]
                else Unit.objects.filter(parent__isnull=True).first())
        if unit is None:
            raise CommandError("找不到单位：请先建立单位（根单位），或用 --unit 指定单位代码")
        user = get_user_model().objects.filter(username=options["username"]).first()
        password = None
        reset = None
        if user is None:
            password = actions.temporary_password()
            user = org_actions.create_user(acting_user=None, username=options["username"], password=password,
                                           display_name=options["display_name"], email=options["email"],
                                           must_change_password=True)
        elif options["reset_password"]:
            reset = actions.reset_password(acting_user=None, user=user)
        role = options["role"]
        # The same rules as on the web page: one administrator role per person, no business role beside it.
        org_actions.grant_role(acting_user=None, user=user, unit=unit, role=role)
        self.stdout.write(f"{user.username}：{Role(role).label}（{unit.name}）")
        if password:
            self.stdout.write(f"临时密码（仅显示一次）：{password}")
            self.stdout.write("首次登录须修改密码，并按安全策略绑定动态口令。")
        if reset is not None:
            if reset.sent_to:
                until = f"{reset.expires_at:%m-%d %H:%M}"
                self.stdout.write(f"原密码已失效；一次性重置链接已发送至 {reset.sent_to}（{until} 前有效）。")
            else:
                self.stdout.write("原密码已失效。该用户未登记邮箱，请把下面的一次性重置链接当面交给本人"
                                  f"（{reset.expires_at:%m-%d %H:%M} 前有效，只能使用一次）：\n{reset.link}")
        if options["enrolment_code"]:
            code = actions.issue_enrolment_code(acting_user=None, user=user)
            self.stdout.write(f"动态口令绑定码（仅显示一次，请当面交给本人）：{code}")
