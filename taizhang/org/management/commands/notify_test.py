from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = "向指定用户发送一条测试通知（站内、邮件、所在单位的机器人），并显示各渠道的发送结果。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        from taizhang.org.notices import send_test_notice

        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"没有用户“{options['user']}”。")
        report = send_test_notice(user)
        self.stdout.write(f"站内通知：已发送（第{report.notice_id}号）")
        if not report.deliveries:
            self.stdout.write("其他渠道：未配置（邮件通知未开启，所在单位也没有机器人）")
        for line in report.deliveries:
            self.stdout.write(line)
        if report.failed:
            raise CommandError(f"{report.failed}个渠道发送失败，详见上方说明。")
