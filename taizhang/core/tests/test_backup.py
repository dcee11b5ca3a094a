"""Backup and restore round trip: back up, wipe, restore, compare row counts and file checksums.

Runs `taizhang` in subprocesses against a scratch database (a temporary SQLite file, and a scratch PostgreSQL
database when TAIZHANG_TEST_DATABASE_URL is set), never against the test database of this run.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SM4 = "0123456789abcdef0123456789abcdef"

POPULATE = """
import django; django.setup()
import datetime
from django.core.files.base import ContentFile
from taizhang.core.testing import make_tree, make_user, make_record
from taizhang.ledger.evidence import add_evidence
from django.core.files.uploadedfile import SimpleUploadedFile
from taizhang.accounts.models import User
tree = make_tree()
liaison = make_user("liaison", tree.street_a, username="bk_liaison")
u = User.objects.get(pk=liaison.pk); u.totp_secret = "SECRETSECRETSECRETSECRETSECRET23"; u.save()
for i in range(30):
    make_record(tree.street_a, "lecture_event", {"lecture_audience": 10 + i}, day=datetime.date(2024, 1, 1 + i % 28))
draft = make_record(tree.street_a, "lecture_event", {"lecture_audience": 5}, status="draft")
png = b"\\x89PNG\\r\\n\\x1a\\n" + b"\\x00" * 64
add_evidence(acting_user=liaison, record=draft, files=[SimpleUploadedFile("现场照片.png", png),
                                                        SimpleUploadedFile("说明.txt", "佐证材料".encode())])
"""

SNAPSHOT = """
import django; django.setup()
import json
from pathlib import Path
from django.conf import settings
from taizhang.core.backup import media_digests, row_counts
from taizhang.accounts.models import User
print(json.dumps({"counts": row_counts(), "media": media_digests(Path(settings.MEDIA_ROOT)),
                  "secret": User.objects.get(username="bk_liaison").totp_secret}))
"""


def env_for(data: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAIZHANG_", "DJANGO_", "DATABASE_URL"))}
    env.update({"TAIZHANG_DATA_DIR": str(data), "DATABASE_URL": database_url, "TAIZHANG_SM4_KEY": SM4,
                "TAIZHANG_MEDIA_ROOT": str(data / "media"), "TAIZHANG_JOBS_EAGER": "1",
                "DJANGO_SETTINGS_MODULE": "taizhang.settings", "TAIZHANG_SECRET_KEY": secrets.token_urlsafe(40)})
    return env


def taizhang(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "taizhang", *args], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=600, check=False)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def python(env: dict[str, str], code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=600, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def round_trip(tmp_path: Path, database_url: str, wipe: Any) -> None:
    data = tmp_path / "data"
    env = env_for(data, database_url)
    taizhang(env, "setup")
    python(env, POPULATE)
    before = json.loads(python(env, SNAPSHOT).strip().splitlines()[-1])
    assert len(before["media"]) == 2 and before["counts"]["ledger_record"] == 31

    out = tmp_path / "backup"
    printed = taizhang(env, "backup", "--out", str(out)).stdout
    assert "已备份到" in printed
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"] == before["counts"] and manifest["media"] == before["media"]
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=out, capture_output=True, text=True, check=False)
    assert sums.returncode == 0, sums.stdout + sums.stderr

    wipe(data)
    shutil.rmtree(data / "media", ignore_errors=True)

    restored = taizhang(env, "restore", str(out), "--yes")
    assert "行数与校验值全部一致" in restored.stdout
    after = json.loads(python(env, SNAPSHOT).strip().splitlines()[-1])
    expected = dict(before["counts"])
    expected["core_auditentry"] += 1  # the restore's own audit row
    assert after["counts"] == expected
    assert after["media"] == before["media"]
    assert after["secret"] == "SECRETSECRETSECRETSECRETSECRET23"  # SM4 fields readable with the same key

    # A damaged backup is refused before anything is touched.
    media_tar = out / "media.tar.gz"
    media_tar.chmod(0o600)
    blob = bytearray(media_tar.read_bytes())
    blob[len(blob) // 2] ^= 0xFF
    media_tar.write_bytes(bytes(blob))
    refused = taizhang(env, "restore", str(out), "--verify-only", check=False)
    assert refused.returncode != 0 and "校验失败" in refused.stderr


def test_sqlite_backup_wipe_restore(tmp_path: Path) -> None:
    def wipe(data: Path) -> None:
        for suffix in ("", "-wal", "-shm"):
            path = data / f"db.sqlite3{suffix}"
            if path.exists():
                path.unlink()

    round_trip(tmp_path, f"sqlite:///{tmp_path / 'data' / 'db.sqlite3'}", wipe)


@pytest.fixture
def scratch_postgres() -> Iterator[str]:
    url = os.environ.get("TAIZHANG_TEST_DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("PostgreSQL 备份测试需要 TAIZHANG_TEST_DATABASE_URL")
    if not shutil.which("pg_dump") or not shutil.which("pg_restore"):
        pytest.skip("需要 pg_dump 与 pg_restore")
    import psycopg

    name = f"tz_backup_test_{secrets.token_hex(4)}"
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_postgresql_backup_wipe_restore(tmp_path: Path, scratch_postgres: str) -> None:
    import psycopg

    def wipe(data: Path) -> None:
        with psycopg.connect(scratch_postgres, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")

    round_trip(tmp_path, scratch_postgres, wipe)
