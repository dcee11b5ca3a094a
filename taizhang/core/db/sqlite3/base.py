"""Django's SQLite backend whose flush keeps the audit log's append-only triggers (see taizhang.core.db)."""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base, operations

from taizhang.core.db import wrap_flush


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
                  ) -> list[str]:
        statements = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return wrap_flush("sqlite", tables, statements)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
