"""Base for the project's commands: Chinese errors on stderr and a non-zero exit instead of tracebacks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from taizhang.core import context
from taizhang.core.errors import TaizhangError


class TaizhangCommand(BaseCommand):
    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            with context.acting_as("cli"):
                return super().execute(*args, **options)
        except TaizhangError as exc:
            raise CommandError(exc.message) from exc
