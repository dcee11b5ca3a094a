# ruff: noqa: N999 - the module name is the command name: `taizhang open311-key`
"""`taizhang open311-key --name NAME` prints a new Open311 API key; `--revoke KEY` revokes one; `--list`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from taizhang.core.errors import InvalidInput
from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = "为 Open311 客户端应用生成接口密钥（只显示一次，库中只存摘要），或吊销密钥。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", help="客户端应用名称")
        parser.add_argument("--revoke", metavar="KEY", help="吊销该密钥")
        parser.add_argument("--list", action="store_true", help="列出密钥（名称、前缀、状态）")

    def handle(self, *args: Any, **options: Any) -> None:
        from taizhang.citizen.models import Open311Key
        from taizhang.citizen.open311 import create_key, revoke_key

        if options["list"]:
            for k in Open311Key.objects.all():
                state = "已吊销" if k.revoked_at else "有效"
                self.stdout.write(f"{k.name}\t{k.prefix}…\t{state}")
            return
        if options["revoke"]:
            obj = revoke_key(acting_user=None, key=options["revoke"])
            self.stdout.write(f"已吊销 {obj.name} 的密钥。")
            return
        if not options["name"]:
            raise InvalidInput("请用 --name 指定客户端应用名称")
        obj, key = create_key(acting_user=None, name=options["name"])
        self.stdout.write(f"已为 {obj.name} 生成 Open311 密钥（只显示这一次，请妥善保存）：")
        self.stdout.write(key)
