"""Correspondents (通讯员) and their submissions (稿件); points by rules that are data."""

from __future__ import annotations

from django.db import models

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet
from taizhang.org.models import Unit

LEVELS = (("national", "中央"), ("provincial", "省级"), ("municipal", "市级"), ("district", "区级"))
#: highest first: a piece counts once, at its highest level
LEVEL_RANK = {"national": 0, "provincial": 1, "municipal": 2, "district": 3}


class Correspondent(TimestampedModel):
    scope_field = "unit"

    unit = models.ForeignKey(Unit, verbose_name="单位", related_name="+", on_delete=models.PROTECT)
    name = models.CharField("姓名", max_length=50)
    active = models.BooleanField("在册", default=True)
    joined_on = models.DateField("加入日期", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "通讯员"
        verbose_name_plural = "通讯员"
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name


class PointRule(models.Model):
    """Points for one adopted piece of a kind at a level (one district's rule: news 1/3/5, articles 2/5/10)."""

    class Kind(models.TextChoices):
        NEWS = "news", "消息"
        ARTICLE = "article", "通讯/评论"

    kind = models.CharField("稿件类型", max_length=8, choices=Kind.choices)
    level = models.CharField("媒体级别", max_length=12, choices=LEVELS)
    points = models.DecimalField("积分", max_digits=6, decimal_places=1)

    class Meta:
        verbose_name = "积分规则"
        verbose_name_plural = "积分规则"
        constraints = [models.UniqueConstraint(fields=["kind", "level"], name="press_point_rule_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}·{self.get_level_display()}={self.points}"


class Submission(TimestampedModel, VersionedModel):
    """A correspondent's piece sent to an outlet, and whether (and where) it was adopted.

    Adoption of the same story by several outlets is kept as several submissions sharing a `story_key`; points
    count once per story at the highest level. An adopted submission links to the ledger placement that counts it
    (created from here, or an existing one linked), so the piece is never counted twice.
    """

    class Result(models.TextChoices):
        PENDING = "pending", "待采用"
        ADOPTED = "adopted", "已采用"
        REJECTED = "rejected", "未采用"

    scope_field = "unit"

    unit = models.ForeignKey(Unit, verbose_name="单位", related_name="+", on_delete=models.PROTECT)
    correspondent = models.ForeignKey(
        Correspondent, verbose_name="通讯员", related_name="submissions", on_delete=models.PROTECT
    )
    title = models.CharField("稿件标题", max_length=300)
    kind = models.CharField("稿件类型", max_length=8, choices=PointRule.Kind.choices, default=PointRule.Kind.NEWS)
    submitted_on = models.DateField("投稿日期", db_index=True)
    outlet = models.ForeignKey(
        "ledger.Outlet", verbose_name="投稿媒体", null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )
    result = models.CharField("结果", max_length=10, choices=Result.choices, default=Result.PENDING, db_index=True)
    level = models.CharField("采用级别", max_length=12, choices=LEVELS, blank=True)
    adopted_on = models.DateField("采用日期", null=True, blank=True, db_index=True)
    link = models.URLField("链接", max_length=500, blank=True)
    story_key = models.CharField("稿件归并键", max_length=64, db_index=True)
    placement = models.ForeignKey(
        "ledger.Placement",
        verbose_name="用稿记录",
        null=True,
        blank=True,
        related_name="submissions",
        on_delete=models.SET_NULL,
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "稿件"
        verbose_name_plural = "稿件"
        ordering = ["-submitted_on", "-id"]

    def __str__(self) -> str:
        return self.title
