"""Civility bulletins (通报): the document as data (every figure with its source), the photos staff chose for it
(blurred copies; the originals are never published) and the .docx once published."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from taizhang.core.models import TimestampedModel
from taizhang.core.querysets import RestrictedQuerySet

USER = settings.AUTH_USER_MODEL


def bulletin_path(instance: CivilityBulletin, filename: str) -> str:
    return f"civility/bulletins/{uuid.uuid4().hex}.docx"


def blurred_path(instance: BulletinPhoto, filename: str) -> str:
    return f"civility/published/{uuid.uuid4().hex}.jpg"


class CivilityBulletin(TimestampedModel):
    class Kind(models.TextChoices):
        WEEKLY = "weekly", "周通报"
        MONTHLY = "monthly", "月通报"

    class Status(models.TextChoices):
        DRAFT = "draft", "待发布"
        PUBLISHED = "published", "已发布"

    owner = models.ForeignKey("org.Unit", verbose_name="发布单位", related_name="+", on_delete=models.PROTECT)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices)
    period_spec = models.CharField("期间", max_length=40)
    title = models.CharField("标题", max_length=200)
    issued_on = models.DateField("成文日期")
    document = models.JSONField("文档", default=dict)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.DRAFT)
    file = models.FileField("文件", upload_to=bulletin_path, blank=True)
    filename = models.CharField("文件名", max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(USER, null=True, blank=True, related_name="+", on_delete=models.SET_NULL)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "owner"

    class Meta:
        verbose_name = "创建通报"
        verbose_name_plural = "创建通报"
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.title


class BulletinPhoto(models.Model):
    bulletin = models.ForeignKey(CivilityBulletin, verbose_name="通报", related_name="photos",
                                 on_delete=models.CASCADE)
    photo = models.ForeignKey("civility.Photo", verbose_name="原照片", related_name="+", on_delete=models.PROTECT)
    regions = models.JSONField("模糊区域", default=list, blank=True)  # [[x, y, w, h], …] in pixels of the original
    image = models.FileField("发布图片", upload_to=blurred_path, blank=True)
    caption = models.CharField("图注", max_length=200, blank=True)
    checked = models.BooleanField("已检查人脸和车牌", default=False)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "通报照片"
        verbose_name_plural = "通报照片"
        ordering = ["bulletin", "sort_order", "id"]

    def __str__(self) -> str:
        return self.caption or f"照片{self.pk}"
