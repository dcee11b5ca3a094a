"""The site register (点位): the places inspected, each with its responsible unit (the scope)."""

from __future__ import annotations

from django.db import models

from taizhang.civility.models.framework import SITE_TYPE_LABELS, SiteType
from taizhang.core.crypto import EncryptedCharField
from taizhang.core.models import TimestampedModel, VersionedModel
from taizhang.core.querysets import RestrictedQuerySet


class Site(TimestampedModel, VersionedModel):
    code = models.CharField("点位编号", max_length=32, unique=True)
    type = models.CharField("点位类型", max_length=20, choices=SiteType.choices, db_index=True)
    name = models.CharField("点位名称", max_length=120)
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    unit = models.ForeignKey("org.Unit", verbose_name="责任单位", related_name="civility_sites",
                             on_delete=models.PROTECT)
    lead_name = models.CharField("点位负责人", max_length=40, blank=True)
    lead_phone = EncryptedCharField("负责人电话", max_length=20, blank=True, mask_kind="phone")
    is_active = models.BooleanField("在用", default=True)

    objects = RestrictedQuerySet.as_manager()
    scope_field = "unit"

    class Meta:
        verbose_name = "点位"
        verbose_name_plural = "点位"
        ordering = ["type", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{SITE_TYPE_LABELS.get(self.type, self.type)}）"
