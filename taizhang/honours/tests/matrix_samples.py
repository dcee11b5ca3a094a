"""Sample objects of the role-model URLs for the permission matrix (core/testing_matrix.py): a campaign organised by
street A on public notice, a nomination of street A with evidence, an objection to it, and a role model of street A
in the library."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from taizhang.core.testing_matrix import MatrixWorld, Sample


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.honours import actions, library

    from .factories import make_campaign, nominate, resident_id, to_notice

    sa = world.tree.street_a
    campaign = make_campaign(sa, code="HR-MATRIX")
    nomination = nominate(campaign, sa, name="矩阵人")
    evidence = actions.add_evidence(acting_user=None, nomination=nomination,
                                    files=[SimpleUploadedFile("证明.txt", "事迹证明材料".encode())])[0]
    to_notice(campaign, [nomination])
    objection = actions.submit_objection(nomination=nomination, text="矩阵测试异议内容，超过十个字。")
    honour = library.record_honour(
        acting_user=None, unit=sa, name="矩阵典型", gender="male", birth_date=None, workplace="东城街道",
        phone="13900009999", id_number=resident_id(datetime.date(1970, 1, 1), 777), deeds="矩阵测试事迹" * 5,
        title="东城好人", level="street", year=timezone.localdate().year,
        awarded_on=timezone.localdate() - datetime.timedelta(days=1))
    return {
        "honours:campaign_detail": Sample({"pk": campaign.pk}, sa),
        "honours:campaign_edit": Sample({"pk": campaign.pk}, sa),
        "honours:nomination_new": Sample({"pk": campaign.pk}, sa),
        "honours:nomination_detail": Sample({"pk": nomination.pk}, sa),
        "honours:evidence_download": Sample({"pk": evidence.pk}, sa),
        "honours:objection_detail": Sample({"pk": objection.pk}, sa),
        "honours:rolemodel_detail": Sample({"pk": honour.role_model_id}, sa),
        "honours-campaign-detail": Sample({"pk": campaign.pk}, sa),
        "honours-nomination-detail": Sample({"pk": nomination.pk}, sa),
        "honours-role-model-detail": Sample({"pk": honour.role_model_id}, sa),
    }
