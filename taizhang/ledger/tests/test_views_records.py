"""Record pages: list (filters, drill-down, scope, query count), form (create/edit, idempotency, stale edits),
detail and the workflow buttons, through the views as a browser would use them."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.concurrency import STALE_MESSAGE
from taizhang.core.testing import client_for, make_record, make_user
from taizhang.ledger import actions
from taizhang.ledger.models import ActivityType, Outlet, Record

pytestmark = pytest.mark.django_db

TYPE = "lecture_event"  # 宣讲活动: lecture_events (场, default 1), lecture_audience (人次, required)


@pytest.fixture
def setup(taxonomy: Any, tree: Any) -> Any:
    class S:
        pass

    s = S()
    s.tree = tree  # type: ignore[attr-defined]
    s.liaison = make_user("liaison", tree.street_a)  # type: ignore[attr-defined]
    s.liaison_b = make_user("liaison", tree.street_b)  # type: ignore[attr-defined]
    s.reviewer = make_user("reviewer", tree.district)  # type: ignore[attr-defined]
    s.viewer = make_user("viewer", tree.street_a)  # type: ignore[attr-defined]
    s.nobody = make_user()  # type: ignore[attr-defined]
    s.atype = ActivityType.objects.get(key=TYPE)  # type: ignore[attr-defined]
    return s


def form_data(s: Any, **overrides: Any) -> dict[str, Any]:
    data = {
        "unit": s.tree.street_a.pk, "activity_type": s.atype.pk, "title": "理论宣讲进社区",
        "start_date": "2024-05-12", "end_date": "", "location": "东城街道文化站", "description": "宣讲二十大精神",
        "fig_lecture_events": "1", "fig_lecture_audience": "120", "idempotency_key": uuid.uuid4().hex,
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------------------------------------------------------
# List
# ---------------------------------------------------------------------------------------------------------------
def test_list_anonymous_is_sent_to_login(setup: Any) -> None:
    response = Client().get(reverse("ledger:record_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_list_without_any_role_is_403(setup: Any) -> None:
    assert client_for(setup.nobody).get(reverse("ledger:record_list")).status_code == 403


def test_list_shows_only_records_in_scope(setup: Any) -> None:
    t = setup.tree
    mine = make_record(t.community_a1, TYPE, {"lecture_audience": 50}, title="东一社区宣讲")
    other = make_record(t.street_b, TYPE, {"lecture_audience": 60}, title="西城街道宣讲")
    response = client_for(setup.liaison).get(reverse("ledger:record_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert mine.title in content
    assert other.title not in content
    assert "tz-badge--approved" in content
    assert "受众人数 <strong>50</strong>人次" in content


def test_list_filters(setup: Any) -> None:
    t = setup.tree
    may = make_record(t.street_a, TYPE, {"lecture_audience": 50}, title="五月宣讲", day=datetime.date(2024, 5, 3))
    june = make_record(t.community_a2, TYPE, {"lecture_audience": 50}, title="六月宣讲", day=datetime.date(2024, 6, 3),
                       status="draft")
    c = client_for(setup.reviewer)
    url = reverse("ledger:record_list")

    def titles(**params: Any) -> set[str]:
        rows = c.get(url, params).context["rows"]
        return {r["record"].title for r in rows}

    assert titles(period="2024-05") == {may.title}
    assert titles(period="2024Q2") == {may.title, june.title}
    assert titles(period="2024H1", status="draft") == {june.title}
    assert titles(date_from="2024-06-01", date_to="2024-06-30") == {june.title}
    assert titles(unit=t.community_a2.code) == {june.title}
    assert titles(unit=t.street_a.code) == {may.title, june.title}
    assert titles(q="六月") == {june.title}
    assert titles(line=setup.atype.line.key) == {may.title, june.title}
    assert titles(activity_type=setup.atype.pk, source="manual") == {may.title, june.title}
    bad = c.get(url, {"period": "2024Q9"})
    assert "无法识别的时间段" in bad.content.decode()


def test_list_drill_down_by_ids_shows_banner(setup: Any) -> None:
    t = setup.tree
    a = make_record(t.street_a, TYPE, {"lecture_audience": 1})
    b = make_record(t.street_b, TYPE, {"lecture_audience": 2})
    make_record(t.street_a, TYPE, {"lecture_audience": 3})
    response = client_for(setup.reviewer).get(reverse("ledger:record_list"), {"ids": f"{a.pk},{b.pk}"})
    content = response.content.decode()
    assert "来自数据溯源：共2条记录" in content
    assert {r["record"].pk for r in response.context["rows"]} == {a.pk, b.pk}
    # A liaison of SA following the same link sees only what is in scope.
    response = client_for(setup.liaison).get(reverse("ledger:record_list"), {"ids": f"{a.pk},{b.pk}"})
    assert "来自数据溯源：共1条记录" in response.content.decode()


def test_list_export_link_keeps_the_filters(setup: Any) -> None:
    response = client_for(setup.reviewer).get(reverse("ledger:record_list"), {"period": "2024", "status": "approved"})
    assert "/export/?period=2024&amp;status=approved" in response.content.decode()


def test_list_sort_by_date(setup: Any) -> None:
    t = setup.tree
    old = make_record(t.street_a, TYPE, {"lecture_audience": 1}, day=datetime.date(2024, 1, 1))
    new = make_record(t.street_a, TYPE, {"lecture_audience": 1}, day=datetime.date(2024, 3, 1))
    c = client_for(setup.reviewer)
    assert [r["record"].pk for r in c.get(reverse("ledger:record_list")).context["rows"]] == [new.pk, old.pk]
    rows = c.get(reverse("ledger:record_list"), {"sort": "date"}).context["rows"]
    assert [r["record"].pk for r in rows] == [old.pk, new.pk]


def test_list_query_count_does_not_grow_with_rows(setup: Any, django_assert_max_num_queries: Any) -> None:
    t = setup.tree
    for _ in range(2):
        make_record(t.street_a, TYPE, {"lecture_audience": 10})
    c = client_for(setup.reviewer)
    c.get(reverse("ledger:record_list"))  # warm up (session, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        c.get(reverse("ledger:record_list"))
    for i in range(25):
        make_record(t.street_b if i % 2 else t.community_a1, TYPE, {"lecture_audience": i + 1})
    assert len(few.captured_queries) < 20
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = c.get(reverse("ledger:record_list"))
    assert len(response.context["rows"]) == 27


# ---------------------------------------------------------------------------------------------------------------
# Create
# ---------------------------------------------------------------------------------------------------------------
def test_create_form_requires_edit_capability(setup: Any) -> None:
    assert Client().get(reverse("ledger:record_create")).status_code == 302
    assert client_for(setup.viewer).get(reverse("ledger:record_create")).status_code == 403
    assert client_for(setup.reviewer).get(reverse("ledger:record_create")).status_code == 403
    response = client_for(setup.liaison).get(reverse("ledger:record_create"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "保存草稿" in content
    assert "保存并报送" in content
    assert 'name="idempotency_key"' in content
    # Only units where the liaison may enter records are offered.
    units = {u.pk for u in response.context["form"].fields["unit"].queryset}
    t = setup.tree
    assert units == {t.street_a.pk, t.community_a1.pk, t.community_a2.pk}


def test_create_form_groups_activity_types_by_line(setup: Any) -> None:
    content = client_for(setup.liaison).get(reverse("ledger:record_create")).content.decode()
    assert '<optgroup label="理论宣讲">' in content
    assert '<optgroup label="对外宣传">' in content


def test_type_fields_follow_the_activity_type(setup: Any) -> None:
    c = client_for(setup.liaison)
    response = c.post(reverse("ledger:record_type_fields"), {"activity_type": setup.atype.pk,
                                                              "fig_lecture_audience": "88"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "宣讲场次（场）" in content
    assert "受众人数（人次）" in content
    assert 'name="fig_lecture_audience"' in content
    assert 'value="88"' in content  # what the user typed survives the switch
    assert "tz-field--required" in content
    placement = ActivityType.objects.get(key="placement")
    content = c.post(reverse("ledger:record_type_fields"), {"activity_type": placement.pk}).content.decode()
    assert 'name="outlet"' in content
    assert 'name="article_title"' in content
    assert 'name="is_headline"' in content
    assert "人民日报" in content


def test_outlet_search_by_name_and_alias(setup: Any) -> None:
    c = client_for(setup.liaison)
    content = c.get(reverse("ledger:outlet_options"), {"outlet_q": "人民日报社"}).content.decode()
    assert ">人民日报<" in content  # found by alias
    assert "新华社" not in content


def test_create_saves_a_draft(setup: Any) -> None:
    response = client_for(setup.liaison).post(reverse("ledger:record_create"), form_data(setup))
    record = Record.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ledger:record_detail", args=[record.pk])
    assert record.status == Record.Status.DRAFT
    assert record.created_by == setup.liaison
    assert {k: int(v) for k, v in record.figure_map().items()} == {"lecture_events": 1, "lecture_audience": 120}


def test_create_and_submit(setup: Any) -> None:
    client_for(setup.liaison).post(reverse("ledger:record_create"), {**form_data(setup), "submit": "1"})
    assert Record.objects.get().status == Record.Status.SUBMITTED


def test_submit_without_required_figure_shows_the_error_next_to_the_field(setup: Any) -> None:
    data = {**form_data(setup, fig_lecture_audience=""), "submit": "1"}
    response = client_for(setup.liaison).post(reverse("ledger:record_create"), data)
    assert response.status_code == 400
    assert not Record.objects.exists()
    form = response.context["form"]
    assert form.errors["fig_lecture_audience"] == ["“受众人数”为必填项"]
    content = response.content.decode()
    assert "tz-field--error" in content
    assert 'value="理论宣讲进社区"' in content  # input kept


def test_a_form_sent_back_names_the_files_to_choose_again(setup: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("现场照片.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                               content_type="application/pdf")
    data = {**form_data(setup, fig_lecture_audience=""), "submit": "1", "file": photo}
    response = client_for(setup.liaison).post(reverse("ledger:record_create"), data)
    content = response.content.decode()
    assert response.status_code == 400 and not Record.objects.exists()
    assert 'id="files-dropped"' in content and "1 个文件（现场照片.pdf）没有保存" in content
    # a first visit has no such notice
    assert 'id="files-dropped"' not in client_for(setup.liaison).get(reverse("ledger:record_create")).content.decode()


def test_invalid_figure_is_reported_per_field(setup: Any) -> None:
    response = client_for(setup.liaison).post(reverse("ledger:record_create"),
                                               form_data(setup, fig_lecture_audience="很多"))
    assert response.status_code == 400
    assert "应填写数字" in " ".join(response.context["form"].errors["fig_lecture_audience"])
    assert not Record.objects.exists()


def test_double_submit_with_the_same_key_creates_one_record(setup: Any) -> None:
    c = client_for(setup.liaison)
    data = form_data(setup)
    first = c.post(reverse("ledger:record_create"), data)
    second = c.post(reverse("ledger:record_create"), data)
    assert Record.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_create_for_a_unit_outside_scope_is_refused(setup: Any) -> None:
    response = client_for(setup.liaison).post(reverse("ledger:record_create"),
                                               form_data(setup, unit=setup.tree.street_b.pk))
    assert response.status_code == 400
    assert "unit" in response.context["form"].errors
    assert not Record.objects.exists()


def test_create_a_placement(setup: Any) -> None:
    placement = ActivityType.objects.get(key="placement")
    outlet = Outlet.objects.get(name="人民日报")
    data = form_data(setup, activity_type=placement.pk, title="人民日报刊发东城经验", fig_placements="1",
                     outlet=outlet.pk, article_title="东城：宣讲走进百姓家", url="https://example.com/a",
                     page="第5版", is_headline="on", word_count="1500",
                     credited_units=[setup.tree.street_a.pk, setup.tree.community_a1.pk])
    data.pop("fig_lecture_events")
    data.pop("fig_lecture_audience")
    response = client_for(setup.liaison).post(reverse("ledger:record_create"), data)
    assert response.status_code == 302, response.context["form"].errors
    record = Record.objects.get()
    assert record.placement.outlet == outlet  # type: ignore[attr-defined]
    assert record.placement.is_headline  # type: ignore[attr-defined]
    assert sum(c.share for c in record.placement.credits.all()) == 1  # type: ignore[attr-defined]
    detail = client_for(setup.liaison).get(reverse("ledger:record_detail", args=[record.pk])).content.decode()
    assert "东城：宣讲走进百姓家" in detail
    assert "头条" in detail


# ---------------------------------------------------------------------------------------------------------------
# Detail
# ---------------------------------------------------------------------------------------------------------------
def test_detail_scope(setup: Any) -> None:
    record = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5})
    url = reverse("ledger:record_detail", args=[record.pk])
    assert Client().get(url).status_code == 302
    assert client_for(setup.nobody).get(url).status_code == 403
    assert client_for(setup.liaison_b).get(url).status_code == 404
    response = client_for(setup.viewer).get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<strong>5</strong> 人次" in content
    assert reverse("ledger:record_edit", args=[record.pk]) not in content  # a viewer gets no edit button


def test_detail_buttons_follow_permission_and_state(setup: Any) -> None:
    draft = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5}, status="draft")
    ctx = client_for(setup.liaison).get(reverse("ledger:record_detail", args=[draft.pk])).context
    assert ctx["can_edit"]
    assert ctx["can_submit"]
    assert ctx["can_delete"]
    assert not ctx["can_withdraw"]
    assert not ctx["can_revise"]
    assert not ctx["can_review"]
    approved = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5})
    ctx = client_for(setup.liaison).get(reverse("ledger:record_detail", args=[approved.pk])).context
    assert ctx["can_revise"]
    assert not ctx["can_edit"]
    assert not ctx["can_delete"]
    submitted = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5}, status="submitted")
    ctx = client_for(setup.reviewer).get(reverse("ledger:record_detail", args=[submitted.pk])).context
    assert ctx["can_review"]
    assert not ctx["can_withdraw"]


def test_edit_permissions(setup: Any) -> None:
    record = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5}, status="draft")
    url = reverse("ledger:record_edit", args=[record.pk])
    assert Client().get(url).status_code == 302
    assert client_for(setup.viewer).get(url).status_code == 403  # no edit capability anywhere
    assert client_for(setup.liaison_b).get(url).status_code == 404  # out of scope
    # Sees SA (viewer at D) but edits only in SA1: visible without the capability → 403.
    mixed = make_user("viewer", setup.tree.district)
    from taizhang.org.actions import grant_role

    grant_role(acting_user=None, user=mixed, unit=setup.tree.community_a1, role="liaison")
    assert client_for(mixed).get(url).status_code == 403
    assert client_for(mixed).post(reverse("ledger:record_delete", args=[record.pk])).status_code == 403
    assert Record.objects.filter(pk=record.pk).exists()
    assert client_for(setup.liaison).get(url).status_code == 200


def test_edit_saves_with_the_version(setup: Any) -> None:
    record = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5}, status="draft")
    c = client_for(setup.liaison)
    form = c.get(reverse("ledger:record_edit", args=[record.pk])).context["form"]
    assert form.initial["version"] == record.version
    data = form_data(setup, title="改过的标题", fig_lecture_audience="77", version=record.version)
    response = c.post(reverse("ledger:record_edit", args=[record.pk]), data)
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.title == "改过的标题"
    assert int(record.figure_map()["lecture_audience"]) == 77


def test_stale_edit_is_refused_and_input_is_kept(setup: Any) -> None:
    record = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5}, status="draft")
    old_version = record.version
    # Someone else saves first.
    actions.update_record(acting_user=setup.liaison, record=Record.objects.get(pk=record.pk),
                          expected_version=old_version, title="他人的修改")
    data = form_data(setup, title="我的修改", fig_lecture_audience="99", version=old_version)
    response = client_for(setup.liaison).post(reverse("ledger:record_edit", args=[record.pk]), data)
    assert response.status_code == 409
    content = response.content.decode()
    assert content.count("这条记录在您打开后已被修改") == 1  # said once, in the notice above the form
    assert STALE_MESSAGE not in content
    assert 'value="我的修改"' in content
    assert 'value="99"' in content
    assert "他人的修改" in content  # the latest version is shown for comparison
    record.refresh_from_db()
    assert record.title == "他人的修改"
    # The form now carries the current version: a deliberate second save goes through.
    assert response.context["form"]["version"].value() == str(record.version)
    data["version"] = record.version
    assert client_for(setup.liaison).post(reverse("ledger:record_edit", args=[record.pk]), data).status_code == 302
    record.refresh_from_db()
    assert record.title == "我的修改"


def test_an_invalid_edit_answers_400_and_keeps_the_input(setup: Any) -> None:
    record = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5}, status="draft", title="原来的标题")
    data = form_data(setup, title="改过的标题", fig_lecture_audience="很多", version=record.version)
    response = client_for(setup.liaison).post(reverse("ledger:record_edit", args=[record.pk]), data)
    content = response.content.decode()
    assert response.status_code == 400
    assert 'value="改过的标题"' in content and 'value="很多"' in content and "应填写数字" in content
    record.refresh_from_db()
    assert record.title == "原来的标题"


def test_edit_of_a_submitted_record_redirects_with_a_message(setup: Any) -> None:
    record = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5}, status="submitted")
    response = client_for(setup.liaison).get(reverse("ledger:record_edit", args=[record.pk]), follow=True)
    assert "不能直接修改" in response.content.decode()


# ---------------------------------------------------------------------------------------------------------------
# Workflow
# ---------------------------------------------------------------------------------------------------------------
def test_create_submit_return_edit_resubmit_approve(setup: Any) -> None:
    liaison, reviewer = client_for(setup.liaison), client_for(setup.reviewer)
    liaison.post(reverse("ledger:record_create"), {**form_data(setup, fig_lecture_audience="100"), "submit": "1"})
    record = Record.objects.get()
    assert record.status == Record.Status.SUBMITTED
    queue = reviewer.get(reverse("ledger:review_queue")).content.decode()
    assert record.title in queue

    reason = "受众人数与照片不符，请核实"
    response = reviewer.post(reverse("ledger:review_return", args=[record.pk]), {"reason": reason})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.status == Record.Status.RETURNED

    detail = liaison.get(reverse("ledger:record_detail", args=[record.pk])).content.decode()
    assert "退回原因" in detail
    assert "受众人数与照片不符，请核实" in detail
    edit_page = liaison.get(reverse("ledger:record_edit", args=[record.pk])).content.decode()
    assert "受众人数与照片不符，请核实" in edit_page

    data = {**form_data(setup, fig_lecture_audience="60", version=record.version), "submit": "1"}
    assert liaison.post(reverse("ledger:record_edit", args=[record.pk]), data).status_code == 302
    record.refresh_from_db()
    assert record.status == Record.Status.SUBMITTED
    assert int(record.figure_map()["lecture_audience"]) == 60

    reviewer.post(reverse("ledger:review_approve", args=[record.pk]), {"comment": "已核实"})
    record.refresh_from_db()
    assert record.status == Record.Status.APPROVED
    assert record.review_comment == "已核实"
    timeline = liaison.get(reverse("ledger:record_detail", args=[record.pk])).context["events"]
    assert [e["action"] for e in timeline] == ["create", "submit", "return", "update", "submit", "approve"]


def test_submit_withdraw_buttons(setup: Any) -> None:
    record = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5}, status="draft")
    c = client_for(setup.liaison)
    assert c.get(reverse("ledger:record_submit", args=[record.pk])).status_code == 405
    c.post(reverse("ledger:record_submit", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == Record.Status.SUBMITTED
    c.post(reverse("ledger:record_withdraw", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == Record.Status.DRAFT


def test_submit_with_missing_figures_shows_what_is_missing(setup: Any) -> None:
    record = make_record(setup.tree.street_a, TYPE, {}, status="draft")
    response = client_for(setup.liaison).post(reverse("ledger:record_submit", args=[record.pk]), follow=True)
    assert "报送前请补全必填数据" in response.content.decode()
    record.refresh_from_db()
    assert record.status == Record.Status.DRAFT


def test_revise_creates_a_draft_and_opens_it(setup: Any) -> None:
    record = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5})
    response = client_for(setup.liaison).post(reverse("ledger:record_revise", args=[record.pk]))
    clone = Record.objects.exclude(pk=record.pk).get()
    assert clone.revision_of == record
    assert clone.status == Record.Status.DRAFT
    assert response["Location"] == reverse("ledger:record_edit", args=[clone.pk])


def test_delete_a_draft(setup: Any) -> None:
    record = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5}, status="draft")
    response = client_for(setup.liaison).post(reverse("ledger:record_delete", args=[record.pk]))
    assert response.status_code == 302
    assert not Record.objects.filter(pk=record.pk).exists()


def test_delete_is_refused_for_approved_records(setup: Any) -> None:
    record = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5})
    response = client_for(setup.liaison).post(reverse("ledger:record_delete", args=[record.pk]), follow=True)
    assert "只有草稿或被退回的记录可以删除" in response.content.decode()
    assert Record.objects.filter(pk=record.pk).exists()


def test_workflow_out_of_scope_is_404(setup: Any) -> None:
    record = make_record(setup.tree.street_a, TYPE, {"lecture_audience": 5}, status="draft")
    for name in ("record_submit", "record_withdraw", "record_revise", "record_delete"):
        assert client_for(setup.liaison_b).post(reverse(f"ledger:{name}", args=[record.pk])).status_code == 404
    record.refresh_from_db()
    assert record.status == Record.Status.DRAFT


def test_menu_entries(setup: Any) -> None:
    content = client_for(setup.liaison).get(reverse("ledger:record_list")).content.decode()
    assert "台账记录" in content
    assert "新增记录" in content
    assert reverse("ledger:review_queue") not in content
    content = client_for(setup.reviewer).get(reverse("ledger:record_list")).content.decode()
    assert reverse("ledger:review_queue") in content


def test_drill_down_query_names_units_lines_and_types_by_code(taxonomy, tree, client):
    """The dashboard's fallback links (?period=…&unit=CODE&line=KEY&type=KEY&status=approved) filter exactly."""
    from taizhang.core.testing import make_record, make_user

    inside = make_record(tree.community_a1, "lecture_event", {"lecture_audience": 10})
    make_record(tree.community_b1, "lecture_event", {"lecture_audience": 10})
    make_record(tree.community_a1, "lecture_folk", {"lecture_audience": 10})
    make_record(tree.community_a1, "lecture_event", {"lecture_audience": 10}, status="draft")
    client.force_login(make_user("viewer", tree.district))
    response = client.get("/ledger/records/?period=2024&unit=SA&line=lectures&type=lecture_event&status=approved")
    assert response.status_code == 200
    assert [r.pk for r in response.context["page"].object_list] == [inside.pk]
