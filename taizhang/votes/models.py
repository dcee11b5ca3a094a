"""公众投票（public vote）的数据模型.

A poll is about any subject (a campaign) and offers options that are any objects (candidates), both through
contenttypes: this app imports no app that uses it. A person (a phone verified by a one-time code) casts ballots
(`Ballot`, at most `votes_per_day` a day, numbered n = 1..votes_per_day, unique per poll, voter and day, so two
requests at once cannot exceed the limit); a ballot holds 1..max_choices votes (`Vote`). Votes are never deleted:
a detection run (`DetectionRun`) marks suspect votes invalid with the rule (`AnomalyRule`) and the reason, and
staff may restore them. The public sees only published daily counts (`Publication` / `PublishedCount`).

Personal data: only keyed digests (HMAC-SM3 with the installation's key, `core.crypto.blind_index`) of the phone
number, the client address and the device id are stored, never the values.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet
from taizhang.org.models import Unit


class Poll(TimestampedModel, VersionedModel):
    class State(models.TextChoices):
        OPEN = "open", "投票中"
        CLOSED = "closed", "已结束"

    code = models.CharField("编号", max_length=60, unique=True)
    title = models.CharField("标题", max_length=200)
    unit = models.ForeignKey(Unit, verbose_name="主办单位", on_delete=models.PROTECT, related_name="+")
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    opens_at = models.DateTimeField("开始时间")
    closes_at = models.DateTimeField("截止时间")
    votes_per_day = models.PositiveSmallIntegerField("每人每天可投次数", default=1)
    max_choices = models.PositiveSmallIntegerField("每次最多选择", default=1)
    address_daily_limit = models.PositiveIntegerField("同一网络每天最多", default=500)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    closed_at = models.DateTimeField("结束于", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    objects = RestrictedQuerySet.as_manager()
    scope_field = "unit"

    class Meta:
        verbose_name = "公众投票"
        verbose_name_plural = "公众投票"
        ordering = ["-opens_at", "-id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]

    def __str__(self) -> str:
        return f"{self.title}（{self.code}）"

    def is_open(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.state == self.State.OPEN and self.opens_at <= now < self.closes_at

    @property
    def status_label(self) -> str:
        now = timezone.now()
        if self.state == self.State.CLOSED or now >= self.closes_at:
            return "已结束"
        return "投票中" if now >= self.opens_at else "未开始"


class Option(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    label = models.CharField("公开名称", max_length=200)
    order = models.PositiveIntegerField("顺序", default=0)

    scope_field = "poll__unit"

    class Meta:
        verbose_name = "投票选项"
        verbose_name_plural = "投票选项"
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["poll", "subject_type", "subject_id"],
                                               name="votes_option_subject_once")]

    def __str__(self) -> str:
        return self.label


class AnomalyRule(models.Model):
    """A rule that finds suspect votes (刷票). Parameters are data; the staff page shows name and description."""

    class Kind(models.TextChoices):
        BURST = "burst", "短时激增"
        ADDRESS = "address", "同一网络地址大量投票"
        DEVICE = "device", "同一设备大量投票"
        TIMING = "timing", "投票间隔过于规律"

    key = models.CharField("规则", max_length=20, choices=Kind.choices, unique=True)
    name = models.CharField("名称", max_length=60)
    description = models.CharField("说明", max_length=300)
    params = models.JSONField("参数", default=dict)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "刷票识别规则"
        verbose_name_plural = "刷票识别规则"
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class DetectionRun(models.Model):
    """One pass of the anomaly rules over a poll's valid votes: what each rule (with its parameters) wiped."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField("触发方式", max_length=20, default="manual")  # manual / job / close / demo
    started_at = models.DateTimeField("开始", default=timezone.now)
    finished_at = models.DateTimeField("完成", null=True, blank=True)
    examined = models.PositiveIntegerField("检查票数", default=0)
    wiped = models.PositiveIntegerField("作废票数", default=0)
    results = models.JSONField("各规则结果", default=list)  # [{"rule", "name", "params", "wiped"}]
    acting_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    scope_field = "poll__unit"

    class Meta:
        verbose_name = "刷票检测"
        verbose_name_plural = "刷票检测"
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"检测 {self.pk}（作废 {self.wiped} 票）"


