"""Sample objects of the event-filing URLs for the permission matrix: a filing of street A, waiting for review."""

from __future__ import annotations

import datetime

from django.utils import timezone

from taizhang.core.testing_matrix import MatrixWorld, Sample


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.filings import actions

    sa = world.tree.street_a
    starts = timezone.now() + datetime.timedelta(days=60)
    filing = actions.create_filing(
        acting_user=None, unit=sa, kind="lecture", topic="矩阵讲座", starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=1), place="会议室", outline="提纲", audience="干部",
        speakers=[{"name": "讲师"}])
    actions.submit_filing(acting_user=None, filing=filing)
    return {
        "filings:filing_detail": Sample({"pk": filing.pk}, sa),
        "filings:filing_edit": Sample({"pk": filing.pk}, sa),
    }
