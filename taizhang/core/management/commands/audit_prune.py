from __future__ import annotations

import datetime
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.db import maintenance_window
from taizhang.core.management.base import TaizhangCommand
from taizhang.core.models import AuditEntry


class Command(TaizhangCommand):
    help = ("把早于保存期（TAIZHANG_AUDIT_RETENTION_DAYS，至少 180 天）的审计日志归档到压缩、带校验值的文件，"
            "核对归档后再从数据库删除。默认只预览；删除须加 --confirm。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--archive-dir", required=True, help="归档文件存放目录")
        parser.add_argument("--before", help="只处理此日期（YYYY-MM-DD）之前的记录；不得晚于保存期")
        parser.add_argument("--confirm", action="store_true", help="确认删除已归档的记录")

    def handle(self, *args: Any, **options: Any) -> None:
        retention = int(settings.TAIZHANG_AUDIT_RETENTION_DAYS)
        limit = timezone.now() - datetime.timedelta(days=retention)
        cutoff = limit
        if options["before"]:
            day = datetime.date.fromisoformat(options["before"])
            cutoff = datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())
            if cutoff > limit:
                raise CommandError(f"审计日志至少保存 {retention} 天：--before 不能晚于 {limit:%Y-%m-%d}")
        # The archived rows are the head of the chain (ids before the first row not older than the cutoff), so the
        # rows that stay still verify from the anchor the prune row keeps.
        young = AuditEntry.objects.filter(timestamp__gte=cutoff).order_by("id")
        first_kept = young.values_list("id", flat=True).first()
        rows = AuditEntry.objects.order_by("id")
        if first_kept is not None:
            rows = rows.filter(id__lt=first_kept)
        count = rows.count()
        if not count:
            self.stdout.write(f"没有早于 {cutoff:%Y-%m-%d} 的审计日志，无需归档。")
            return
        out_dir = Path(options["archive_dir"]).resolve()
        out_dir.mkdir(parents=True, exist_ok=True)
        name = f"audit-before-{cutoff:%Y%m%d}-{timezone.now():%Y%m%d%H%M%S}.jsonl.gz"
        path = out_dir / name
        ids: list[int] = []
        anchor = ""
        with gzip.open(path, "wt", encoding="utf-8") as f:
            for e in rows.iterator(chunk_size=5000):
                ids.append(e.pk)
                anchor = e.row_hash
                f.write(json.dumps({
                    "id": e.pk, "timestamp": e.timestamp.isoformat(), "user_id": e.user_id, "username": e.username,
                    "roles": e.roles, "address": e.address, "channel": e.channel, "request_id": e.request_id,
                    "action": e.action, "object_type": e.object_type, "object_id": e.object_id,
                    "object_repr": e.object_repr, "success": e.success, "before": e.before, "after": e.after,
                    "message": e.message, "prev_hash": e.prev_hash, "row_hash": e.row_hash},
                    ensure_ascii=False, sort_keys=True) + "\n")
        data = path.read_bytes()
        sha, sm3 = hashlib.sha256(data).hexdigest(), hashlib.new("sm3", data).hexdigest()
        path.with_name(name + ".sha256").write_text(f"{sha}  {name}\n", encoding="utf-8")
        # Read the archive back before anything is deleted.
        with gzip.open(path, "rt", encoding="utf-8") as f:
            archived = [json.loads(line)["id"] for line in f]
        if archived != ids:
            raise CommandError("归档文件核对失败，未删除任何记录")
        self.stdout.write(f"已归档 {count} 条（{ids[0]}–{ids[-1]}）到 {path}\n  SHA-256 {sha}\n  SM3 {sm3}")
        if not options["confirm"]:
            self.stdout.write("预览模式：未删除。确认归档文件已妥善保存后，加 --confirm 再执行一次。")
            return
        # The rows after the archived range still chain up: their first link is the archive's last digest, which
        # the prune row below keeps as the anchor (core.audit.anchors, taizhang audit_verify).
        with transaction.atomic():
            with maintenance_window(connection):
                deleted = 0
                for start in range(0, len(ids), 900):
                    deleted += AuditEntry.objects.filter(id__in=ids[start:start + 900]).delete()[0]
            self._record(name, path, sha, sm3, deleted, cutoff, retention, ids, anchor)
        self.stdout.write(f"已删除 {deleted} 条已归档的审计日志。")

    @staticmethod
    def _record(name: str, path: Path, sha: str, sm3: str, deleted: int, cutoff: Any, retention: int,
                ids: list[int], anchor: str) -> None:
        audit.record("audit_prune", None, user=None, object_type="core.auditentry", object_repr=name,
                     message=f"归档并删除 {deleted} 条早于 {cutoff:%Y-%m-%d} 的审计日志（保存期 {retention} 天）",
                     after={"archive": str(path), "sha256": sha, "sm3": sm3, "rows": deleted,
                            "first_id": ids[0], "last_id": ids[-1], "anchor_hash": anchor})
