"""The reports pages: who sees what, the preview with clickable figures, the editor over htmx, exports, templates,
extraction and the phrase library."""

from __future__ import annotations

import io
from typing import Any

import docx
import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_user
from taizhang.reports import actions
from taizhang.reports.models import Summary, SummaryTemplate

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def staff(ledger: Any) -> Any:
    return make_user("staff", ledger.tree.district)


@pytest.fixture
def client_for(client: Client) -> Any:
    def login(user: Any) -> Client:
        client.force_login(user)
        return client

    return login


@pytest.fixture
def summary(ledger: Any, staff: Any) -> Summary:
    return actions.compose_summary(acting_user=staff, unit=ledger.tree.district, period="2024")


def test_compose_from_the_form(ledger: Any, staff: Any, client_for: Any) -> None:
    c = client_for(staff)
    assert c.get(reverse("reports:summary_create")).status_code == 200
    response = c.post(reverse("reports:summary_create"), {
        "unit": ledger.tree.district.pk, "period": "2024H1", "comparisons": "on",
    })
    assert response.status_code == 302
    made = Summary.objects.get()
    assert made.period_spec == "2024H1"
    assert made.title == "2024年上半年测试区委宣传部工作总结"
    assert made.options["ranks"] is False


def test_preview_links_every_figure_to_its_source(summary: Summary, staff: Any, client_for: Any) -> None:
    c = client_for(staff)
    page = c.get(reverse("reports:summary_detail", args=[summary.pk])).content.decode()
    assert summary.title in page
    url = reverse("reports:figure_source", args=[summary.pk, "f1"])
    assert f'href="{url}" hx-get="{url}"' in page
    assert 'style="' not in page.split('<article class="tz-doc">')[1]
    panel = c.get(reverse("reports:figure_source", args=[summary.pk, "f5"]), **HX).content.decode()
    assert "依据记录" in panel
    assert "与台账一致" in panel
    assert c.get(reverse("reports:figure_source", args=[summary.pk, "nope"])).status_code == 404


def test_drafts_are_hidden_from_viewers_finals_are_not(ledger: Any, summary: Summary, client_for: Any,
                                                      staff: Any) -> None:
    viewer = make_user("viewer", ledger.tree.district)
    c = client_for(viewer)
    assert c.get(reverse("reports:summary_detail", args=[summary.pk])).status_code == 404
    assert summary.title not in c.get(reverse("reports:summary_list")).content.decode()
    actions.finalize_summary(acting_user=staff, summary=summary, expected_version=summary.version)
    assert c.get(reverse("reports:summary_detail", args=[summary.pk])).status_code == 200
    assert c.get(reverse("reports:summary_edit", args=[summary.pk])).status_code == 403
    response = c.get(reverse("reports:summary_export", args=[summary.pk, "docx"]))
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="export", object_id=str(summary.pk), username=viewer.username).exists()
    outsider = make_user("staff", ledger.tree.street_b)
    assert client_for(outsider).get(reverse("reports:summary_detail", args=[summary.pk])).status_code == 404


def test_word_export_opens_and_carries_provenance(summary: Summary, staff: Any, client_for: Any) -> None:
    from taizhang.reports.docwriter import read_provenance

    response = client_for(staff).get(reverse("reports:summary_export", args=[summary.pk, "docx"]) + "?appendix=1")
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert docx.Document(io.BytesIO(data)).paragraphs[0].text == summary.title
    assert len(read_provenance(io.BytesIO(data))) == len(summary.document["figures"])
    assert "filename*=UTF-8''" in response["Content-Disposition"]


def test_editor_saves_one_paragraph_over_htmx(summary: Summary, staff: Any, client_for: Any) -> None:
    c = client_for(staff)
    page = c.get(reverse("reports:summary_edit", args=[summary.pk])).content.decode()
    assert "data-tz-editor" in page and "⟦f" in page
    url = reverse("reports:block_save", args=[summary.pk, 0])
    response = c.post(url, {"text": "全年共开展300场活动。", "current_version": summary.version}, **HX)
    body = response.content.decode()
    assert "没有数据来源" in body and "标为待核实后保存" in body
    assert "全年共开展300场活动。" in body  # the user's text is kept
    response = c.post(url, {"text": "开头一段。⟦+lecture_events⟧", "current_version": summary.version}, **HX)
    body = response.content.decode()
    assert "已保存" in body and 'hx-swap-oob="true"' in body
    summary.refresh_from_db()
    assert summary.version == 2
    stale = c.post(url, {"text": "又改了。", "current_version": 1}, **HX).content.decode()
    assert "已被他人修改" in stale


def test_problems_are_toggled_in_the_editor(summary: Summary, staff: Any, client_for: Any) -> None:
    spare = next(p["key"] for p in summary.problems if not p["accepted"])
    response = client_for(staff).post(reverse("reports:problem_set", args=[summary.pk]), {
        "key": spare, "accepted": "1", "current_version": summary.version}, **HX)
    assert response.status_code == 200
    assert 'id="tz-editor"' in response.content.decode()
    summary.refresh_from_db()
    assert f"problem:{spare}" in summary.document["meta"]["roles"]


def test_metric_preview_for_the_chip(summary: Summary, staff: Any, client_for: Any) -> None:
    data = client_for(staff).get(reverse("reports:metric_preview", args=[summary.pk]),
                                 {"metric": "lecture_events"}).json()
    assert data == {"ref": "+lecture_events", "text": "12场", "label": "宣讲场次", "records": 5}


