from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from taizhang.accounts import actions
from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = ("签发一次性动态口令绑定码：管理员绑定验证器时，除密码外还须输入此码。只显示一次，限时有效"
            "（TAIZHANG_ENROLMENT_CODE_HOURS），用过即失效；签发写入审计日志。请当面交给本人。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"用户“{options['user']}”不存在")
        code = actions.issue_enrolment_code(acting_user=None, user=user)
        self.stdout.write(f"{user.username} 的动态口令绑定码（仅显示一次）：{code}")
