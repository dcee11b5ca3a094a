"""The SQLite database and the data directory are private: 0700 directory, 0600 database, -wal and -shm."""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from taizhang.core.db.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.django_db


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_a_new_sqlite_database_is_created_private(tmp_path: Path, settings: Any) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir(mode=0o755)
    data_dir.chmod(0o755)
    settings.DATA_DIR = data_dir
    name = data_dir / "taizhang.sqlite3"
    wrapper = DatabaseWrapper({**connection.settings_dict, "NAME": str(name)}, alias="private_test")
    wrapper.ensure_connection()  # a connection of its own, outside the test's
    try:
        with wrapper.cursor() as cursor:  # WAL mode from the settings' init_command
            cursor.execute("CREATE TABLE t (x integer)")
            cursor.execute("INSERT INTO t VALUES (1)")
        assert Path(f"{name}-wal").exists() and Path(f"{name}-shm").exists()
        assert mode(data_dir) == 0o700
        for suffix in ("", "-wal", "-shm"):
            assert mode(Path(f"{name}{suffix}")) == 0o600, suffix
    finally:
        wrapper.close()


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_an_existing_readable_database_is_narrowed(tmp_path: Path, settings: Any) -> None:
    settings.DATA_DIR = tmp_path
    name = tmp_path / "old.sqlite3"
    name.touch(mode=0o644)
    name.chmod(0o644)
    wrapper = DatabaseWrapper({**connection.settings_dict, "NAME": str(name)}, alias="private_test2")
    try:
        wrapper.ensure_connection()
        assert mode(name) == 0o600
    finally:
        wrapper.close()


def test_the_test_database_and_keys_are_private(settings: Any) -> None:
    data_dir = Path(settings.DATA_DIR)
    for key in ("secret_key", "sm4_key", "audit_key"):
        if (data_dir / key).exists():
            assert mode(data_dir / key) == 0o600, key
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA database_list")
            database = Path(cursor.fetchone()[2])
        assert mode(database) == 0o600
