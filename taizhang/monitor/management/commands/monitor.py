"""`taizhang monitor <subcommand>`: online-opinion monitoring from the command line.

    taizhang monitor analyze FILE.jsonl [--json] [--watchlists FILE]   offline analysis, no database (routed by cli.py)
    taizhang monitor ingest FILE [--source NAME] [--no-analyze]        JSONL, JSON, CSV or xlsx into the database
    taizhang monitor run [--once] [--tick SECONDS]                     the embedded scheduler (polls, analysis, alerts)
    taizhang monitor brief --date YYYY-MM-DD --out FILE.docx [--html FILE.html]
    taizhang monitor report --incident ID --out FILE.docx [--html FILE.html]   舆情专报 for one incident
    taizhang monitor prune [--days N] [--archive FILE.jsonl.gz]       retention (TAIZHANG_MONITOR_RETENTION_DAYS)
    taizhang monitor sources                                           list the sources and their state
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.utils import timezone

from taizhang.core.management.base import TaizhangCommand
from taizhang.monitor import conf


class Command(TaizhangCommand):
    help = "舆情监测：导入、定时采集与分析、每日舆情、舆情专报、数据清理、信息源列表"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", metavar="子命令", required=True)

        p = sub.add_parser("analyze", help="离线分析 JSONL 文件（不需要数据库）")
        p.add_argument("rest", nargs=argparse.REMAINDER)

        p = sub.add_parser("ingest", help="把导出文件（JSONL、JSON、CSV、xlsx）导入数据库并分析")
        p.add_argument("file", metavar="FILE")
        p.add_argument("--source", help="信息源名称（不存在时按文件来源新建）")
        p.add_argument("--no-analyze", action="store_true", help="只导入，留给 monitor run 分析")

        p = sub.add_parser("run", help="内置调度：按计划采集、分析、预警、督办、生成每日舆情")
        p.add_argument("--once", action="store_true", help="只运行一轮")
        p.add_argument("--tick", type=float, default=None, help="每轮间隔秒数（默认 TAIZHANG_MONITOR_TICK=5）")

        p = sub.add_parser("brief", help="生成每日舆情（公文格式 docx，可另存 HTML）")
        p.add_argument("--date", required=True, help="日期 YYYY-MM-DD（统计这一天）")
        p.add_argument("--out", required=True, help="输出 .docx 文件")
        p.add_argument("--html", help="另存 HTML 文件")

        p = sub.add_parser("report", help="生成一个事件的舆情专报")
        p.add_argument("--incident", type=int, required=True, help="事件编号")
        p.add_argument("--out", required=True, help="输出 .docx 文件")
        p.add_argument("--html", help="另存 HTML 文件")

        p = sub.add_parser("prune", help="按保留期限清理监测信息（事件、统计和曲线保留）")
        p.add_argument("--days", type=int, default=None, help="保留天数（默认 TAIZHANG_MONITOR_RETENTION_DAYS=180）")
        p.add_argument("--archive", help="清理前先把这些信息写入 gzip 压缩的 JSONL 文件")

        sub.add_parser("sources", help="列出信息源及其采集状态")

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["subcommand"]
        getattr(self, f"_{name}")(options)

    # --- subcommands ----------------------------------------------------------------------------------------------
    def _analyze(self, options: dict[str, Any]) -> None:
        from taizhang.monitor.pipeline.analyze import main_analyze

        status = main_analyze(list(options["rest"]))
        if status:
            raise CommandError("分析未完成", returncode=status)

    def _ingest(self, options: dict[str, Any]) -> None:
        from taizhang.monitor import actions
        from taizhang.monitor.models import IngestBatch, Source
        from taizhang.monitor.store import process_batch

        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        source = None
        if options.get("source"):
            source = Source.objects.filter(name=options["source"]).first()
            if source is None:
                source, _ = actions.create_source(acting_user=None, name=options["source"], kind=Source.Kind.FILE,
                                                  url=path.name, enabled=False)
        data = path.read_bytes()
        name = path.name
        if path.suffix.lower() not in (".csv", ".json", ".jsonl", ".xlsx", ".xlsm"):
            name = path.stem + ".jsonl"  # the analyze command's input: JSON lines whatever the extension
        batch = actions.ingest_file(acting_user=None, data=data, filename=name, source=source,
                                    origin=IngestBatch.Origin.CLI)
        self.stdout.write(f"已接收 {batch.received} 条（批次 {batch.pk}）")
        if options["no_analyze"]:
            return
        outcome = process_batch(batch.pk)
        if outcome.status == "failed":
            raise CommandError(outcome.error)
        self.stdout.write(
            f"入库 {outcome.stored} 条，已收录跳过 {outcome.known} 条，重复（转载）{outcome.duplicates} 条；"
            f"新事件 {len(outcome.incidents_created)} 个，更新事件 {outcome.incidents_updated} 个，"
            f"新预警 {len(outcome.alerts)} 条，用稿线索 {outcome.proposals} 条"
        )

    def _run(self, options: dict[str, Any]) -> None:
        from taizhang.monitor.runner import run_forever

        if not options["once"]:
            self.stdout.write("舆情监测调度已启动（Ctrl-C 停止）")
        try:
            run_forever(once=options["once"], tick_seconds=options["tick"])
        except KeyboardInterrupt:
            self.stdout.write("已停止")

    def _write(self, doc_kind: str, brief: Any, options: dict[str, Any]) -> None:
        out = Path(options["out"])
        out.parent.mkdir(parents=True, exist_ok=True)
        with brief.docx.open("rb") as fh:
            out.write_bytes(fh.read())
        if options.get("html"):
            from taizhang.reports.document import Document
            from taizhang.reports.output import standalone_html

            Path(options["html"]).write_text(standalone_html(Document.from_dict(brief.document)), encoding="utf-8")
        self.stdout.write(f"{doc_kind}已写入 {out}")

    def _brief(self, options: dict[str, Any]) -> None:
        from taizhang.monitor.actions import generate_daily_brief

        try:
            day = datetime.date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{options['date']}") from exc
        self._write("每日舆情", generate_daily_brief(acting_user=None, day=day), options)

    def _report(self, options: dict[str, Any]) -> None:
        from taizhang.monitor.actions import generate_special_report
        from taizhang.monitor.models import Incident

        incident = Incident.objects.filter(pk=options["incident"]).first()
        if incident is None:
            raise CommandError(f"事件 {options['incident']} 不存在")
        self._write("舆情专报", generate_special_report(acting_user=None, incident=incident), options)

    def _prune(self, options: dict[str, Any]) -> None:
        from taizhang.monitor.actions import prune_items

        days = options["days"] if options["days"] is not None else conf.get_int("TAIZHANG_MONITOR_RETENTION_DAYS")
        result = prune_items(acting_user=None, days=days, archive=options.get("archive"))
        archived = f"（已归档 {result['archived']} 条到 {options['archive']}）" if options.get("archive") else ""
        self.stdout.write(f"已清理 {days} 天前的监测信息 {result['deleted']} 条{archived}；事件及其统计保留")

    def _sources(self, options: dict[str, Any]) -> None:
        from taizhang.monitor.models import Source

        rows = list(Source.objects.order_by("kind", "name"))
        if not rows:
            self.stdout.write("尚未登记信息源")
            return
        now = timezone.now()
        for s in rows:
            due = "—"
            if s.polled and s.enabled:
                due = "到期" if not s.next_poll_at or s.next_poll_at <= now else \
                    timezone.localtime(s.next_poll_at).strftime("%m-%d %H:%M")
            state = "启用" if s.enabled else "停用"
            self.stdout.write(json.dumps({
                "id": s.pk, "name": s.name, "kind": s.kind, "url": s.url, "state": state,
                "interval_minutes": round(s.interval_minutes, 1), "next": due, "last": s.last_status,
                "failures": s.failures, "items": s.items_total, "duplicate_rate": round(s.duplicate_rate, 3),
            }, ensure_ascii=False))
