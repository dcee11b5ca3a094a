"""Work summaries (drafts and finals), summary templates with their confirmed slot mappings, and staff edits of the
summary phrase library.

A summary's text lives in ``document``: :meth:`taizhang.reports.document.Document.to_dict`, every figure with its
source. ``problems`` holds the candidate problems the composer found (falling figures, lagging units, the lines'
problem phrases); the user accepts or drops each, and accepted ones are paragraphs of the document.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet
from taizhang.org.models import Unit

USER = settings.AUTH_USER_MODEL


class Summary(TimestampedModel, VersionedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        FINAL = "final", "定稿"

    scope_field = "unit"

    unit = models.ForeignKey(Unit, verbose_name="总结范围", related_name="+", on_delete=models.PROTECT)
    period_spec = models.CharField("时间段", max_length=40)
    period_label = models.CharField("时间段名称", max_length=60, blank=True)
    title = models.CharField("标题", max_length=200)
    status = models.CharField("状态", max_length=8, choices=Status.choices, default=Status.DRAFT, db_index=True)
    document = models.JSONField("文档", default=dict)
    problems = models.JSONField("候选问题", default=list, blank=True)
    options = models.JSONField("生成选项", default=dict, blank=True)
    composed_at = models.DateTimeField("生成时间", null=True, blank=True)
    finalized_at = models.DateTimeField("定稿时间", null=True, blank=True)
    created_by = models.ForeignKey(USER, verbose_name="创建人", null=True, blank=True, related_name="+",
                                   on_delete=models.SET_NULL)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "工作总结"
        verbose_name_plural = "工作总结"
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class SummaryTemplate(TimestampedModel, VersionedModel):
    """A pasted or uploaded template (范文/模板): its text and, per slot, the metric the user confirmed.

    ``mappings`` maps the slot index (as a string) to a metric key, ``""`` (leave blank: 【待核实】) or is absent
    (use the proposed metric)."""

    scope_field = "owner"

    name = models.CharField("名称", max_length=100)
    owner = models.ForeignKey(Unit, verbose_name="所属单位", related_name="+", on_delete=models.PROTECT)
    text = models.TextField("模板文本")
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    mappings = models.JSONField("数据对应", default=dict, blank=True)
    created_by = models.ForeignKey(USER, verbose_name="创建人", null=True, blank=True, related_name="+",
                                   on_delete=models.SET_NULL)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = "总结模板"
        verbose_name_plural = "总结模板"
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.name


class PhraseSection(TimestampedModel, VersionedModel):
    """Staff edits of one top-level section of the phrase library (reports/defaults/phrases.json).

    Sections not edited come from the shipped file; deleting the row restores the default."""

    key = models.CharField("句式分类", max_length=40, unique=True)
    value = models.JSONField("内容")
    updated_by = models.ForeignKey(USER, verbose_name="修改人", null=True, blank=True, related_name="+",
                                   on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "总结句式"
        verbose_name_plural = "总结句式"
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key

    def as_pair(self) -> tuple[str, Any]:
        return self.key, self.value
