from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from taizhang.accounts import tokens
from taizhang.accounts.models import ApiToken
from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = ("为用户签发新的 API 令牌（Authorization: Token <令牌>）。令牌只在签发时显示一次，数据库只保存其摘要；"
            "已有令牌无法再次显示。--rotate 作废该用户同名（未给名称时为全部）令牌后签发新令牌；"
            "--list 列出令牌（不含密钥）；--revoke 前缀 作废一个令牌。每次签发、轮换、作废都写入审计日志。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="用户名")
        parser.add_argument("--name", default="", help="令牌名称（用途），如“数据报送脚本”")
        parser.add_argument("--days", type=int, default=None, help="有效期天数，默认 TAIZHANG_API_TOKEN_DAYS")
        parser.add_argument("--rotate", action="store_true", help="作废旧令牌并签发新令牌")
        parser.add_argument("--list", action="store_true", help="列出该用户的令牌（名称、前缀、到期时间），不签发")
        parser.add_argument("--revoke", metavar="PREFIX", help="作废前缀为 PREFIX 的令牌，不签发")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"用户“{options['user']}”不存在")
        if options["list"]:
            for token in ApiToken.objects.filter(user=user):
                state = "有效" if token.is_active else (token.revoked_reason or "已过期")
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "未使用"
                self.stdout.write(f"{token.prefix}…  {token.name}  签发 {token.created_at:%Y-%m-%d}  "
                                  f"到期 {token.expires_at:%Y-%m-%d}  最近使用 {used}  {state}")
            return
        if options["revoke"]:
            found = ApiToken.objects.select_related("user").filter(user=user, prefix=options["revoke"]).first()
            if found is None:
                raise CommandError(f"{user.username} 没有前缀为 {options['revoke']} 的令牌")
            tokens.revoke(acting_user=None, token=found, reason="命令行作废")
            self.stdout.write(f"已作废 {found}。")
            return
        make = tokens.rotate if options["rotate"] else tokens.issue
        token, key = make(acting_user=None, user=user, name=options["name"], days=options["days"])
        self.stderr.write(f"已签发“{token.name}”（{token.prefix}…），{token.expires_at:%Y-%m-%d} 到期。"
                          "令牌只显示这一次，请妥善保存：")
        self.stdout.write(key)