class Ballot(models.Model):
    """One submission by one person: ballot n (1..votes_per_day) of that person's day. The unique constraint is what
    keeps two simultaneous submissions from exceeding the daily limit on every database."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    voter_key = models.CharField(max_length=64)
    day = models.DateField()
    n = models.PositiveSmallIntegerField()
    cast_at = models.DateTimeField(default=timezone.now)
    address_hash = models.CharField(max_length=64, blank=True)
    device_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "选票"
        verbose_name_plural = "选票"
        constraints = [models.UniqueConstraint(fields=["poll", "voter_key", "day", "n"],
                                               name="votes_ballot_per_person_day")]
        indexes = [models.Index(fields=["poll", "address_hash", "day"])]

    def __str__(self) -> str:
        return f"选票 {self.pk}"


class AddressDay(models.Model):
    """How many ballots one address (its keyed hash) has cast in a poll on one day. The count is taken with one
    conditional UPDATE (used < limit), so simultaneous submissions from one address cannot pass the limit."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="+")
    address_hash = models.CharField(max_length=64)
    day = models.DateField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "地址日投票数"
        verbose_name_plural = "地址日投票数"
        constraints = [models.UniqueConstraint(fields=["poll", "address_hash", "day"], name="votes_address_day_once")]

    def __str__(self) -> str:
        return f"{self.day} {self.used}"


class Vote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="votes")
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="votes")
    voter_key = models.CharField(max_length=64)
    address_hash = models.CharField(max_length=64, blank=True)
    device_hash = models.CharField(max_length=64, blank=True)
    cast_at = models.DateTimeField(default=timezone.now)
    valid = models.BooleanField("有效", default=True)
    wiped_by = models.ForeignKey(AnomalyRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    wipe_reason = models.CharField("作废原因", max_length=300, blank=True)
    wipe_run = models.ForeignKey(DetectionRun, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="wiped_votes")
    restored = models.BooleanField("已恢复", default=False)
    restore_reason = models.CharField("恢复理由", max_length=300, blank=True)

    scope_field = "poll__unit"

    class Meta:
        verbose_name = "投票"
        verbose_name_plural = "投票"
        indexes = [models.Index(fields=["poll", "cast_at"]), models.Index(fields=["poll", "valid", "option"])]

    def __str__(self) -> str:
        return f"投票 {self.pk}"

    def masked_voter(self) -> str:
        return mask_digest(self.voter_key)

    def masked_address(self) -> str:
        return mask_digest(self.address_hash)

    def masked_device(self) -> str:
        return mask_digest(self.device_hash)


def mask_digest(value: str) -> str:
    """A digest is not personal data in itself, but staff pages show only its first 6 characters (enough to see
    that two rows share an address or device, not enough to test a guess against it)."""
    return (value[:6] + "…") if value else "—"


class Publication(models.Model):
    """The counts published for one day: valid votes cast up to `cutoff`. The public sees only the latest."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="publications")
    day = models.DateField("计数日期")
    cutoff = models.DateTimeField("截至")
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    final = models.BooleanField("最终结果", default=False)
    total = models.PositiveIntegerField("有效票合计", default=0)
    acting_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    scope_field = "poll__unit"

    class Meta:
        verbose_name = "计数发布"
        verbose_name_plural = "计数发布"
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["poll", "day"], name="votes_publication_once_a_day")]

    def __str__(self) -> str:
        return f"{self.day} 计数"


class PublishedCount(models.Model):
    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="counts")
    option = models.ForeignKey(Option, on_delete=models.CASCADE, related_name="+")
    votes = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "已发布计数"
        verbose_name_plural = "已发布计数"
        constraints = [models.UniqueConstraint(fields=["publication", "option"], name="votes_count_once")]

    def __str__(self) -> str:
        return f"{self.option_id}: {self.votes}"


DEFAULT_RULES: list[dict[str, Any]] = [
    {"key": "burst", "name": "短时激增", "order": 1,
     "description": ("某一候选对象在一个时间窗内得票达到最少票数，且为其平常每个时间窗得票的若干倍以上："
                     "该时间窗内来自同一网络地址达到一定票数的投票作废（其他人恰好此时投的票保留）。"),
     "params": {"window_minutes": 5, "min_votes": 100, "factor": 10, "min_per_source": 3}},
    {"key": "address", "name": "同一网络地址大量投票", "order": 2,
     "description": ("同一网络地址在一个时间窗内的投票达到上限（一个单位或小区共用出口地址时属正常，"
                     "工作人员可复核恢复）：这些票作废。"),
     "params": {"window_minutes": 10, "max_votes": 30}},
    {"key": "device", "name": "同一设备大量投票", "order": 3,
     "description": "同一设备一天内为多个手机号投票达到上限：这些票作废。",
     "params": {"max_per_day": 10}},
    {"key": "timing", "name": "投票间隔过于规律", "order": 4,
     "description": ("同一网络地址一天内的连续投票，间隔几乎相同（变异系数低于阈值，或时间完全相同），"
                     "像是程序自动投票：这些票作废。"),
     "params": {"min_votes": 20, "max_cv": 0.1}},
]
