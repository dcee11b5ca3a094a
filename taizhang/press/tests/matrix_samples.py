"""Sample objects of the press URLs for the permission matrix (core/testing_matrix.py): an account of street A with
a filing, a failed check, a post under review, a held conference with a material and a correspondent's piece."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile

from taizhang.core.testing_matrix import MatrixWorld, Sample


def samples(world: MatrixWorld) -> dict[str, Sample]:
    from taizhang.press import actions
    from taizhang.press.models import Conference

    sa = world.tree.street_a
    filing = actions.file_new_account(acting_user=None, unit=sa, platform="wechat", name="矩阵发布")
    actions.decide_filing(acting_user=None, filing=filing, approve=True)
    account = type(filing.account).objects.get(pk=filing.account_id)
    change = actions.file_account_change(acting_user=None, account=account, kind="change", changes={"name": "矩阵"})
    check = actions.record_check(acting_user=None, failed=["serious_error"],
                                 check=actions.check_account(acting_user=None, account=account))
    review = actions.submit_post(acting_user=None, account=account, title="矩阵稿", content="内容")
    conference = Conference.objects.create(unit=sa, topic="矩阵发布会", date=datetime.date(2026, 1, 5),
                                           state=Conference.State.HELD)
    material = actions.add_material(acting_user=None, conference=conference, kind="release",
                                    upload=SimpleUploadedFile("通稿.txt", "通稿".encode()))
    person = actions.add_correspondent(acting_user=None, unit=sa, name="矩阵通讯员")
    piece = actions.submit_piece(acting_user=None, correspondent=person, title="矩阵稿件",
                                 submitted_on=datetime.date(2026, 1, 5))
    return {
        "press:account_detail": Sample({"pk": account.pk}, sa),
        "press:account_file": Sample({"pk": account.pk}, sa),
        "press:account_check": Sample({"pk": account.pk}, sa),
        "press:filing_decide": Sample({"pk": change.pk}, sa),
        "press:check_detail": Sample({"pk": check.pk}, sa),
        "press:check_recheck": Sample({"pk": check.pk}, sa),
        "press:review_detail": Sample({"pk": review.pk}, sa),
        "press:conference_detail": Sample({"pk": conference.pk}, sa),
        "press:material_download": Sample({"pk": material.pk}, sa),
        "press:submission_detail": Sample({"pk": piece.pk}, sa),
    }
