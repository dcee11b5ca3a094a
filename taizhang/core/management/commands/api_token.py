from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser
from rest_framework.authtoken.models import Token

from taizhang.core import audit
from taizhang.core.management.base import TaizhangCommand


class Command(TaizhangCommand):
    help = "为用户生成（或重新生成）API 令牌，用于 Authorization: Token <key>。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True)
        parser.add_argument("--rotate", action="store_true", help="作废旧令牌并生成新令牌")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"用户“{options['user']}”不存在")
        if options["rotate"]:
            Token.objects.filter(user=user).delete()
        token, created = Token.objects.get_or_create(user=user)
        if created:
            audit.record("create", None, user=None, object_type="authtoken.token", object_id=str(user.pk),
                         object_repr=f"{user.username} 的 API 令牌")
        self.stdout.write(token.key)
