"""Usability fixes of the record form and the review queue: evidence attached with the record (create and edit,
all or nothing), one neutral stale-edit notice naming who saved, who submitted a demo record, the return reason
kept open on refusal, and the bulk approve button that cannot be pressed with nothing ticked."""

from __future__ import annotations

import random
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from taizhang.core.concurrency import STALE_MESSAGE
from taizhang.core.testing import client_for, make_record, make_user
from taizhang.ledger import actions
from taizhang.ledger.models import ActivityType, Evidence, Record
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

pytestmark = pytest.mark.django_db
TYPE = "lecture_event"  # 宣讲活动: lecture_events (场, default 1), lecture_audience (人次, required)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
    "0001ff8a5f2b7d0000000049454e44ae426082"
)


@pytest.fixture
def s(taxonomy: Any, tree: Any) -> Any:
    class S:
        pass

    x = S()
    x.tree = tree  # type: ignore[attr-defined]
    x.liaison = make_user("liaison", tree.street_a)  # type: ignore[attr-defined]
    x.liaison.display_name = "东城联络员甲"  # type: ignore[attr-defined]
    x.liaison.save(update_fields=["display_name"])  # type: ignore[attr-defined]
    x.atype = ActivityType.objects.get(key=TYPE)  # type: ignore[attr-defined]
    return x


def form_data(s: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "unit": s.tree.street_a.pk, "activity_type": s.atype.pk, "title": "理论宣讲进社区",
        "start_date": "2024-05-12", "end_date": "", "location": "东城街道文化站", "description": "宣讲二十大精神",
        "fig_lecture_events": "1", "fig_lecture_audience": "120", "idempotency_key": uuid.uuid4().hex,
    }
    data.update(overrides)
    return data