def test_check_page_and_upload(summary: Summary, staff: Any, client_for: Any) -> None:
    from taizhang.reports.output import docx_bytes

    c = client_for(staff)
    assert "通过" in c.get(reverse("reports:summary_check", args=[summary.pk])).content.decode()
    upload = io.BytesIO(docx_bytes(actions.load_document(summary)))
    upload.name = "总结.docx"
    page = c.post(reverse("reports:check_upload"), {"file": upload}).content.decode()
    assert "均有来源且与台账重新计算结果一致" in page


def test_template_pages_map_and_fill(ledger: Any, staff: Any, client_for: Any) -> None:
    c = client_for(staff)
    text = "20xx年工作总结\n组织开展宣讲活动X场，受众*人次，编发舆情专报X期。"
    response = c.post(reverse("reports:template_list"), {"name": "范文", "text": text})
    template = SummaryTemplate.objects.get()
    assert response.status_code == 302
    page = c.get(reverse("reports:template_detail", args=[template.pk])).content.decode()
    assert 'class="tz-slot tz-slot--mapped"' in page and "建议：宣讲场次" in page
    c.post(reverse("reports:template_detail", args=[template.pk]), {
        "save_mappings": "1", "version": template.version, "slot_1": "__blank__", "slot_2": "__auto__"})
    template.refresh_from_db()
    assert template.mappings == {"1": ""}
    preview = c.get(reverse("reports:template_detail", args=[template.pk]), {
        "unit": ledger.tree.district.pk, "period": "2024", "preview": "1"}).content.decode()
    assert "组织开展宣讲活动【待核实：宣讲活动】场" in preview  # the user chose to leave it blank
    c.post(reverse("reports:template_detail", args=[template.pk]), {
        "save_mappings": "1", "version": template.version, "slot_1": "__auto__"})
    response = c.get(reverse("reports:template_fill", args=[template.pk]), {
        "unit": ledger.tree.district.pk, "period": "2024"})
    word = docx.Document(io.BytesIO(response.content))
    assert word.paragraphs[0].text == "2024年工作总结"
    assert any("组织开展宣讲活动12场，受众570人次" in p.text for p in word.paragraphs)


def test_extraction_preview_and_import(ledger: Any, client_for: Any) -> None:
    liaison = make_user("liaison", ledger.tree.street_a)
    c = client_for(liaison)
    text = "全年开展各类宣讲活动近300余场，受众2.5万人次。"
    page = c.post(reverse("reports:extract"), {"text": text, "unit": ledger.tree.street_a.pk, "period": "2023",
                                               "min_confidence": "0.6"}).content.decode()
    assert "近300余场" in page and "宣讲场次" in page
    response = c.post(reverse("reports:extract_import"), {
        "text": text, "unit": ledger.tree.street_a.pk, "period": "2023", "min_confidence": "0.6", "rows": ["0"]})
    assert response.status_code == 302
    assert "ids=" in response["Location"]


def test_phrase_library_page(staff: Any, client_for: Any) -> None:
    c = client_for(staff)
    assert "二级标题及工作线分组" in c.get(reverse("reports:phrase_list")).content.decode()
    url = reverse("reports:phrase_edit", args=["lines"])
    assert c.post(url, {"value": "{not json"}).status_code == 200
    assert c.post(url, {"value": '{"lectures": "宣讲工作有声有色"}'}).status_code == 302
    from taizhang.reports.composer.phrases import load_library

    assert load_library()["lines"] == {"lectures": "宣讲工作有声有色"}
    c.post(reverse("reports:phrase_reset", args=["lines"]))
    assert load_library()["lines"]["lectures"] == "理论宣讲深入人心"


def test_pages_need_their_capability(ledger: Any, client_for: Any) -> None:
    liaison = make_user("liaison", ledger.tree.street_a)
    c = client_for(liaison)
    assert c.get(reverse("reports:summary_list")).status_code == 200
    assert c.get(reverse("reports:summary_create")).status_code == 403
    assert c.get(reverse("reports:template_list")).status_code == 403
    assert c.get(reverse("reports:phrase_list")).status_code == 403


def test_a_refused_compose_comes_back_with_what_was_chosen(ledger: Any, staff: Any, client_for: Any,
                                                           monkeypatch: Any) -> None:
    from taizhang.core.errors import InvalidInput

    def refuse(**_kwargs: Any) -> Summary:
        raise InvalidInput("无法生成总结", {"period": ["该时间段尚无已审核的台账记录，请换一个时间段"]})

    monkeypatch.setattr(actions, "compose_summary", refuse)
    response = client_for(staff).post(reverse("reports:summary_create"), {
        "unit": ledger.tree.district.pk, "period": "2024H1", "title": "上半年宣传思想工作小结"})
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="上半年宣传思想工作小结"' in page
    assert "该时间段尚无已审核的台账记录，请换一个时间段" in page
    assert not Summary.objects.exists()


def test_an_invalid_compose_form_answers_400(ledger: Any, staff: Any, client_for: Any) -> None:
    response = client_for(staff).post(reverse("reports:summary_create"), {
        "unit": ledger.tree.district.pk, "period": "2024H1", "title": "长" * 201})
    assert response.status_code == 400
    assert "长" * 201 in response.content.decode()
    assert not Summary.objects.exists()


def test_a_refused_check_upload_answers_400(staff: Any, client_for: Any) -> None:
    upload = io.BytesIO(b"not a word file")
    upload.name = "note.txt"
    response = client_for(staff).post(reverse("reports:check_upload"), {"file": upload})
    page = response.content.decode()
    assert response.status_code == 400
    assert "tz-field__error" in page and ".docx" in page
