from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from taizhang.accounts import actions
from taizhang.accounts.models import LoginLock
from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = "解除账户或地址的登录锁定（安全管理员自己被锁定时，在服务器上使用）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("key", help="用户名或 IP 地址")

    def handle(self, *args: Any, **options: Any) -> None:
        key = options["key"].strip()
        locks = list(LoginLock.objects.filter(key__in={key, key.lower()}))
        for lock in locks:
            actions.unlock(acting_user=None, lock=lock)
        self.stdout.write(f"已解除 {len(locks)} 项登录锁定。" if locks else "没有找到该账户或地址的锁定记录。")