def stored_files() -> set[Path]:
    media = Path(settings.MEDIA_ROOT) / "evidence"
    return {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()


# ---------------------------------------------------------------------------------------------------------------
# 1. Evidence with the record
# ---------------------------------------------------------------------------------------------------------------
def test_the_create_form_offers_an_evidence_upload(s: Any) -> None:
    content = client_for(s.liaison).get(reverse("ledger:record_create")).content.decode()
    assert 'enctype="multipart/form-data"' in content
    assert re.search(r'<input type="file" name="file"[^>]*multiple', content)


def test_create_and_submit_with_evidence_photos(s: Any) -> None:
    data = form_data(s, submit="1", file=[SimpleUploadedFile("现场.png", PNG), SimpleUploadedFile("签到.png", PNG)])
    response = client_for(s.liaison).post(reverse("ledger:record_create"), data, follow=True)
    record = Record.objects.get()
    assert record.status == Record.Status.SUBMITTED
    assert sorted(e.original_name for e in record.evidence.all()) == ["现场.png", "签到.png"]
    assert all(e.uploaded_by == s.liaison for e in record.evidence.all())
    assert "并添加了 2 份佐证材料" in response.content.decode()
    # The evidence came before the submit: the timeline reads create → evidence → submit.
    assert list(record.events.order_by("id").values_list("action", flat=True)) == ["create", "evidence_add", "submit"]


def test_create_with_a_bad_file_saves_nothing_and_keeps_the_input(s: Any) -> None:
    before = stored_files()
    data = form_data(s, submit="1", title="带坏文件的记录",
                     file=[SimpleUploadedFile("ok.png", PNG), SimpleUploadedFile("bad.png", b"text")])
    response = client_for(s.liaison).post(reverse("ledger:record_create"), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "记录没有保存：佐证材料未通过检查" in content
    assert "bad.png" in content
    assert 'value="带坏文件的记录"' in content
    assert 'value="120"' in content
    assert response.context["form"].errors["file"]
    assert not Record.objects.exists()
    assert not Evidence.objects.exists()
    assert stored_files() == before


def test_edit_with_evidence_then_a_bad_file_refuses_the_whole_save(s: Any) -> None:
    record = make_record(s.tree.street_a, TYPE, {"lecture_audience": 5}, status="draft", title="原标题")
    c = client_for(s.liaison)
    url = reverse("ledger:record_edit", args=[record.pk])
    data = form_data(s, title="补了照片", version=record.version, file=SimpleUploadedFile("照片.png", PNG))
    assert c.post(url, data).status_code == 302
    record.refresh_from_db()
    assert record.title == "补了照片"
    assert [e.original_name for e in record.evidence.all()] == ["照片.png"]

    before = stored_files()
    version = record.version
    data = form_data(s, title="不该保存", version=version, submit="1",
                     file=[SimpleUploadedFile("ok.png", PNG), SimpleUploadedFile("假图片.png", b"not a png")])
    response = c.post(url, data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "记录没有保存：佐证材料未通过检查" in content
    assert 'value="不该保存"' in content
    record.refresh_from_db()
    assert (record.title, record.version, record.status) == ("补了照片", version, Record.Status.DRAFT)
    assert record.evidence.count() == 1
    assert stored_files() == before


def test_a_refused_submit_keeps_no_edit_and_no_file(s: Any) -> None:
    record = make_record(s.tree.street_a, TYPE, {"lecture_audience": 5}, status="draft", title="原标题")
    before = stored_files()
    data = form_data(s, title="缺人次", version=record.version, submit="1", fig_lecture_audience="",
                     file=SimpleUploadedFile("照片.png", PNG))
    response = client_for(s.liaison).post(reverse("ledger:record_edit", args=[record.pk]), data)
    assert response.status_code == 400
    record.refresh_from_db()
    assert record.title == "原标题"
    assert not record.evidence.exists()
    assert stored_files() == before


# ---------------------------------------------------------------------------------------------------------------
# 2. Stale edit: once, neutral, naming who saved
# ---------------------------------------------------------------------------------------------------------------
def _stale_post(s: Any, saver: Any) -> str:
    record = make_record(s.tree.street_a, TYPE, {"lecture_audience": 5}, status="draft")
    old_version = record.version
    actions.update_record(acting_user=saver, record=Record.objects.get(pk=record.pk), expected_version=old_version,
                          title="先保存的修改")
    data = form_data(s, title="我的修改", version=old_version)
    response = client_for(s.liaison).post(reverse("ledger:record_edit", args=[record.pk]), data)
    assert response.status_code == 409
    content = response.content.decode()
    assert content.count("这条记录在您打开后已被修改") == 1
    assert STALE_MESSAGE not in content  # no second, red form error saying the same
    assert "他人" not in content
    assert 'value="我的修改"' in content
    return content


def test_stale_edit_by_the_same_user_in_another_tab(s: Any) -> None:
    content = _stale_post(s, s.liaison)
    assert "修改人：您在另一窗口" in content


def test_stale_edit_by_another_user_names_them(s: Any) -> None:
    other = make_user("liaison", s.tree.street_a)
    other.display_name = "东城联络员乙"
    other.save(update_fields=["display_name"])
    content = _stale_post(s, other)
    assert "修改人：东城联络员乙" in content


# ---------------------------------------------------------------------------------------------------------------
# 3. Review queue
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture
def reviewer(taxonomy: Any, tree: Any) -> Any:
    return make_user("reviewer", tree.street_a)


def test_the_return_reason_is_required_in_the_browser(reviewer: Any, tree: Any) -> None:
    record = make_record(tree.street_a, TYPE, {"lecture_audience": 10}, status="submitted")
    content = client_for(reviewer).get(reverse("ledger:review_item", args=[record.pk])).content.decode()
    assert re.search(rf'<input id="tz-reason-{record.pk}" name="reason"[^>]* required', content)


def test_a_refused_return_reopens_the_panel_with_the_text(reviewer: Any, tree: Any) -> None:
    record = make_record(tree.street_a, TYPE, {"lecture_audience": 10}, status="submitted", title="待退回")
    next_url = reverse("ledger:review_queue") + f"?unit={tree.street_a.code}"
    response = client_for(reviewer).post(reverse("ledger:review_return", args=[record.pk]),
                                         {"reason": "   ", "next": next_url})
    assert response.status_code == 400
    content = response.content.decode()
    assert f'<tr id="tz-review-{record.pk}">' in content  # the panel is open, not hidden
    assert "退回时必须填写退回原因" in content
    assert 'value="   "' in content
    assert 'aria-invalid="true"' in content
    record.refresh_from_db()
    assert record.status == Record.Status.SUBMITTED


def test_a_refused_return_off_the_current_page_is_shown_above_the_queue(reviewer: Any, tree: Any) -> None:
    record = make_record(tree.street_a, TYPE, {"lecture_audience": 10}, status="submitted", title="别处的记录")
    other = ActivityType.objects.exclude(key=TYPE).filter(is_active=True).first()
    assert other is not None
    next_url = reverse("ledger:review_queue") + f"?activity_type={other.pk}"  # a filter that hides the record
    response = client_for(reviewer).post(reverse("ledger:review_return", args=[record.pk]),
                                         {"reason": "", "next": next_url})
    assert response.status_code == 400
    content = response.content.decode()
    assert "退回未成功：别处的记录" in content
    assert f'action="{reverse("ledger:review_return", args=[record.pk])}"' in content


def test_bulk_approve_button_is_disabled_until_something_is_ticked(reviewer: Any, tree: Any) -> None:
    make_record(tree.street_a, TYPE, {"lecture_audience": 10}, status="submitted")
    content = client_for(reviewer).get(reverse("ledger:review_queue")).content.decode()
    button = re.search(r'<button[^>]*form="tz-bulk-form"[^>]*>批量通过所选</button>', content)
    assert button is not None
    assert " disabled" in button.group(0)
    assert 'data-bulk-submit="ids"' in button.group(0)
    assert "/static/ledger/review.js" in content
    assert "<script>" not in content
    js = (Path(__file__).resolve().parents[1] / "static" / "ledger" / "review.js").read_text(encoding="utf-8")
    assert "data-bulk-submit" in js


def test_the_queue_shows_who_submitted(reviewer: Any, tree: Any) -> None:
    liaison = make_user("liaison", tree.street_a)
    liaison.display_name = "东城联络员丙"
    liaison.save(update_fields=["display_name"])
    record = actions.create_record(
        acting_user=liaison, unit=tree.street_a, activity_type=ActivityType.objects.get(key=TYPE),
        title="手工报送", start_date=make_record(tree.street_a, TYPE, {"lecture_audience": 1}).start_date,
        figures={"lecture_audience": "10"}, submit=True,
    )
    content = client_for(reviewer).get(reverse("ledger:review_queue")).content.decode()
    assert "<td>东城联络员丙</td>" in content
    assert record.created_by == liaison


def test_demo_records_have_a_liaison_who_filled_them_in(taxonomy: Any) -> None:
    from django.utils import timezone

    from taizhang.core.demo import DemoContext
    from taizhang.ledger import demo as ledger_demo
    from taizhang.org import demo as org_demo

    ctx = DemoContext(seed=2024, today=timezone.localdate(), rng=random.Random(2024))
    ctx.scale = 0.05  # type: ignore[attr-defined]
    org_demo.build(ctx)
    logins = {name for name, _, _ in ctx.logins}
    ledger_demo.build(ctx)
    records = list(Record.objects.select_related("unit", "created_by"))
    assert records
    assert all(r.created_by is not None for r in records)
    assert all(can_in_unit(r.created_by, Cap.EDIT_RECORDS, r.unit) for r in records)
    jf01 = [r for r in records if r.unit.code == "JF01"]
    assert jf01 and {r.created_by.username for r in jf01} == {"liaison_jf01"}  # type: ignore[union-attr]
    assert {name for name, _, _ in ctx.logins} == logins  # no new demo logins
    reviewer = ctx.users["reviewer"]
    waiting = [r for r in records if r.status == Record.Status.SUBMITTED]
    content = client_for(reviewer).get(reverse("ledger:review_queue")).content.decode()
    assert waiting and f"<td>{waiting[0].created_by}</td>" in content
    assert "<td>—</td>" not in content
    detail = client_for(reviewer).get(reverse("ledger:record_detail", args=[waiting[0].pk])).content.decode()
    assert f"{waiting[0].created_by} · " in detail
