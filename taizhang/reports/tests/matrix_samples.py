"""Sample objects of the reports URLs for the permission matrix (core/testing_matrix.py): a draft summary of
street A (scoped to it), a template and a phrase section."""

from __future__ import annotations

from taizhang.core.testing import make_record
from taizhang.core.testing_matrix import MatrixWorld, Sample


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.reports import actions
    from taizhang.reports.composer.phrases import default_library

    sa = world.tree.street_a
    make_record(sa, "lecture_event", {"lecture_audience": 60})
    summary = actions.compose_summary(acting_user=None, unit=sa, period="2024")
    figures = list(actions.load_document(summary).figure_map())
    template = actions.create_template(acting_user=None, owner=world.tree.district, name="矩阵模板",
                                       text="今年共开展宣讲活动【】场。")
    phrase = next(key for key in default_library() if key != "version")
    s = {"pk": summary.pk}
    out = {
        "reports:summary_detail": Sample(s, sa),
        "reports:summary_check": Sample(s, sa),
        "reports:summary_edit": Sample(s, sa),
        "reports:summary_text_edit": Sample(s, sa),
        "reports:summary_export": Sample({"pk": summary.pk, "fmt": "docx"}, sa),
        "reports:summary_state": Sample({"pk": summary.pk, "action": "finalize"}, sa),
        "reports:title_save": Sample(s, sa),
        "reports:save_all": Sample(s, sa),
        "reports:block_save": Sample({"pk": summary.pk, "index": 0}, sa),
        "reports:block_delete": Sample({"pk": summary.pk, "index": 0}, sa),
        "reports:block_add": Sample(s, sa),
        "reports:problem_set": Sample(s, sa),
        "reports:metric_preview": Sample(s, sa, query="metric=lecture_audience"),
        "reports:template_detail": Sample({"pk": template.pk}),
        "reports:template_fill": Sample({"pk": template.pk}),
        "reports:template_delete": Sample({"pk": template.pk}),
        "reports:phrase_edit": Sample({"key": phrase}),
        "reports:phrase_reset": Sample({"key": phrase}),
        "summary-detail": Sample(s, sa),
        "summary-check": Sample(s, sa),
        "summary-docx": Sample(s, sa),
        "summary-finalize": Sample(s, sa),
    }
    if figures:
        out["reports:figure_source"] = Sample({"pk": summary.pk, "fig_id": figures[0]}, sa)
    return out
