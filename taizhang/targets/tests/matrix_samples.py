"""Sample objects of the targets URLs for the permission matrix (core/testing_matrix.py). Targets, schemes, runs
and bulletins are the district's (every unit in view sees published results); adjustments belong to a unit."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from taizhang.core.periods import parse_period
from taizhang.core.testing_matrix import MatrixWorld, Sample
from taizhang.targets.tests.factories import D, place, placement_scheme, target


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.targets import actions

    tree = world.tree
    place(tree.street_a, "provincial", day=D(2024, 5, 9))
    scheme = placement_scheme(tree.district, key="matrix", extra_items=[
        {"key": "bonus", "name": "加分", "kind": "bonus", "rule": {"max": "5"}},
    ])
    goal = target(tree.district, key="matrix_lectures")
    adjustment = actions.propose_adjustment(acting_user=None, scheme=scheme, item_key="bonus", unit=tree.street_a,
                                            date=D(2024, 5, 6), points=2, reason="矩阵", evidence_url="https://e.cn/a")
    adjustment.evidence.save("matrix.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"), save=True)
    draft = actions.run_assessment(acting_user=None, scheme=scheme, period=parse_period("2024Q2"))
    published = actions.run_assessment(acting_user=None, scheme=scheme, period=parse_period("2024Q1"), publish=True)
    bulletin = actions.create_bulletin(acting_user=None, run=published)
    t = {"pk": goal.pk}
    run = {"pk": published.pk}
    adj = {"pk": adjustment.pk}
    return {
        "targets:target_detail": Sample(t),
        "targets:target_edit": Sample(t),
        "targets:target_records": Sample(t, query=f"unit={tree.street_a.code}"),
        "targets:target_allocate": Sample(t),
        "targets:target_delete": Sample(t),
        "targets:run_detail": Sample(run),
        "targets:run_publish": Sample({"pk": draft.pk}),
        "targets:run_discard": Sample({"pk": draft.pk}),
        "targets:run_rerun": Sample(run),
        "targets:bulletin_create": Sample(run),
        "targets:unit_result": Sample({"pk": published.pk, "code": tree.street_a.code}),
        "targets:scheme_detail": Sample({"key": scheme.key}),
        "targets:scheme_edit": Sample({"key": scheme.key}),
        "targets:ranking_edit": Sample({"key": scheme.key}),
        "targets:item_create": Sample({"key": scheme.key}),
        "targets:item_edit": Sample({"key": scheme.key, "item_key": "bonus"}),
        "targets:item_delete": Sample({"key": scheme.key, "item_key": "bonus"}),
        "targets:adjustment_decide": Sample(adj, tree.street_a),
        "targets:adjustment_withdraw": Sample(adj, tree.street_a),
        "targets:adjustment_evidence": Sample(adj, tree.street_a),
        "targets:bulletin_detail": Sample({"pk": bulletin.pk}),
        "targets:bulletin_download": Sample({"pk": bulletin.pk}),
        "targets:bulletin_figure": Sample({"pk": bulletin.pk, "fig_id": _first_figure(bulletin)}),
        "target-detail": Sample(t),
        "target-progress": Sample(t),
        "scheme-detail": Sample({"key": scheme.key}),
        "assessment-run-detail": Sample(run),
        "assessment-run-publish": Sample({"pk": draft.pk}),
        "adjustment-detail": Sample(adj, tree.street_a),
        "adjustment-approve": Sample(adj, tree.street_a),
        "adjustment-reject": Sample(adj, tree.street_a),
        "bulletin-detail": Sample({"pk": bulletin.pk}),
        "bulletin-document": Sample({"pk": bulletin.pk}),
        "api-assess": Sample({}, query=f"scheme={scheme.key}&period=2024Q1"),
    }


def _first_figure(bulletin: Any) -> str:
    from taizhang.reports.document import Document

    return next(iter(Document.from_dict(bulletin.document).figures())).id
