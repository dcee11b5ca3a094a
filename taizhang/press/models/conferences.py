"""Press conferences (新闻发布会): the annual plan, filing ahead of time, the event, its materials and coverage;
and the yearly spokesperson roster (新闻发言人)."""

from __future__ import annotations

from django.db import models

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet
from taizhang.org.models import Unit


class ConferencePlan(TimestampedModel):
    """One line of the year's plan: a topic a host unit should present around a planned date."""

    scope_field = "unit"

    year = models.PositiveIntegerField("年度", db_index=True)
    unit = models.ForeignKey(Unit, verbose_name="承办单位", related_name="+", on_delete=models.PROTECT)
    topic = models.CharField("主题", max_length=200)
    planned_date = models.DateField("计划日期")
    spokesperson = models.CharField("发布人", max_length=50, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "发布会计划"
        verbose_name_plural = "发布会计划"
        ordering = ["planned_date", "id"]

    def __str__(self) -> str:
        return f"{self.planned_date:%Y-%m} {self.topic}"


class Conference(TimestampedModel, VersionedModel):
    class State(models.TextChoices):
        FILED = "filed", "已报备"
        APPROVED = "approved", "已批准"
        RETURNED = "returned", "已退回"
        HELD = "held", "已召开"
        ARCHIVED = "archived", "已归档"
        CANCELLED = "cancelled", "已取消"

    scope_field = "unit"

    plan = models.OneToOneField(
        ConferencePlan, verbose_name="计划", null=True, blank=True, related_name="conference", on_delete=models.SET_NULL
    )
    unit = models.ForeignKey(Unit, verbose_name="承办单位", related_name="+", on_delete=models.PROTECT)
    topic = models.CharField("主题", max_length=200)
    date = models.DateField("日期", db_index=True)
    place = models.CharField("地点", max_length=200, blank=True)
    speakers = models.CharField("发布人", max_length=300, blank=True)
    by_leader = models.BooleanField("主要负责同志出席发布", default=False)
    journalists = models.PositiveIntegerField("到场记者", default=0)
    outlets_present = models.CharField("到场媒体", max_length=500, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.FILED, db_index=True)
    filed_at = models.DateTimeField("报备时间", null=True, blank=True)
    filed_late = models.BooleanField("报备晚于规定时限", default=False)
    note = models.TextField("说明", blank=True)
    coverage: models.ManyToManyField = models.ManyToManyField(
        "ledger.Placement", verbose_name="报道（用稿）", blank=True, related_name="conferences"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "新闻发布会"
        verbose_name_plural = "新闻发布会"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.date} {self.topic}"


def material_path(instance: ConferenceMaterial, filename: str) -> str:
    return f"press/conferences/{instance.conference_id}/{filename}"


class ConferenceMaterial(TimestampedModel):
    class Kind(models.TextChoices):
        RELEASE = "release", "新闻通稿"
        TRANSCRIPT = "transcript", "发布实录"
        PHOTO = "photo", "照片"
        VIDEO = "video", "视频"
        AUDIO = "audio", "音频"
        OTHER = "other", "其他"

    scope_field = "conference__unit"

    conference = models.ForeignKey(Conference, related_name="materials", on_delete=models.CASCADE)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    file = models.FileField("文件", upload_to=material_path, max_length=300)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveBigIntegerField("大小", default=0)
    sha256 = models.CharField("校验值", max_length=64, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "发布会材料"
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.name


class Spokesperson(TimestampedModel):
    """The yearly roster: one or more spokespersons per unit, published once a year."""

    scope_field = "unit"

    year = models.PositiveIntegerField("年度", db_index=True)
    unit = models.ForeignKey(Unit, verbose_name="单位", related_name="+", on_delete=models.PROTECT)
    name = models.CharField("姓名", max_length=50)
    position = models.CharField("职务", max_length=100)
    trained = models.BooleanField("已参加发言人培训", default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "新闻发言人"
        verbose_name_plural = "新闻发言人"
        ordering = ["year", "unit__path", "id"]
        constraints = [models.UniqueConstraint(fields=["year", "unit", "name"], name="press_spokesperson_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"
