"""Sample objects of the 文明创建 URLs for the permission matrix (core/testing_matrix.py): a market of street A
inspected in May 2024 (one standard met, one not: a problem with a photo), a document submitted for review, a
published bulletin of street A with a blurred photo, a title applied for and awarded. The framework is the shared
measuring rod every unit reads, so its page is not a scoped object."""

from __future__ import annotations

import datetime
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile

from taizhang.core.testing_matrix import MatrixWorld, Sample


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.civility import actions
    from taizhang.civility.models import Photo, Problem, Standard, Title
    from taizhang.reports.document import Document

    from .factories import jpeg, when

    sa = world.tree.street_a
    fw = actions.create_framework(acting_user=None, key="matrix", name="矩阵测评体系", owner=world.tree.district)
    project = actions.add_project(acting_user=None, framework=fw, key="P1", name="公共环境")
    content = actions.add_content(acting_user=None, project=project, key="C1", name="市容环境")
    field = actions.add_standard(acting_user=None, content=content, code="S1", text="地面干净", points="4",
                                 method="field", site_types=["market"])
    other = actions.add_standard(acting_user=None, content=content, code="S2", text="无占道经营", points="6",
                                 method="field", site_types=["market"])
    document = actions.add_standard(acting_user=None, content=content, code="S3", text="有工作方案", points="5",
                                    method="document")
    actions.activate_framework(acting_user=None, framework=fw)
    site = actions.create_site(acting_user=None, code="MX1", type="market", name="矩阵农贸市场", unit=sa)
    answers = [{"standard": field.pk, "met": True, "note": ""},
               {"standard": other.pk, "met": False, "note": "占道经营"}]
    inspection, _created = actions.submit_inspection(
        acting_user=None, uuid=uuid.uuid4(), site=site, answers=answers, framework=fw,
        submitted_at=when(datetime.date(2024, 5, 6)), photos=[{"file": jpeg(size=(200, 100)), "standard": None}])
    problem = Problem.objects.get(inspection=inspection)
    photo = Photo.objects.get(inspection=inspection)
    doc = actions.submit_document(acting_user=None, standard=Standard.objects.get(pk=document.pk), unit=sa,
                                  uploaded=SimpleUploadedFile("方案.txt", "工作方案".encode()))
    bulletin = actions.create_bulletin(acting_user=None, owner=sa, kind="monthly", period_spec="2024-05")
    item = actions.set_bulletin_photo(acting_user=None, bulletin=bulletin, photo=photo, regions=[[0, 0, 50, 50]],
                                      caption="占道经营", checked=True)
    actions.publish_bulletin(acting_user=None, bulletin=bulletin)
    awarded = actions.apply_title(acting_user=None, kind="unit", level="district", unit=sa, year=2024,
                                  applicant="矩阵单位")
    actions.review_application(acting_user=None, application=awarded, approve=True)
    title = Title.objects.get(unit=sa)
    application = actions.apply_title(acting_user=None, kind="unit", level="district", unit=sa, year=2025,
                                      applicant="矩阵单位")
    return {
        "civility:problem_detail": Sample({"pk": problem.pk}, sa),
        "civility:photo": Sample({"pk": photo.pk}, sa),
        "civility:inspect_site": Sample({"pk": site.pk}, sa),
        "civility:inspection_detail": Sample({"pk": inspection.pk}, sa),
        "civility:site_edit": Sample({"pk": site.pk}, sa),
        "civility:framework_detail": Sample({"pk": fw.pk}),
        "civility:document_review": Sample({"pk": doc.pk}, sa),
        "civility:document_download": Sample({"pk": doc.pk}, sa),
        "civility:bulletin_detail": Sample({"pk": bulletin.pk}, sa),
        "civility:bulletin_download": Sample({"pk": bulletin.pk}, sa),
        "civility:bulletin_figure": Sample({"pk": bulletin.pk, "fig_id": next(iter(
            Document.from_dict(bulletin.document).figures())).id}, sa),
        "civility:bulletin_photo": Sample({"pk": item.pk}, sa),
        "civility:application_review": Sample({"pk": application.pk}, sa),
        "civility:title_action": Sample({"pk": title.pk}, sa),
        "site-detail": Sample({"pk": site.pk}, sa),
        "api-score": Sample({}, query="period=2024-05"),
    }
