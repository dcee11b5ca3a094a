"""Sample objects of the 工单 URLs for the permission matrix (core/testing_matrix.py): a handled case of street A
with a photo attached (street A's people and the district act on it; a sibling street's people get 404)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from taizhang.core.testing_matrix import MatrixWorld, Sample

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.cases import actions
    from taizhang.cases.models import CaseAttachment

    sa = world.tree.street_a
    case = actions.dispatch_case(acting_user=None, kind="general", unit=sa, title="矩阵样例工单")
    actions.accept_case(acting_user=None, case=case)
    actions.handle_case(acting_user=None, case=case, reply="已办理",
                        files=[SimpleUploadedFile("after.png", PNG, content_type="image/png")])
    attachment = CaseAttachment.objects.get(case=case)
    pk = {"pk": case.pk}
    return {
        "cases:case_detail": Sample(pk, sa),
        "cases:case_act": Sample({**pk, "action": "verify"}, sa),
        "cases:attachment": Sample({"pk": attachment.pk}, sa),
        "case-detail": Sample(pk, sa),
        "case-act": Sample({**pk, "verb": "verify"}, sa),
    }
