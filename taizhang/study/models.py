"""Study-platform statistics (学习平台): the platform's weekly management exports per group, mapped to units."""

from __future__ import annotations

from django.db import models

from taizhang.core.models import TimestampedModel
from taizhang.core.querysets import RestrictedQuerySet
from taizhang.org.models import Unit


class StudyGroup(TimestampedModel):
    """A group (组织) on the study platform, mapped to the unit it belongs to, with the unit's headcount
    (应注册人数) the registration rate is measured against."""

    scope_field = "unit"

    name = models.CharField("平台组织名称", max_length=200, unique=True)
    unit = models.ForeignKey(Unit, verbose_name="单位", related_name="+", on_delete=models.PROTECT)
    headcount = models.PositiveIntegerField("应注册人数")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "学习平台组织"
        verbose_name_plural = "学习平台组织"
        ordering = ["unit__path", "name"]

    def __str__(self) -> str:
        return self.name


class StudyWeek(models.Model):
    """One group's figures for one week, as the platform's export gives them."""

    scope_field = "group__unit"

    group = models.ForeignKey(StudyGroup, related_name="weeks", on_delete=models.CASCADE)
    week_start = models.DateField("统计周（周一）", db_index=True)
    registered = models.PositiveIntegerField("已注册学员")
    active = models.PositiveIntegerField("活跃学员")
    points = models.PositiveBigIntegerField("本周积分")
    imported_at = models.DateTimeField("导入时间", auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "学习平台周统计"
        verbose_name_plural = "学习平台周统计"
        ordering = ["-week_start", "group__unit__path"]
        constraints = [models.UniqueConstraint(fields=["group", "week_start"], name="study_week_unique")]

    def __str__(self) -> str:
        return f"{self.group} {self.week_start}"
