"""Online-opinion monitoring (舆情监测): sources, watch lists, items, incidents, alerts, responses, briefs.

Public content only, in aggregate: items keep what an outlet or platform published (title, text, link, time,
outlet), never who wrote it. Incidents are clusters of items; their answer is a public :class:`Response` by the
responsible unit. See docs/monitoring.md.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet
from taizhang.ledger.models import Outlet, Record
from taizhang.org.models import Unit

LEVEL_CHOICES = [
    ("national", "中央"),
    ("provincial", "省级"),
    ("municipal", "市级"),
    ("district", "区县"),
    ("other", "其他"),
]
LEVEL_NAMES = dict(LEVEL_CHOICES)
GRADE_CHOICES = [("general", "一般"), ("major", "较大"), ("severe", "重大")]
GRADE_NAMES = dict(GRADE_CHOICES)
GRADE_RANK = {"": -1, "general": 0, "major": 1, "severe": 2}
LABEL_NAMES = {"pos": "正面", "neg": "负面", "neu": "中性"}


class Source(TimestampedModel, VersionedModel):
    """Where items come from. Feeds and list pages are polled on their schedule; files are read when they change;
    the ingest API is pushed to by outside crawlers with the source's token."""

    class Kind(models.TextChoices):
        FEED = "feed", "RSS/Atom 订阅"
        PAGE = "page", "网站列表页"
        FILE = "file", "文件导出"
        API = "api", "接口推送"

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    url = models.CharField("地址", max_length=1000, blank=True,
                           help_text="订阅或列表页网址；文件来源填服务器上的文件路径")
    outlet = models.ForeignKey(
        Outlet, verbose_name="所属媒体", null=True, blank=True, related_name="+", on_delete=models.SET_NULL,
        help_text="来源本身是某家媒体时填写，其信息按该媒体级别计",
    )
    level = models.CharField("来源级别", max_length=12, choices=LEVEL_CHOICES, blank=True)
    enabled = models.BooleanField("启用", default=True)
    is_internal = models.BooleanField(
        "内网地址", default=False, help_text="勾选后才允许访问内网、本机等私有地址（仅用于政务内网中的来源）"
    )
    schedule_minutes = models.PositiveIntegerField("采集间隔（分钟）", default=30)
    adaptive = models.BooleanField("按重复率自动调整间隔", default=True)
    interval_minutes = models.FloatField("当前间隔（分钟）", default=30)
    timeout_seconds = models.PositiveIntegerField("超时（秒）", default=20)
    max_bytes = models.PositiveIntegerField("单次最大字节数", default=5_000_000)
    link_pattern = models.CharField(
        "文章链接规则", max_length=300, blank=True, help_text="列表页来源：文章网址须匹配的正则表达式，留空则取同站链接"
    )
    max_articles = models.PositiveSmallIntegerField("每次最多抓取文章数", default=20)
    # conditional GET and scheduling state
    etag = models.CharField(max_length=300, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    next_poll_at = models.DateTimeField("下次采集", null=True, blank=True, db_index=True)
    last_polled_at = models.DateTimeField("上次采集", null=True, blank=True)
    last_success_at = models.DateTimeField("上次成功", null=True, blank=True)
    last_status = models.CharField("上次结果", max_length=40, blank=True)
    last_error = models.TextField("上次错误", blank=True)
    failures = models.PositiveIntegerField("连续失败次数", default=0)
    items_total = models.PositiveBigIntegerField("累计信息", default=0)
    duplicates_total = models.PositiveBigIntegerField("累计重复", default=0)
    duplicate_rate = models.FloatField("重复率", default=0.0, help_text="最近几次采集的重复率（指数平滑）")
    token_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    token_hint = models.CharField("令牌尾号", max_length=8, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "信息源"
        verbose_name_plural = "信息源"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def polled(self) -> bool:
        return self.kind in (self.Kind.FEED, self.Kind.PAGE, self.Kind.FILE)


class WatchList(TimestampedModel, VersionedModel):
    """A named boolean expression (监测方案/关注词): place names, offices, topics of concern."""

    class Purpose(models.TextChoices):
        PLACE = "place", "地名（本地相关）"
        OFFICE = "office", "单位"
        TOPIC = "topic", "关注话题"

    key = models.SlugField("标识", max_length=40, unique=True)
    name = models.CharField("名称", max_length=60)
    purpose = models.CharField("用途", max_length=8, choices=Purpose.choices, default=Purpose.TOPIC)
    expression = models.TextField(
        "表达式", help_text="如：(万柏林 OR 万柏林区) AND (拆迁 OR 补偿) NOT 招聘；AND/OR/NOT 也可写作 且/或/非"
    )
    description = models.CharField("说明", max_length=200, blank=True)
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "关注词"
        verbose_name_plural = "关注词"
        ordering = ["purpose", "key"]

    def __str__(self) -> str:
        return self.name


class PipelineState(models.Model):
    """The one row every pipeline run locks (``select_for_update``): two workers never cluster at once.

    ``version`` counts processed batches; a process whose in-memory state is older catches up from the rows
    written since (items and incidents carry the version that wrote them). ``state`` holds what has no rows of
    its own: the burst baselines and the stream clock."""

    key = models.CharField(max_length=20, unique=True, default="default")
    version = models.BigIntegerField(default=0)
    state = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "分析状态"

    def __str__(self) -> str:
        return f"{self.key}@{self.version}"


class HostSlot(models.Model):
    """Politeness: the earliest time the next request to a host may start (shared by every worker)."""

    host = models.CharField(max_length=255, unique=True)
    next_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "站点访问间隔"

    def __str__(self) -> str:
        return self.host


class IngestBatch(models.Model):
    """One delivery of raw items (a poll, an upload, an API call), analysed as a whole by ``process_batch``."""

    class Status(models.TextChoices):
        PENDING = "pending", "待分析"
        DONE = "done", "已分析"
        FAILED = "failed", "失败"

    class Origin(models.TextChoices):
        POLL = "poll", "定时采集"
        UPLOAD = "upload", "文件上传"
        API = "api", "接口推送"
        CLI = "cli", "命令行导入"

    source = models.ForeignKey(Source, null=True, blank=True, related_name="batches", on_delete=models.SET_NULL)
    origin = models.CharField(max_length=8, choices=Origin.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    client_key = models.CharField("批次标识", max_length=64, blank=True, help_text="推送方给的批次号：重复推送只收一次")
    payload = models.JSONField(default=list, blank=True)  # raw item dicts; emptied once analysed
    received = models.PositiveIntegerField("收到", default=0)
    stored = models.PositiveIntegerField("入库", default=0)
    known = models.PositiveIntegerField("已收录（跳过）", default=0)
    duplicates = models.PositiveIntegerField("重复", default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "采集批次"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "client_key"], condition=~Q(client_key=""), name="monitor_batch_client_key"
            )
        ]

    def __str__(self) -> str:
        return f"批次{self.pk}"


class Incident(TimestampedModel, VersionedModel):
    """A cluster of items about one matter (舆情事件), built incrementally; kept when its items are pruned."""

    class Status(models.TextChoices):
        NEW = "new", "待交办"
        ASSIGNED = "assigned", "已交办"
        RESPONDED = "responded", "已回应"
        CLOSED = "closed", "已办结"

    scope_field = "assigned_unit"

    label = models.CharField("事件", max_length=200)
    key_terms = models.JSONField("关键词", default=list, blank=True)
    first_seen = models.DateTimeField("首次出现", db_index=True)
    last_seen = models.DateTimeField("最近出现", db_index=True)
    items_count = models.PositiveIntegerField("信息条数", default=0)
    duplicates_count = models.PositiveIntegerField("转载条数", default=0)
    negative_count = models.PositiveIntegerField(default=0)
    labelled_count = models.PositiveIntegerField(default=0)
    negative_share = models.FloatField("负面占比", default=0.0)
    peak_per_hour = models.PositiveIntegerField("小时峰值", default=0)
    grade = models.CharField("等级", max_length=8, choices=GRADE_CHOICES, default="general", db_index=True)
    score = models.FloatField("得分", default=0.0)
    burst = models.BooleanField("突发", default=False)
    last_burst_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField("聚类中", default=True, help_text="仍在聚类时间窗内，新信息还会归入", db_index=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.NEW, db_index=True)
    # The responsible unit of the incident's case (工单, kind "incident"), kept in step by the case's
    # on_state_change (monitor.incident_cases) for scoping and briefs; the deadline, escalation and timeline of the
    # assignment live on the case.
    assigned_unit = models.ForeignKey(
        Unit, verbose_name="责任单位", null=True, blank=True, related_name="monitor_incidents", on_delete=models.PROTECT
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    sources = models.JSONField("来源", default=dict, blank=True)  # source name → items (top 30)
    levels = models.JSONField("媒体级别", default=dict, blank=True)  # level → items
    matches = models.JSONField("命中关注词", default=dict, blank=True)  # watch-list key → items
    representatives = models.JSONField("代表性信息", default=list, blank=True)  # snapshots, survive pruning
    state = models.JSONField(default=dict, blank=True)  # centroid for clustering after a restart
    seq = models.BigIntegerField(default=0, db_index=True)  # PipelineState.version of the last change

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "舆情事件"
        verbose_name_plural = "舆情事件"
        ordering = ["-last_seen", "-id"]

    def __str__(self) -> str:
        return self.label

    @property
    def grade_name(self) -> str:
        return GRADE_NAMES.get(self.grade, self.grade)

    @property
    def case(self) -> Any:
        """The incident's current case (工单): the newest one, or None when it was never assigned."""
        if not hasattr(self, "_case"):
            from taizhang.cases.models import Case

            self._case = Case.objects.for_subject(self).select_related("unit").first()
        return self._case

    @property
    def deadline(self) -> datetime.date | None:
        return self.case.deadline if self.case is not None else None

    @property
    def overdue(self) -> bool:
        return bool(self.case is not None and self.case.overdue)


class MonitorItem(models.Model):
    """One public post or article after analysis. ``text`` goes when the item is pruned; counts stay in the
    hourly aggregates and the incident."""

    key = models.CharField(max_length=32, unique=True)  # the pipeline's item id
    source = models.ForeignKey(Source, null=True, blank=True, related_name="items", on_delete=models.SET_NULL)
    batch = models.ForeignKey(
        IngestBatch, null=True, blank=True, related_name="items", on_delete=models.SET_NULL, db_index=False
    )
    url = models.CharField("链接", max_length=1000, blank=True)
    url_hash = models.CharField(max_length=32, blank=True)
    title = models.CharField("标题", max_length=500, blank=True)
    text = models.TextField("正文", blank=True)
    source_name = models.CharField("来源名称", max_length=100, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    fetched_at = models.DateTimeField("采集时间", default=timezone.now)
    at = models.DateTimeField("时间", db_index=True)  # published_at, else fetched_at
    fingerprint = models.CharField(max_length=32)
    signature = models.BinaryField(null=True, blank=True)  # MinHash, to rebuild the dedup index after a restart
    duplicate_of = models.ForeignKey(
        "self", to_field="key", null=True, blank=True, related_name="reprints", on_delete=models.DO_NOTHING,
        db_constraint=False, db_index=False,
    )
    duplicate_kind = models.CharField(max_length=5, blank=True)
    similarity = models.FloatField(null=True, blank=True)
    sentiment = models.FloatField("正面概率", null=True, blank=True)
    label = models.CharField("倾向", max_length=3, blank=True)
    matches = models.JSONField("命中关注词", default=list, blank=True)
    terms = models.JSONField(default=list, blank=True)  # content words clustered on
    incident = models.ForeignKey(
        Incident, null=True, blank=True, related_name="items", on_delete=models.SET_NULL
    )
    outlet = models.ForeignKey(Outlet, null=True, blank=True, related_name="+", on_delete=models.SET_NULL,
                               db_index=False)
    level = models.CharField("媒体级别", max_length=12, blank=True)
    reach = models.PositiveIntegerField("传播量", default=1, help_text="本条及其转载条数")
    seq = models.BigIntegerField(default=0, db_index=True)

    class Meta:
        verbose_name = "监测信息"
        verbose_name_plural = "监测信息"
        ordering = ["-at", "-id"]
        # plain B-tree indexes (a field's db_index on PostgreSQL adds a second, LIKE index for text: not needed)
        indexes = [
            models.Index(fields=["incident", "at"]),
            models.Index(fields=["url_hash"], name="monitor_item_url_hash"),
            models.Index(fields=["fingerprint"], name="monitor_item_fingerprint"),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:40]

    @property
    def label_name(self) -> str:
        return LABEL_NAMES.get(self.label, "")


class IncidentHourly(models.Model):
    """Per incident and clock hour: the curves of the board and the brief, kept when items are pruned."""

    incident = models.ForeignKey(Incident, related_name="hourly", on_delete=models.CASCADE)
    hour = models.DateTimeField()
    items = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)
    neutral = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "事件小时统计"
        ordering = ["incident", "hour"]
        constraints = [models.UniqueConstraint(fields=["incident", "hour"], name="monitor_incident_hour")]
        indexes = [models.Index(fields=["hour"])]

    def __str__(self) -> str:
        return f"{self.incident_id}@{self.hour:%Y-%m-%d %H}"


class HourlyStat(models.Model):
    """District-wide counts per clock hour (every stored item): the daily brief reads these, never items."""

    hour = models.DateTimeField(unique=True)
    items = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)
    neutral = models.PositiveIntegerField(default=0)
    by_level = models.JSONField(default=dict, blank=True)
    by_source = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = "小时统计"
        ordering = ["hour"]

    def __str__(self) -> str:
        return f"{self.hour:%Y-%m-%d %H}: {self.items}"


class IncidentEvent(models.Model):
    """The incident's timeline: first seen, bursts, grade changes, assignment, response, escalation, closure."""

    class Kind(models.TextChoices):
        CREATED = "created", "发现"
        BURST = "burst", "突发"
        GRADE = "grade", "等级变化"
        ASSIGN = "assign", "交办"
        RESPOND = "respond", "回应"
        ESCALATE = "escalate", "逾期督办"
        CLOSE = "close", "办结"
        REOPEN = "reopen", "重新打开"

    incident = models.ForeignKey(Incident, related_name="events", on_delete=models.CASCADE)
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.CharField(max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "事件进程"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.text}"


class Response(models.Model):
    """The responsible unit's public response: what was published, where, when."""

    scope_field = "unit"

    incident = models.ForeignKey(Incident, related_name="responses", on_delete=models.CASCADE)
    unit = models.ForeignKey(Unit, verbose_name="回应单位", related_name="+", on_delete=models.PROTECT)
    published_text = models.TextField("回应内容")
    where = models.CharField("发布平台", max_length=200, help_text="媒体、政务新媒体账号或网站名称")
    url = models.URLField("链接", max_length=500, blank=True)
    published_at = models.DateTimeField("发布时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "回应"
        verbose_name_plural = "回应"
        ordering = ["published_at", "id"]

    def __str__(self) -> str:
        return f"{self.unit}：{self.where}"


class Alert(models.Model):
    class Kind(models.TextChoices):
        BURST = "burst", "突发"
        GRADE_UP = "grade_up", "等级上升"
        OVERDUE = "overdue", "逾期未回应"

    incident = models.ForeignKey(Incident, null=True, blank=True, related_name="alerts", on_delete=models.CASCADE)
    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    grade = models.CharField("等级", max_length=8, choices=GRADE_CHOICES, default="general")
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    dedupe_key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def grade_name(self) -> str:
        return GRADE_NAMES.get(self.grade, self.grade)


class AlertChannel(TimestampedModel, VersionedModel):
    """Where alerts go besides the in-app list: e-mail (SMTP) or a chat robot's webhook."""

    class Kind(models.TextChoices):
        EMAIL = "email", "电子邮件"
        WEBHOOK = "webhook", "Webhook"

    class Format(models.TextChoices):
        WECOM = "wecom", "企业微信机器人"
        DINGTALK = "dingtalk", "钉钉机器人"
        FEISHU = "feishu", "飞书机器人"
        GENERIC = "generic", "通用 JSON"

    name = models.CharField("名称", max_length=60, unique=True)
    kind = models.CharField("类型", max_length=8, choices=Kind.choices)
    target = models.CharField("地址", max_length=1000, help_text="邮箱（多个用逗号分隔）或 Webhook 网址")
    format = models.CharField("消息格式", max_length=10, choices=Format.choices, default=Format.GENERIC)
    secret = models.CharField("加签密钥", max_length=200, blank=True, help_text="钉钉、飞书机器人开启加签时填写")
    min_grade = models.CharField("最低等级", max_length=8, choices=GRADE_CHOICES, default="general")
    quiet_start = models.TimeField("免打扰开始", null=True, blank=True)
    quiet_end = models.TimeField("免打扰结束", null=True, blank=True)
    is_internal = models.BooleanField("内网地址", default=False)
    enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "预警渠道"
        verbose_name_plural = "预警渠道"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "失败"

    alert = models.ForeignKey(Alert, related_name="deliveries", on_delete=models.CASCADE)
    channel = models.ForeignKey(AlertChannel, related_name="deliveries", on_delete=models.CASCADE)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_try = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "预警发送"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["alert", "channel"], name="monitor_delivery_unique")]

    def __str__(self) -> str:
        return f"{self.alert_id}→{self.channel_id} {self.status}"


