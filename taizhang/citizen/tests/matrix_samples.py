"""Sample objects of the 随手拍 URLs for the permission matrix (core/testing_matrix.py): a report in street A's
area with a photo (intake staff of that street act on it; a sibling street's staff get 404)."""

from __future__ import annotations

from taizhang.core.testing_matrix import MatrixWorld, Sample


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.citizen import actions
    from taizhang.citizen.models import Category, Place

    from .conftest import jpeg_with_gps

    tree = world.tree
    place = Place.objects.create(name="矩阵路", kind=Place.Kind.ROAD, area=tree.street_a)
    report = actions.submit_report(category=Category.objects.get(key="garbage"), description="矩阵样本",
                                   place=place, photos=[jpeg_with_gps()])
    photo = report.photos.get()
    pk = {"pk": report.pk}
    out = {
        "citizen:report_detail": Sample(pk, tree.street_a),
        "citizen:photo": Sample({"pk": photo.pk}, tree.street_a),
        "citizen:photo_thumb": Sample({"pk": photo.pk}, tree.street_a),
        "citizen-report-detail": Sample(pk, tree.street_a),
    }
    out["citizen:report_action"] = Sample({**pk, "action": "accept"}, tree.street_a)
    # the bulletin is the period's, built for whoever may open it (manage_work anywhere): c1 is its 受理量
    out["citizen:bulletin_figure"] = Sample({"period": "2024-05", "fig_id": "c1"})
    for action in ("accept", "reject", "answer", "merge", "dispatch-to"):
        out[f"citizen-report-{action}"] = Sample(pk, tree.street_a)
    return out
