"""Django's SQLite backend whose flush keeps the audit log's append-only triggers (see taizhang.core.db), and
whose database files are private: the directory holding them 0700, the database and its -wal/-shm/-journal
files 0600 (other local users must not read password hashes, personal data or the audit log)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.db.backends.sqlite3 import base, operations

from taizhang.core.db import wrap_flush

SIDE_FILES = ("", "-wal", "-shm", "-journal")


def make_private(name: Any) -> None:
    """Create the database file 0600 if missing (SQLite gives -wal, -shm and -journal the database file's mode)
    and narrow existing ones; the data directory (TAIZHANG_DATA_DIR) becomes 0700. Files of other owners and
    directories other than the data directory are left alone."""
    from django.conf import settings

    if not name or str(name) == ":memory:" or str(name).startswith("file:"):
        return
    path = Path(str(name)).resolve()
    directory = path.parent
    data_dir = Path(str(getattr(settings, "DATA_DIR", ""))).resolve()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        if directory == data_dir and directory.stat().st_uid == os.getuid():
            directory.chmod(0o700)
        if not path.exists():
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        for suffix in SIDE_FILES:
            candidate = Path(f"{path}{suffix}")
            if candidate.exists() and candidate.stat().st_uid == os.getuid():
                candidate.chmod(0o600)
    except OSError:  # a read-only or foreign location: SQLite reports what matters when it opens the file
        return


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style: Any, tables: Any, *, reset_sequences: bool = False, allow_cascade: bool = False
                  ) -> list[str]:
        statements = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return wrap_flush("sqlite", tables, statements)


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def get_new_connection(self, conn_params: Any) -> Any:
        name = conn_params.get("database")
        make_private(name)
        conn = super().get_new_connection(conn_params)
        make_private(name)
        return conn
