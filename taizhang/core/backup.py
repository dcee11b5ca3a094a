"""Backup and restore of the database and the uploaded files, with checksums (MLPS 8.1.4.11 数据备份恢复).

A backup directory holds:
* `database.sqlite3` (SQLite's online backup API: consistent while the app keeps running) or `database.pgdump`
  (`pg_dump --format=custom`, consistent by PostgreSQL's snapshot);
* `media.tar.gz`: every uploaded file under MEDIA_ROOT;
* `manifest.json`: format, time, database engine, applied migrations, row counts per table, the media files with
  their SHA-256, the SM4 key id (not the key) and the SHA-256 and SM3 of every file above;
* `SHA256SUMS`: the same checksums in `sha256sum -c` format, so a backup can be verified without taizhang.

`restore` verifies every checksum before touching anything, refuses a backup of another database engine or a newer
schema, replaces the database (SQLite backup API / `pg_restore --clean --single-transaction`) and MEDIA_ROOT (new
tree built aside, then swapped), and finally compares the restored row counts and file checksums with the manifest.
The SM4 key is not in the backup: keep TAIZHANG_SM4_KEY separately, or the personal data fields stay unreadable.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from taizhang.core.errors import TaizhangError

FORMAT = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
MEDIA_FILE = "media.tar.gz"
CHUNK = 1024 * 1024


class BackupError(TaizhangError):
    pass


@dataclass
class Report:
    directory: Path
    manifest: dict[str, Any]
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def file_digests(path: Path) -> dict[str, Any]:
    sha, sm3 = hashlib.sha256(), hashlib.new("sm3")
    size = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            sha.update(chunk)
            sm3.update(chunk)
            size += len(chunk)
    return {"sha256": sha.hexdigest(), "sm3": sm3.hexdigest(), "size": size}


def row_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        counts[model._meta.db_table] = model._base_manager.using("default").count()
    return dict(sorted(counts.items()))


def media_digests(root: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if not root.exists():
        return out
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[path.relative_to(root).as_posix()] = file_digests(path)["sha256"]
    return out


def applied_migrations() -> dict[str, str]:
    from django.db.migrations.recorder import MigrationRecorder

    latest: dict[str, str] = {}
    for app, name in MigrationRecorder(connection).migration_qs.order_by("app", "name").values_list("app", "name"):
        latest[app] = max(latest.get(app, ""), name)
    return latest


def _vendor() -> str:
    return str(connection.vendor)


def _pg_env() -> dict[str, str]:
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for key, value in (("PGHOST", db.get("HOST")), ("PGPORT", db.get("PORT")), ("PGUSER", db.get("USER")),
                       ("PGPASSWORD", db.get("PASSWORD")), ("PGDATABASE", db.get("NAME"))):
        if value:
            env[key] = str(value)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


def _run(cmd: list[str], what: str) -> None:
    try:
        result = subprocess.run(cmd, env=_pg_env(), capture_output=True, text=True, timeout=3600, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"找不到 {cmd[0]}：请安装 PostgreSQL 客户端工具（与服务器同一主版本）") from exc
    if result.returncode != 0:
        raise BackupError(f"{what}失败：{(result.stderr or result.stdout).strip()[-800:]}")


def _sqlite_path() -> Path:
    return Path(str(settings.DATABASES["default"]["NAME"]))


def _dump_database(out: Path) -> tuple[str, dict[str, int]]:
    """Dump the database; return the file name and the row counts of exactly what was dumped."""
    vendor = _vendor()
    if vendor == "sqlite":
        target = out / SQLITE_FILE
        src = sqlite3.connect(str(_sqlite_path()))
        dst = sqlite3.connect(str(target))
        try:
            with dst:
                src.backup(dst, pages=4096)
            counts = {}
            for table in row_counts():
                counts[table] = int(dst.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608
        finally:
            dst.close()
            src.close()
        return SQLITE_FILE, counts
    if vendor == "postgresql":
        from django.db import transaction

        # Counts and dump from one snapshot: the dump runs with the snapshot this transaction exported.
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
            counts = row_counts()
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={out / PG_FILE}"], "pg_dump 备份")
        return PG_FILE, counts
    raise BackupError(f"不支持备份 {vendor} 数据库")


def _pack_media(root: Path, target: Path) -> None:
    with tarfile.open(target, "w:gz", compresslevel=6) as tar:
        if root.exists():
            for path in sorted(root.rglob("*")):
                if path.is_symlink():
                    continue
                tar.add(path, arcname=path.relative_to(root).as_posix(), recursive=False)


def backup(out: Path) -> Report:
    out = out.resolve()
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"备份目录 {out} 不是空目录：请指定一个新目录")
    out.mkdir(parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    media_root = Path(settings.MEDIA_ROOT)
    db_file, counts = _dump_database(out)
    _pack_media(media_root, out / MEDIA_FILE)
    from taizhang.core.crypto import current_key_id

    files = {name: file_digests(out / name) for name in (db_file, MEDIA_FILE)}
    manifest = {
        "format": FORMAT, "created_at": timezone.now().isoformat(), "engine": _vendor(),
        "database_file": db_file, "migrations": applied_migrations(), "counts": counts,
        "media": media_digests(media_root), "files": files, "sm4_key_id": current_key_id(),
    }
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    sums = {**{n: d["sha256"] for n, d in files.items()}, MANIFEST: file_digests(out / MANIFEST)["sha256"]}
    (out / SUMS).write_text("".join(f"{digest}  {name}\n" for name, digest in sorted(sums.items())), encoding="utf-8")
    for path in out.iterdir():
        path.chmod(0o600)
    return Report(out, manifest)


def verify(directory: Path) -> Report:
    """Check every checksum of a backup directory; raise BackupError on the first problem."""
    directory = directory.resolve()
    if not (directory / MANIFEST).exists() or not (directory / SUMS).exists():
        raise BackupError(f"{directory} 不是台账备份目录（缺少 {MANIFEST} 或 {SUMS}）")
    for line in (directory / SUMS).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        digest, _, name = line.partition("  ")
        path = directory / name
        if "/" in name or name.startswith(".") or not path.exists():
            raise BackupError(f"备份文件缺失：{name}")
        if file_digests(path)["sha256"] != digest:
            raise BackupError(f"备份文件校验失败（已损坏或被修改）：{name}")
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"不支持的备份格式版本：{manifest.get('format')}")
    for name, digests in manifest.get("files", {}).items():
        actual = file_digests(directory / name)
        if actual["sha256"] != digests["sha256"] or actual["sm3"] != digests["sm3"]:
            raise BackupError(f"备份文件校验失败（SM3/SHA-256 不符）：{name}")
    return Report(directory, manifest)


def _check_compatible(manifest: dict[str, Any]) -> None:
    if manifest.get("engine") != _vendor():
        raise BackupError(f"该备份来自 {manifest.get('engine')} 数据库，当前使用 {_vendor()}：不能直接恢复")
    from django.db.migrations.loader import MigrationLoader

    known = MigrationLoader(None, ignore_no_migrations=True).disk_migrations
    names = {(app, name) for app, name in known}
    for app, name in manifest.get("migrations", {}).items():
        if app in {a for a, _ in names} and (app, name) not in names:
            raise BackupError(f"该备份的数据结构（{app}.{name}）比当前程序新：请先升级程序再恢复")


def _restore_database(directory: Path, manifest: dict[str, Any]) -> None:
    vendor = _vendor()
    connections.close_all()
    if vendor == "sqlite":
        path = _sqlite_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(str(directory / SQLITE_FILE))
        dst = sqlite3.connect(str(path), timeout=30)
        try:
            src.backup(dst, pages=4096)
        finally:
            dst.close()
            src.close()
        return
    if vendor == "postgresql":
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", f"--dbname={settings.DATABASES['default']['NAME']}", str(directory / PG_FILE)],
             "pg_restore 恢复")
        return
    raise BackupError(f"不支持恢复到 {vendor} 数据库")


def _safe_member(member: tarfile.TarInfo) -> bool:
    name = member.name
    return (member.isfile() or member.isdir()) and not name.startswith(("/", "\\")) and ".." not in Path(name).parts


def _restore_media(directory: Path) -> None:
    root = Path(settings.MEDIA_ROOT).resolve()
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".media-restore-", dir=root.parent))
    try:
        with tarfile.open(directory / MEDIA_FILE, "r:gz") as tar:
            members = [m for m in tar.getmembers() if _safe_member(m)]
            tar.extractall(staging, members=members, filter="data")
        old = root.with_name(root.name + f".before-restore-{datetime.datetime.now():%Y%m%d%H%M%S}")
        if root.exists():
            root.rename(old)
        staging.rename(root)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def restore(directory: Path) -> Report:
    report = verify(directory)
    manifest = report.manifest
    _check_compatible(manifest)
    _restore_database(report.directory, manifest)
    _restore_media(report.directory)
    connections.close_all()
    counts = row_counts()
    for table, expected in manifest.get("counts", {}).items():
        if counts.get(table) != expected:
            report.problems.append(f"表 {table}：备份 {expected} 行，恢复后 {counts.get(table)} 行")
    media = media_digests(Path(settings.MEDIA_ROOT))
    if media != manifest.get("media", {}):
        missing = set(manifest.get("media", {})) - set(media)
        report.problems.append(f"上传文件与备份不一致（缺少或不同 {len(missing) or '若干'} 个）")
    from taizhang.core.crypto import known_key_ids

    if manifest.get("sm4_key_id") and manifest["sm4_key_id"] not in known_key_ids():
        report.problems.append(
            "当前 SM4 密钥与备份时不同：加密的个人信息字段需要原密钥（可放入 TAIZHANG_SM4_OLD_KEYS）"
        )
    return report
