"""Shared base models, the audit log and background jobs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone


class TimestampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", default=timezone.now, editable=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """Optimistic locking: every save through an action bumps `version` (see core.concurrency)."""

    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """One append-only row per change, login, export or download. No code path updates or deletes it."""

    timestamp = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user_id = models.BigIntegerField("用户ID", null=True, blank=True, db_index=True)
    username = models.CharField("用户", max_length=150, blank=True)
    roles = models.CharField("角色", max_length=200, blank=True)
    address = models.CharField("地址", max_length=64, blank=True)
    channel = models.CharField("渠道", max_length=16, blank=True)
    request_id = models.CharField("请求ID", max_length=32, blank=True)
    action = models.CharField("操作", max_length=32, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True, db_index=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=300, blank=True)
    success = models.BooleanField("成功", default=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    message = models.TextField("说明", blank=True)
    # The hash chain (core.audit.append): each row's keyed digest covers its content and the previous row's.
    prev_hash = models.CharField("前一条校验值", max_length=80, blank=True, default="")
    row_hash = models.CharField("校验值", max_length=80, blank=True, default="")

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M:%S} {self.username} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("审计日志只能追加，不能修改")
        from taizhang.core.audit import append  # every row is written there, as the next link of the chain

        append([self])

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("审计日志只能追加，不能删除")


class Job(models.Model):
    """A background job whose status users can see (imports, analyses, document generation)."""

    class Status(models.TextChoices):
        PENDING = "pending", "排队中"
        RUNNING = "running", "进行中"
        SUCCEEDED = "succeeded", "已完成"
        FAILED = "failed", "失败"

    kind = models.CharField("类型", max_length=64, db_index=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    params = models.JSONField("参数", default=dict, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    progress = models.PositiveIntegerField("进度", default=0)
    total = models.PositiveIntegerField("总量", default=0)
    message = models.TextField("说明", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    # The durable queue (core.jobs): a worker claims a due job with a conditional UPDATE and holds it for a lease,
    # extended by its heartbeat; a job whose lease ran out (its worker died) runs again, up to max_attempts.
    run_after = models.DateTimeField("计划时间", default=timezone.now)
    locked_until = models.DateTimeField("租约到期", null=True, blank=True)
    locked_by = models.CharField("执行者", max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    max_attempts = models.PositiveSmallIntegerField("最多尝试", default=3)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "run_after"], name="core_job_due")]

    def __str__(self) -> str:
        return f"{self.kind}#{self.pk}"

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total:
            return 0
        return min(100, int(self.progress * 100 / self.total))

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class ScheduledRun(models.Model):
    """One row per periodic kind: the worker that moves ``next_run_at`` on (a conditional UPDATE) enqueues the run."""

    kind = models.CharField("类型", max_length=64, unique=True)
    next_run_at = models.DateTimeField("下次运行")
    last_run_at = models.DateTimeField("上次运行", null=True, blank=True)

    class Meta:
        verbose_name = "定时任务"
        verbose_name_plural = "定时任务"

    def __str__(self) -> str:
        return self.kind


class Notification(models.Model):
    """One notice to one user (站内通知). Stored per user with its read state; channels deliver copies of it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", related_name="notifications", on_delete=models.CASCADE
    )
    event = models.CharField("事件", max_length=48)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="core_notice_unread")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How a user wants to be told besides the app: by e-mail for each notice, in a daily digest, or not."""

    class Mode(models.TextChoices):
        EACH = "each", "逐条发送"
        DIGEST = "digest", "每日汇总"
        OFF = "off", "不发送"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", related_name="notification_preference", on_delete=models.CASCADE
    )
    email_mode = models.CharField("邮件通知", max_length=8, choices=Mode.choices, default=Mode.OFF)

    class Meta:
        verbose_name = "通知设置"
        verbose_name_plural = "通知设置"

    def __str__(self) -> str:
        return f"{self.user}：{self.get_email_mode_display()}"


class NotificationDelivery(models.Model):
    """One message to one address (a mailbox or a robot webhook), with its own retries.

    The channel's settings are copied in, so core needs no app's channel model: a unit's webhook (org.UnitChannel)
    and a user's mailbox look the same here. A digest delivery waits (HELD) until the daily digest sends it with
    the others for the same address.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "电子邮件"
        WEBHOOK = "webhook", "Webhook"

    class Status(models.TextChoices):
        HELD = "held", "待汇总"
        PENDING = "pending", "待发送"
        SENT = "sent", "已发送"
        FAILED = "failed", "失败"

    notification = models.ForeignKey(
        Notification, verbose_name="通知", related_name="deliveries", null=True, blank=True, on_delete=models.CASCADE
    )
    event = models.CharField("事件", max_length=48, blank=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=500, blank=True)
    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    target = models.CharField("地址", max_length=1000)
    format = models.CharField("消息格式", max_length=10, default="generic")
    secret = models.CharField("加签密钥", max_length=200, blank=True)
    allow_private = models.BooleanField("允许内网地址", default=False)
    label = models.CharField("渠道名称", max_length=100, blank=True)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_try = models.DateTimeField("下次发送", default=timezone.now)
    last_error = models.CharField("最近错误", max_length=1000, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "通知发送"
        verbose_name_plural = "通知发送"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_try"], name="core_delivery_due")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.label or self.target[:40]}"
