"""保存全部 in the summary editor (issue 17): every changed paragraph in one request, all or nothing, with optimistic
locking per paragraph (edits of other paragraphs merge, the same paragraph changed by someone else is refused with
the user's text kept), audited once."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_user
from taizhang.reports import actions, editing
from taizhang.reports.actions import BlockEdit, EditConflict
from taizhang.reports.document import Paragraph
from taizhang.reports.models import Summary

pytestmark = pytest.mark.django_db
HX: dict[str, Any] = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def staff(ledger: Any) -> Any:
    return make_user("staff", ledger.tree.district)


@pytest.fixture
def summary(ledger: Any, staff: Any) -> Summary:
    return actions.compose_summary(acting_user=staff, unit=ledger.tree.district, period="2024")


def paragraphs(summary: Summary) -> list[int]:
    return [i for i, b in enumerate(actions.load_document(summary).blocks) if isinstance(b, Paragraph)]


def tokens(summary: Summary, index: int) -> str:
    block = actions.load_document(summary).blocks[index]
    assert isinstance(block, Paragraph)
    return editing.runs_to_tokens(block.runs)


def text(summary: Summary, index: int) -> str:
    block = actions.load_document(summary).blocks[index]
    assert isinstance(block, Paragraph)
    return block.text


def test_all_changed_paragraphs_and_the_title_are_saved_at_once(summary: Summary, staff: Any) -> None:
    first, second, third = paragraphs(summary)[1:4]
    edits = [BlockEdit(first, "第一段改写。", tokens(summary, first)),
             BlockEdit(third, tokens(summary, third) + "又补了一句。", tokens(summary, third))]
    untouched = text(summary, second)
    saved = actions.save_document_edits(acting_user=staff, summary=summary, expected_version=1, edits=edits,
                                        title="2024年测试区宣传工作总结（修改）", title_base=summary.title)
    summary.refresh_from_db()
    assert saved.version == summary.version == 2  # one save, one version
    assert text(summary, first) == "第一段改写。"
    assert text(summary, third).endswith("又补了一句。")
    assert text(summary, second) == untouched
    assert summary.title == "2024年测试区宣传工作总结（修改）"
    entry = AuditEntry.objects.filter(object_type="reports.summary", action="update").latest("id")
    assert "保存全部（2段及标题）" in entry.message


def test_one_refused_paragraph_refuses_everything(summary: Summary, staff: Any) -> None:
    first, second = paragraphs(summary)[1:3]
    before = (text(summary, first), text(summary, second))
    with pytest.raises(InvalidInput) as info:
        actions.save_document_edits(acting_user=staff, summary=summary, expected_version=1, edits=[
            BlockEdit(first, "这段没问题。", tokens(summary, first)),
            BlockEdit(second, "这段有一个手写数字300场。", tokens(summary, second))])
    assert "全部修改都未写入" in info.value.message
    assert list(info.value.errors) == [f"block-{second}"]
    assert "“300场”" in info.value.errors[f"block-{second}"][0]
    summary.refresh_from_db()
    assert summary.version == 1
    assert (text(summary, first), text(summary, second)) == before
    actions.save_document_edits(acting_user=staff, summary=summary, expected_version=1, mark_unsourced=True, edits=[
        BlockEdit(second, "这段有一个手写数字300场。", tokens(summary, second))])
    summary.refresh_from_db()
    assert text(summary, second) == "这段有一个手写数字【待核实：原文“300场”】。"


def test_other_paragraphs_saved_meanwhile_merge_the_same_paragraph_conflicts(summary: Summary, staff: Any) -> None:
    first, second, third = paragraphs(summary)[1:4]
    loaded = {i: tokens(summary, i) for i in (first, second, third)}
    # someone else saves the second paragraph after the user opened the editor
    actions.update_block(acting_user=staff, summary=Summary.objects.get(pk=summary.pk), expected_version=1,
                         index=second, text="同事改的第二段。")
    # the user's edit of the first paragraph still goes through on top of it
    actions.save_document_edits(acting_user=staff, summary=summary, expected_version=1,
                                edits=[BlockEdit(first, "我改的第一段。", loaded[first])])
    summary.refresh_from_db()
    assert (text(summary, first), text(summary, second)) == ("我改的第一段。", "同事改的第二段。")
    assert summary.version == 3
    # but the user's edit of the second paragraph is refused: nothing written
    with pytest.raises(EditConflict) as info:
        actions.save_document_edits(acting_user=staff, summary=summary, expected_version=1, edits=[
            BlockEdit(second, "我改的第二段。", loaded[second]), BlockEdit(third, "我改的第三段。", loaded[third])])
    assert info.value.indices == [second]
    assert "第3段已被他人修改" in info.value.message and "没有丢失" in info.value.message
    summary.refresh_from_db()
    assert summary.version == 3
    assert text(summary, second) == "同事改的第二段。"
    assert text(summary, third) != "我改的第三段。"


def test_only_editors_of_the_unit_save(summary: Summary, ledger: Any) -> None:
    liaison = make_user("liaison", ledger.tree.district)
    index = paragraphs(summary)[1]
    with pytest.raises(NotPermitted):
        actions.save_document_edits(acting_user=liaison, summary=summary, expected_version=1,
                                    edits=[BlockEdit(index, "改写。", tokens(summary, index))])


def test_the_editor_page_saves_all_over_htmx_and_keeps_refused_text(summary: Summary, staff: Any,
                                                                     client: Client) -> None:
    client.force_login(staff)
    page = client.get(reverse("reports:summary_edit", args=[summary.pk])).content.decode()
    assert "保存全部" in page and "data-tz-save-all" in page and "summary_editor.js" in page
    first, second = paragraphs(summary)[1:3]
    url = reverse("reports:save_all", args=[summary.pk])
    refused = client.post(url, {"current_version": 1, f"text-{first}": "改好的一段。",
                                f"base-{first}": tokens(summary, first), f"text-{second}": "手写的300场。",
                                f"base-{second}": tokens(summary, second)}, **HX).content.decode()
    assert "全部修改都未写入" in refused
    assert "改好的一段。" in refused and "手写的300场。" in refused  # both texts kept
    assert refused.count("data-tz-dirty") >= 2  # still marked unsaved in the browser
    assert "把没有来源的数字标为【待核实】后保存" in refused
    ok = client.post(url, {"current_version": 1, f"text-{first}": "改好的一段。",
                           f"base-{first}": tokens(summary, first)}, **HX).content.decode()
    assert "已保存全部修改（1段）" in ok
    summary.refresh_from_db()
    assert text(summary, first) == "改好的一段。" and summary.version == 2
    conflict = client.post(url, {"current_version": 1, f"text-{first}": "另一个人的旧版本。",
                                 f"base-{first}": "旧的文字"}, **HX).content.decode()
    assert "已被他人修改" in conflict and "他人已修改本段，修改后的内容是：改好的一段。" in conflict
    assert "另一个人的旧版本。" in conflict


def test_full_text_page_saves_all_without_scripts(summary: Summary, staff: Any, client: Client) -> None:
    """全文编辑: every paragraph in one plain form; unchanged paragraphs are posted too and left alone, a refusal
    re-renders the page with every text kept (no redirect that would lose them)."""
    client.force_login(staff)
    editor = client.get(reverse("reports:summary_edit", args=[summary.pk])).content.decode()
    url = reverse("reports:summary_text_edit", args=[summary.pk])
    assert url in editor
    page = client.get(url).content.decode()
    indices = paragraphs(summary)
    assert "<script" not in page.split("<main", 1)[-1].split("</main>", 1)[0]  # the form needs no script
    assert all(f'name="text-{i}"' in page and f'name="base-{i}"' in page for i in indices)
    first, second = indices[1:3]
    # what a browser without scripts posts: every field, changed or not
    form = {"current_version": 1, "title": summary.title, "title_base": summary.title}
    for i in indices:
        form[f"text-{i}"] = form[f"base-{i}"] = tokens(summary, i)
    form[f"text-{first}"] = "全文编辑改好的一段。"
    form[f"text-{second}"] = "手写的300场。"
    save = reverse("reports:save_all", args=[summary.pk])
    refused = client.post(save, form)
    assert refused.status_code == 200  # the page again, not a redirect
    body = refused.content.decode()
    assert "全部修改都未写入" in body and "全文编辑改好的一段。" in body and "手写的300场。" in body
    assert "“300场”" in body and "把没有来源的数字标为【待核实】后保存" in body
    summary.refresh_from_db()
    assert summary.version == 1
    form[f"text-{second}"] = tokens(summary, second)  # the user takes the number out again
    done = client.post(save, form)
    assert done.status_code == 302 and done["Location"] == reverse("reports:summary_edit", args=[summary.pk])
    summary.refresh_from_db()
    assert summary.version == 2 and text(summary, first) == "全文编辑改好的一段。"
    entry = AuditEntry.objects.filter(object_type="reports.summary", action="update").latest("id")
    assert "保存全部（1段）" in entry.message  # the unchanged paragraphs were not counted as edits
    assert "已保存全部修改（1段）" in client.get(done["Location"]).content.decode()
    # a stale full-text page: the paragraph changed since is refused, the user's text stays on the page
    form[f"text-{first}"] = "旧页面上的另一个版本。"
    stale = client.post(save, form).content.decode()
    assert "已被他人修改" in stale and "旧页面上的另一个版本。" in stale and "全文编辑改好的一段。" in stale
