"""The assessment framework (测评体系): Framework (one edition) → Project → Content → Standard.

An edition in use (an inspection, review or survey points at its standards) is frozen: a change is made in a new
edition, which copies the tree, so scores made under the old edition never change.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet


class Method(models.TextChoices):
    FIELD = "field", "实地考察"
    DOCUMENT = "document", "材料审核"
    SURVEY = "survey", "问卷调查"
    ONLINE = "online", "网络调查"


class SiteType(models.TextChoices):
    MARKET = "market", "农贸市场"
    BACK_STREET = "back_street", "背街小巷"
    MAIN_STREET = "main_street", "主次干道"
    PARK = "park", "公园广场"
    TOILET = "toilet", "公共厕所"
    SCHOOL_GATE = "school_gate", "学校周边"
    STATION = "station", "车站"
    HOSPITAL = "hospital", "医院"
    COMMUNITY = "community", "社区"
    SERVICE_HALL = "service_hall", "政务服务大厅"
    SUPERMARKET = "supermarket", "超市"
    MALL = "mall", "商场"
    CULTURE = "culture", "文化场馆"
    PRACTICE = "practice", "新时代文明实践站"


SITE_TYPE_LABELS: dict[str, str] = dict(SiteType.choices)


class Framework(TimestampedModel, VersionedModel):
    """One edition of a framework. `key` names the framework across editions (e.g. "county")."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        ACTIVE = "active", "在用"
        RETIRED = "retired", "已停用"

    key = models.SlugField("体系标识", max_length=40)
    name = models.CharField("名称", max_length=120)
    edition = models.PositiveIntegerField("版本")
    owner = models.ForeignKey("org.Unit", verbose_name="制定单位", related_name="+", on_delete=models.PROTECT)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    based_on = models.ForeignKey("self", verbose_name="基于版本", null=True, blank=True, related_name="+",
                                 on_delete=models.SET_NULL)
    notes = models.TextField("说明", blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "owner"

    class Meta:
        verbose_name = "测评体系"
        verbose_name_plural = "测评体系"
        ordering = ["key", "-edition"]
        constraints = [models.UniqueConstraint(fields=["key", "edition"], name="civility_framework_edition")]

    def __str__(self) -> str:
        return f"{self.name}（第{self.edition}版）"

    def max_points(self) -> Decimal:
        return Standard.objects.filter(framework=self).aggregate(s=models.Sum("points"))["s"] or Decimal(0)

    def in_use(self) -> bool:
        from taizhang.civility.models import Answer, DocumentSubmission, SurveyResult

        return (Answer.objects.filter(standard__framework=self).exists()
                or DocumentSubmission.objects.filter(standard__framework=self).exists()
                or SurveyResult.objects.filter(standard__framework=self).exists())


class Project(models.Model):
    framework = models.ForeignKey(Framework, verbose_name="测评体系", related_name="projects", on_delete=models.CASCADE)
    key = models.CharField("项目编号", max_length=20)
    name = models.CharField("测评项目", max_length=120)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "测评项目"
        verbose_name_plural = "测评项目"
        ordering = ["framework", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["framework", "key"], name="civility_project_key")]

    def __str__(self) -> str:
        return f"{self.key} {self.name}"


class Content(models.Model):
    project = models.ForeignKey(Project, verbose_name="测评项目", related_name="contents", on_delete=models.CASCADE)
    key = models.CharField("内容编号", max_length=20)
    name = models.CharField("测评内容", max_length=200)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "测评内容"
        verbose_name_plural = "测评内容"
        ordering = ["project", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.key} {self.name}"


class Standard(models.Model):
    """One checkable standard. `framework` and `project` are denormalised from the tree for scoring queries."""

    framework = models.ForeignKey(Framework, verbose_name="测评体系", related_name="standards",
                                  on_delete=models.CASCADE)
    project = models.ForeignKey(Project, verbose_name="测评项目", related_name="standards", on_delete=models.CASCADE)
    content = models.ForeignKey(Content, verbose_name="测评内容", related_name="standards", on_delete=models.CASCADE)
    code = models.CharField("标准编号", max_length=24)
    text = models.TextField("测评标准")
    points = models.DecimalField("分值", max_digits=7, decimal_places=2)
    method = models.CharField("测评方法", max_length=16, choices=Method.choices, default=Method.FIELD)
    site_types = models.JSONField("适用点位类型", default=list, blank=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "测评标准"
        verbose_name_plural = "测评标准"
        ordering = ["framework", "sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["framework", "code"], name="civility_standard_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:40]}"

    @property
    def site_type_labels(self) -> str:
        return "、".join(SITE_TYPE_LABELS.get(t, t) for t in self.site_types)
