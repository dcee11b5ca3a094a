"""Document reviews (材料审核) and survey results (问卷调查 / 网络调查)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from taizhang.civility.models.framework import Standard
from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet

USER = settings.AUTH_USER_MODEL


def document_path(instance: DocumentSubmission, filename: str) -> str:
    return f"civility/documents/{uuid.uuid4().hex}"


class DocumentSubmission(TimestampedModel, VersionedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "待审核"
        ACCEPTED = "accepted", "已通过"
        RETURNED = "returned", "已退回"

    standard = models.ForeignKey(Standard, verbose_name="测评标准", related_name="documents",
                                 on_delete=models.PROTECT)
    unit = models.ForeignKey("org.Unit", verbose_name="报送单位", related_name="+", on_delete=models.PROTECT)
    file = models.FileField("材料", upload_to=document_path)
    filename = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    note = models.CharField("说明", max_length=500, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    submitted_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    submitted_on = models.DateField("报送日期", db_index=True)
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    reviewed_on = models.DateField("审核日期", null=True, blank=True)
    reason = models.CharField("退回理由", max_length=500, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "unit"

    class Meta:
        verbose_name = "材料审核"
        verbose_name_plural = "材料审核"
        ordering = ["-submitted_on", "-id"]

    def __str__(self) -> str:
        return self.filename


class SurveyResult(TimestampedModel):
    """The result of a survey for one standard in one street: respondents and those satisfied (or who answered
    correctly). The rate satisfied / respondents scores the standard."""

    standard = models.ForeignKey(Standard, verbose_name="测评标准", related_name="surveys", on_delete=models.PROTECT)
    unit = models.ForeignKey("org.Unit", verbose_name="街道（镇）", related_name="+", on_delete=models.PROTECT)
    surveyed_on = models.DateField("调查日期", db_index=True)
    respondents = models.PositiveIntegerField("有效样本")
    satisfied = models.PositiveIntegerField("满意（知晓）数")
    entered_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "unit"

    class Meta:
        verbose_name = "问卷调查结果"
        verbose_name_plural = "问卷调查结果"
        ordering = ["-surveyed_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["standard", "unit", "surveyed_on"],
                                               name="civility_survey_once")]
