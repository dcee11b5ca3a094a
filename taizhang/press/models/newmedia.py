"""Government new-media accounts (政务新媒体): the register, filings, statistics, checks and post reviews."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet
from taizhang.org.models import Unit


class Platform(models.TextChoices):
    WECHAT = "wechat", "微信公众号"
    WEIBO = "weibo", "微博"
    DOUYIN = "douyin", "抖音"
    CHANNELS = "channels", "视频号"
    TOUTIAO = "toutiao", "头条号"
    KUAISHOU = "kuaishou", "快手"
    APP = "app", "客户端"
    WEBSITE = "website", "网站"


PLATFORM_NAMES = dict(Platform.choices)


class NewMediaAccount(TimestampedModel, VersionedModel):
    """One account run by the department or a unit. Opening, changing, suspending, closing go through filings."""

    class State(models.TextChoices):
        PENDING = "pending", "备案审核中"
        ACTIVE = "active", "运行中"
        SUSPENDED = "suspended", "已暂停"
        CLOSED = "closed", "已关停"

    scope_field = "unit"

    unit = models.ForeignKey(Unit, verbose_name="主办单位", related_name="newmedia_accounts", on_delete=models.PROTECT)
    platform = models.CharField("平台", max_length=12, choices=Platform.choices, db_index=True)
    name = models.CharField("账号名称", max_length=100)
    account_id = models.CharField("账号ID", max_length=100, blank=True)
    url = models.URLField("地址", max_length=500, blank=True)
    operator = models.CharField("运维人员", max_length=50, blank=True)
    reviewer = models.CharField("审核人员", max_length=50, blank=True)
    filing_number = models.CharField("备案编号", max_length=50, blank=True)
    opened_on = models.DateField("开通日期", null=True, blank=True)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.PENDING, db_index=True)
    last_post_date = models.DateField("最近更新日期", null=True, blank=True)
    feed_url = models.URLField(
        "公开订阅地址",
        max_length=500,
        blank=True,
        help_text="有公开订阅（RSS）地址时，可由舆情监测的信息源自动跟踪最近更新日期",
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "政务新媒体账号"
        verbose_name_plural = "政务新媒体账号"
        ordering = ["unit__path", "platform", "name"]
        indexes = [models.Index(fields=["unit", "platform"])]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}·{self.name}"


class AccountFiling(TimestampedModel):
    """A filing (备案) to open, change, suspend or close an account, reviewed by the department."""

    class Kind(models.TextChoices):
        OPEN = "open", "开设"
        CHANGE = "change", "变更"
        SUSPEND = "suspend", "暂停"
        CLOSE = "close", "关停"

    class State(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已通过"
        RETURNED = "returned", "已退回"

    scope_field = "unit"

    unit = models.ForeignKey(Unit, verbose_name="主办单位", related_name="+", on_delete=models.PROTECT)
    account = models.ForeignKey(NewMediaAccount, verbose_name="账号", related_name="filings", on_delete=models.CASCADE)
    kind = models.CharField("备案类型", max_length=8, choices=Kind.choices)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    reason = models.TextField("理由", blank=True)
    duplicate_warning = models.BooleanField("同平台已有账号", default=False)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交人",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    note = models.TextField("审核意见", blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "账号备案"
        verbose_name_plural = "账号备案"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}备案：{self.account}"


class AccountStat(models.Model):
    """One account's statistics for a week or a month, from a template or a platform's export."""

    scope_field = "account__unit"

    account = models.ForeignKey(NewMediaAccount, verbose_name="账号", related_name="stats", on_delete=models.CASCADE)
    period_start = models.DateField("统计起始日")
    period_end = models.DateField("统计截止日", db_index=True)
    posts = models.PositiveIntegerField("发文数", default=0)
    reads = models.PositiveBigIntegerField("阅读/播放量", default=0)
    likes = models.PositiveBigIntegerField("点赞数", default=0)
    shares = models.PositiveBigIntegerField("转发数", default=0)
    comments = models.PositiveBigIntegerField("评论数", default=0)
    new_followers = models.BigIntegerField("新增关注", default=0)
    total_followers = models.PositiveBigIntegerField("关注总数", default=0)
    last_post_date = models.DateField("最近发文日期", null=True, blank=True)
    top_post_title = models.CharField("阅读量最高的文章", max_length=300, blank=True)
    top_post_reads = models.PositiveBigIntegerField("最高阅读量", default=0)
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "账号统计"
        verbose_name_plural = "账号统计"
        ordering = ["-period_end"]
        constraints = [
            models.UniqueConstraint(fields=["account", "period_start", "period_end"], name="press_stat_unique_period")
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.period_start}～{self.period_end}"


class AccountCheck(TimestampedModel):
    """A check of one account against the national indicators (国办秘函〔2019〕19号), sampled or targeted.

    `items` maps an indicator key (press.rules.INDICATORS) to {"failed": bool, "note": str}. A failed check opens a
    rectification case for the owning unit; a re-check (`recheck_of`) closes or reopens it.
    """

    class Result(models.TextChoices):
        PENDING = "pending", "待检查"
        PASSED = "passed", "合格"
        FAILED = "failed", "不合格"

    scope_field = "account__unit"

    account = models.ForeignKey(NewMediaAccount, verbose_name="账号", related_name="checks", on_delete=models.CASCADE)
    check_date = models.DateField("检查日期", db_index=True)
    sampled = models.BooleanField("抽查", default=True)
    days_since_post = models.IntegerField("距最近更新天数", null=True, blank=True)
    items = models.JSONField("检查项", default=dict, blank=True)
    score = models.DecimalField("得分", max_digits=5, decimal_places=1, null=True, blank=True)
    vetoed = models.BooleanField("单项否决", default=False)
    result = models.CharField("结论", max_length=8, choices=Result.choices, default=Result.PENDING, db_index=True)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="检查人",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    recheck_of = models.ForeignKey(
        "self", verbose_name="复查对象", null=True, blank=True, related_name="rechecks", on_delete=models.SET_NULL
    )
    note = models.TextField("说明", blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "账号检查"
        verbose_name_plural = "账号检查"
        ordering = ["-check_date", "-id"]

    def __str__(self) -> str:
        return f"{self.account} {self.check_date} {self.get_result_display()}"


class PostReview(TimestampedModel, VersionedModel):
    """先审后发: a post goes through 初审 → 复审 → 终审 before it is published; every sign-off is recorded."""

    class State(models.TextChoices):
        FIRST = "first", "待初审"
        SECOND = "second", "待复审"
        FINAL = "final", "待终审"
        APPROVED = "approved", "可发布"
        PUBLISHED = "published", "已发布"
        RETURNED = "returned", "已退回"

    scope_field = "account__unit"

    account = models.ForeignKey(NewMediaAccount, verbose_name="账号", related_name="reviews", on_delete=models.CASCADE)
    title = models.CharField("标题", max_length=200)
    content = models.TextField("内容")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.FIRST, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="撰稿人",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    published_on = models.DateField("发布日期", null=True, blank=True)
    round = models.PositiveIntegerField("送审轮次", default=1)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "发布审核"
        verbose_name_plural = "发布审核"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class PostReviewStep(models.Model):
    class Step(models.TextChoices):
        FIRST = "first", "初审"
        SECOND = "second", "复审"
        FINAL = "final", "终审"

    review = models.ForeignKey(PostReview, related_name="steps", on_delete=models.CASCADE)
    step = models.CharField("环节", max_length=8, choices=Step.choices)
    round = models.PositiveIntegerField("送审轮次", default=1)
    approved = models.BooleanField("通过")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
    )
    note = models.TextField("意见", blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "审核签批"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_step_display()} {'通过' if self.approved else '退回'}"