def brief_path(instance: Brief, filename: str) -> str:
    return f"monitor/briefs/{filename}"


class Brief(models.Model):
    """每日舆情 (one per day) or a 舆情专报 for one incident: the .docx and its HTML preview."""

    class Kind(models.TextChoices):
        DAILY = "daily", "每日舆情"
        SPECIAL = "special", "舆情专报"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    date = models.DateField("日期", db_index=True)
    incident = models.ForeignKey(Incident, null=True, blank=True, related_name="briefs", on_delete=models.CASCADE)
    title = models.CharField("标题", max_length=200)
    docx = models.FileField(upload_to=brief_path, blank=True)
    html = models.TextField(blank=True)
    document = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = "舆情简报"
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["date"], condition=Q(kind="daily"), name="monitor_daily_brief_unique")
        ]

    def __str__(self) -> str:
        return self.title


class PlacementProposal(models.Model):
    """An article about the district in an outside outlet, proposed as a placement record (对外宣传用稿)."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "待确认"
        ACCEPTED = "accepted", "已采用"
        REJECTED = "rejected", "已忽略"

    item = models.ForeignKey(MonitorItem, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    item_key = models.CharField(max_length=32, unique=True)
    outlet = models.ForeignKey(Outlet, verbose_name="媒体", related_name="+", on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, verbose_name="计入单位", related_name="+", on_delete=models.PROTECT)
    title = models.CharField("稿件标题", max_length=300)
    url = models.CharField("链接", max_length=500, blank=True)
    published_on = models.DateField("刊发日期")
    word_count = models.PositiveIntegerField("字数", null=True, blank=True)
    story_key = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True)
    record = models.ForeignKey(Record, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "用稿线索"
        verbose_name_plural = "用稿线索"
        ordering = ["-published_on", "-id"]

    def __str__(self) -> str:
        return f"{self.outlet}《{self.title}》"


def level_name(level: str | None) -> str:
    return LEVEL_NAMES.get(level or "", "其他")

