"""The shared document writer: GB/T 9704 layout, provenance, read-back, HTML and PDF.

Pure Python: run with ``pytest taizhang/reports/tests/test_docwriter.py -p no:django``.
"""

from __future__ import annotations

import datetime
import io
import json
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Length, Pt, Twips

from taizhang.reports import docwriter
from taizhang.reports.document import Document, Figure, Paragraph, Table, display_width, format_date_cn

W_EAST_ASIA = qn("w:eastAsia")
HAS_LIBREOFFICE = bool(shutil.which("libreoffice") or shutil.which("soffice"))
needs_libreoffice = pytest.mark.skipif(not HAS_LIBREOFFICE, reason="LibreOffice is not installed (optional)")


def make_figure(fid: str, text: str, value: str, label: str, records: int) -> Figure:
    return Figure(
        id=fid,
        text=text,
        value=Decimal(value),
        source={
            "metric": "lecture.count",
            "unit": "D01",
            "period": {"start": "2024-01-01", "end": "2024-12-31"},
            "by": None,
            "value": value,
            "records": [f"r{i}" for i in range(records)],
            "label": label,
        },
    )


LECTURES = make_figure("f12", "512场", "512", "宣讲场次", 12)
AUDIENCE = make_figure("f13", "3.2万人次", "32000", "受众人数", 40)
RATE = make_figure("f14", "98.5%", "98.5", "完成率", 5)
BODY = "坚持把学习宣传贯彻党的二十大精神作为首要政治任务，推动理论武装往深里走、往实里走、往心里走。"


def make_document() -> Document:
    return Document(
        title="中共XX区委宣传部\n2024年工作总结",
        subtitle="（2024年1月—12月）",
        issuer="中共XX区委宣传部",
        date=datetime.date(2024, 12, 31),
        meta={"kind": "summary"},
        blocks=[
            Paragraph("heading1", ["一、工作开展情况"]),
            Paragraph("heading2", ["（一）理论武装持续深化"]),
            Paragraph("body", [BODY, "全年开展宣讲", LECTURES, "，覆盖群众", AUDIENCE, "。"]),
            Paragraph("heading3", ["1.对外宣传成效明显。"]),
            Paragraph("heading4", ["（1）学习强国推广使用。"]),
            Paragraph("body", ["学员完成率达到", RATE, "，其中宣讲", LECTURES, "。"]),
            Table(
                caption="表1 宣讲完成情况",
                header=["单位", "宣讲场次", "受众人数", "完成率"],
                rows=[["东城街道", LECTURES, AUDIENCE, RATE], ["西城街道", "120场", "0.8万人次", "95.0%"]],
            ),
            Paragraph("note", ["（此件公开发布）"]),
        ],
    )


@pytest.fixture
def written(tmp_path: Path) -> Path:
    path = tmp_path / "summary.docx"
    docwriter.write_docx(make_document(), path, appendix=True)
    return path


def open_docx(path: Path) -> Any:
    """python-docx's objects, typed loosely: the tests poke at optional parts freely."""
    return docx.Document(str(path))


def paragraph_by_text(word: Any, text: str) -> Any:
    return next(p for p in word.paragraphs if text in p.text)


def run_fonts(paragraph: Any) -> set[tuple[str | None, str | None, float | None, bool | None]]:
    return {
        (r.font.name, r.font.element.rPr.rFonts.get(W_EAST_ASIA), r.font.size.pt, r.font.bold) for r in paragraph.runs
    }


# ---- page geometry -----------------------------------------------------------------------------------------------


def test_page_is_a4_with_gbt9704_margins(written: Path) -> None:
    section = open_docx(written).sections[0]
    assert section.page_width.mm == pytest.approx(210, abs=0.5)
    assert section.page_height.mm == pytest.approx(297, abs=0.5)
    assert section.top_margin.mm == pytest.approx(37, abs=0.5)
    assert section.left_margin.mm == pytest.approx(28, abs=0.5)
    assert section.bottom_margin.mm == pytest.approx(35, abs=0.5)
    assert section.right_margin.mm == pytest.approx(26, abs=0.5)
    text_width = Length(section.page_width - section.left_margin - section.right_margin)
    assert text_width.mm == pytest.approx(156, abs=0.5)


def test_grid_gives_22_lines_of_28_characters(written: Path) -> None:
    grid = open_docx(written).sections[0]._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "linesAndChars"
    line_pitch = int(grid.get(qn("w:linePitch")))
    assert line_pitch / 20 == pytest.approx(28.9, abs=0.1)
    assert 22 * line_pitch <= docwriter.TEXT_HEIGHT < 23 * line_pitch
    char_pitch_pt = 16 + int(grid.get(qn("w:charSpace"))) / 4096
    width_pt = docwriter.TEXT_WIDTH / 20
    assert 28 * char_pitch_pt <= width_pt < 29 * char_pitch_pt
    # Without snapping, runs are condensed so 28 characters of 3号 still fit the line.
    assert width_pt >= 28 * (16 + docwriter.CONDENSE / 20)


# ---- fonts and paragraph formats ---------------------------------------------------------------------------------


def test_body_is_fangsong_3hao_exact_28_9pt_justified_indented(written: Path) -> None:
    word = open_docx(written)
    para = paragraph_by_text(word, "全年开展宣讲")
    style = para.style
    assert style.name == "公文正文"
    assert style.font.name == "仿宋_GB2312"
    assert style.element.rPr.rFonts.get(W_EAST_ASIA) == "仿宋_GB2312"
    assert style.font.size == Pt(16)
    fmt = style.paragraph_format
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert fmt.line_spacing.pt == pytest.approx(28.9, abs=0.1)
    assert fmt.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert fmt.first_line_indent == Twips(640)
    assert style.element.pPr.find(qn("w:ind")).get(qn("w:firstLineChars")) == "200"
    assert run_fonts(para) == {("仿宋_GB2312", "仿宋_GB2312", 16.0, None)}


def test_title_is_xiaobiaosong_2hao_centred_over_two_lines(written: Path) -> None:
    word = open_docx(written)
    title = word.paragraphs[0]
    assert title.text == "中共XX区委宣传部\n2024年工作总结"
    assert title.style.name == "公文标题"
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert run_fonts(title) == {("方正小标宋简体", "方正小标宋简体", 22.0, None)}
    assert word.paragraphs[1].text == "（2024年1月—12月）"
    assert word.paragraphs[2].text == ""  # one blank line before the body


@pytest.mark.parametrize(
    ("text", "style_name", "font", "bold"),
    [
        ("一、工作开展情况", "一级标题", "黑体", None),
        ("（一）理论武装持续深化", "二级标题", "楷体_GB2312", None),
        ("1.对外宣传成效明显。", "三级标题", "仿宋_GB2312", None),
        ("（1）学习强国推广使用。", "四级标题", "仿宋_GB2312", None),
    ],
)
def test_heading_fonts_per_level(written: Path, text: str, style_name: str, font: str, bold: bool | None) -> None:
    para = paragraph_by_text(open_docx(written), text)
    assert para.style.name == style_name
    assert para.style.font.name == font
    assert para.style.element.rPr.rFonts.get(W_EAST_ASIA) == font
    assert run_fonts(para) == {(font, font, 16.0, bold)}
    assert para.style.paragraph_format.first_line_indent == Twips(640)


def test_third_level_heading_can_be_bold(tmp_path: Path) -> None:
    path = tmp_path / "bold.docx"
    doc = make_document()
    doc.blocks.append(Paragraph("heading3", ["2.另一个标题。"], bold=False))
    docwriter.write_docx(doc, path, bold_heading3=True)
    word = open_docx(path)
    assert paragraph_by_text(word, "1.对外宣传").runs[0].font.bold is True
    assert paragraph_by_text(word, "2.另一个标题").runs[0].font.bold is None


def test_signature_and_arabic_date_right_aligned_at_the_end(written: Path) -> None:
    word = open_docx(written)
    texts = [p.text for p in word.paragraphs]
    i = texts.index("中共XX区委宣传部")
    assert texts[i + 1] == "2024年12月31日"
    assert texts[i - 1] == ""  # 空一行 below the body
    assert texts[i - 2] == "附件：数据来源"
    issuer, date = word.paragraphs[i], word.paragraphs[i + 1]
    assert issuer.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert date.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    # The date's first character sits two characters right of the issuer's first character.
    right = {p.text: int(p._p.pPr.find(qn("w:ind")).get(qn("w:rightChars"))) / 100 for p in (issuer, date)}
    issuer_start = right[issuer.text] + display_width(issuer.text)
    date_start = right[date.text] + display_width(date.text)
    assert issuer_start - date_start == pytest.approx(2)
    assert min(right.values()) == pytest.approx(2)


def test_date_has_no_leading_zeros() -> None:
    assert format_date_cn(datetime.date(2025, 1, 5)) == "2025年1月5日"


def test_table_has_heiti_header_fangsong_body_and_full_borders(written: Path) -> None:
    word = open_docx(written)
    table = word.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["单位", "宣讲场次", "受众人数", "完成率"]
    assert table.rows[1].cells[1].text == "512场"
    header_fonts = {f for c in table.rows[0].cells for f in run_fonts(c.paragraphs[0])}
    body_fonts = {f for c in table.rows[1].cells for f in run_fonts(c.paragraphs[0])}
    assert {f[:2] for f in header_fonts} == {("黑体", "黑体")}
    assert {f[:2] for f in body_fonts} == {("仿宋_GB2312", "仿宋_GB2312")}
    assert {f[2] for f in header_fonts | body_fonts} <= {14.0, 16.0}
    borders = table._tbl.tblPr.find(qn("w:tblBorders"))
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        assert borders.find(qn(f"w:{side}")).get(qn("w:val")) == "single"
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert paragraph_by_text(word, "表1 宣讲完成情况").style.name == "表格标题"


def test_page_numbers_4hao_songti_between_dashes_odd_right_even_left(written: Path) -> None:
    word = open_docx(written)
    settings = word.settings.element
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    section = word.sections[0]
    for footer, alignment in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        assert not footer.is_linked_to_previous
        para = footer.paragraphs[0]
        xml = para._p.xml
        assert 'w:fldCharType="begin"' in xml
        assert "PAGE" in "".join(t.text for t in para._p.iter(qn("w:instrText")))
        assert para.text.startswith("—")
        assert para.text.endswith("—")
        assert para.paragraph_format.alignment == alignment
        assert {f[:3] for f in run_fonts(para)} == {("宋体", "宋体", 14.0)}


def test_appendix_lists_every_figure_on_a_new_page(written: Path) -> None:
    word = open_docx(written)
    labels = [p for p in word.paragraphs if p.text == "附件"]
    assert len(labels) == 1
    assert labels[0]._p.pPr.find(qn("w:pageBreakBefore")) is not None
    assert labels[0].runs[0].font.name == "黑体"
    sources = word.tables[-1]
    assert [c.text for c in sources.rows[0].cells] == ["序号", "文中数据", "指标", "范围", "期间", "记录数"]
    rows = [[c.text for c in r.cells] for r in sources.rows[1:]]
    assert rows[0] == ["1", "512场", "宣讲场次", "D01", "2024年1月1日至12月31日", "12"]
    assert [r[1] for r in rows] == ["512场", "3.2万人次", "98.5%"]


# ---- provenance and read-back ------------------------------------------------------------------------------------


def test_provenance_part_is_embedded_and_round_trips(written: Path) -> None:
    with zipfile.ZipFile(written) as zf:
        names = zf.namelist()
        assert "customXml/item1.xml" in names
        assert "customXml/itemProps1.xml" in names
        assert b"urn:taizhang:provenance:1" in zf.read("customXml/item1.xml")
        assert b"customXmlProperties+xml" in zf.read("[Content_Types].xml")
        assert b"customXml/item1.xml" in zf.read("word/_rels/document.xml.rels")
    expected = {f.id: f.to_dict() for f in make_document().figures()}
    assert docwriter.read_provenance(written) == expected
    rebuilt = {k: Figure.from_dict(v) for k, v in docwriter.read_provenance(written).items()}
    assert rebuilt == make_document().figure_map()


def test_provenance_can_be_left_out(tmp_path: Path) -> None:
    path = tmp_path / "plain.docx"
    docwriter.write_docx(make_document(), path, provenance=False)
    assert docwriter.read_provenance(path) == {}
    with zipfile.ZipFile(path) as zf:
        assert not [n for n in zf.namelist() if n.startswith("customXml/")]


def test_provenance_sidecar_json(tmp_path: Path) -> None:
    path = tmp_path / "summary.provenance.json"
    docwriter.write_provenance_json(make_document(), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["namespace"] == "urn:taizhang:provenance:1"
    assert data["document"]["date"] == "2024-12-31"
    assert docwriter.read_provenance_json(path) == {f.id: f.to_dict() for f in make_document().figures()}


def test_find_figure_runs_finds_every_figure(written: Path) -> None:
    segments = docwriter.find_figure_runs(written, include_appendix=False)
    found = [(fid, text) for fid, text in segments if fid]
    assert found == [
        ("f12", "512场"),
        ("f13", "3.2万人次"),
        ("f14", "98.5%"),
        ("f12", "512场"),  # body, with a repeat
        ("f12", "512场"),
        ("f13", "3.2万人次"),
        ("f14", "98.5%"),  # table
    ]
    assert (None, "，覆盖群众") in segments
    with_appendix = [fid for fid, _ in docwriter.find_figure_runs(written) if fid]
    assert with_appendix[-3:] == ["f12", "f13", "f14"]


def test_read_text_returns_paragraphs_and_cells(written: Path) -> None:
    texts = docwriter.read_text(written, include_appendix=False)
    assert texts[0] == "中共XX区委宣传部\n2024年工作总结"
    assert f"{BODY}全年开展宣讲512场，覆盖群众3.2万人次。" in texts
    assert texts[texts.index("东城街道") + 1 : texts.index("东城街道") + 4] == ["512场", "3.2万人次", "98.5%"]
    assert texts[-2:] == ["中共XX区委宣传部", "2024年12月31日"]
    assert "数据来源" in docwriter.read_text(written)


def test_writes_to_a_stream() -> None:
    stream = io.BytesIO()
    docwriter.write_docx(make_document(), stream)
    stream.seek(0)
    assert docwriter.read_provenance(stream).keys() == {"f12", "f13", "f14"}


@pytest.mark.skipif(not HAS_LIBREOFFICE, reason="LibreOffice is not installed (optional)")
def test_bookmarks_and_provenance_survive_a_libreoffice_save(written: Path, tmp_path: Path) -> None:
    exe = shutil.which("libreoffice") or shutil.which("soffice") or ""
    out = tmp_path / "saved"
    subprocess.run(
        [
            exe,
            f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
            str(out),
            str(written),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    saved = out / written.name
    assert docwriter.read_provenance(saved) == docwriter.read_provenance(written)
    assert docwriter.find_figure_runs(saved) == docwriter.find_figure_runs(written)


# ---- the model ---------------------------------------------------------------------------------------------------


def test_document_round_trips_through_json() -> None:
    doc = make_document()
    data = json.loads(json.dumps(doc.to_dict(), ensure_ascii=False))
    assert data["figures"]["f14"]["value"] == "98.5"
    assert Document.from_dict(data) == doc
    assert Document.from_dict(data).plain_text() == doc.plain_text()


def test_plain_text_has_figures_inline() -> None:
    text = make_document().plain_text()
    assert "全年开展宣讲512场，覆盖群众3.2万人次。" in text
    assert "东城街道\t512场\t3.2万人次\t98.5%" in text
    assert text.endswith("中共XX区委宣传部\n2024年12月31日")


def test_figures_are_listed_once_and_conflicts_are_refused() -> None:
    doc = make_document()
    assert [f.id for f in doc.figures()] == ["f12", "f13", "f14"]
    doc.blocks.append(Paragraph("body", [Figure(id="f12", text="513场", value=Decimal(513))]))
    with pytest.raises(ValueError, match="f12"):
        list(doc.figures())


@pytest.mark.parametrize("bad", ["", "f-1", "f 1", "f__1", "_f1", "数据1", "f" * 33])
def test_figure_ids_must_fit_bookmark_names(bad: str) -> None:
    with pytest.raises(ValueError, match="数据编号"):
        Figure(id=bad, text="1", value=Decimal(1))


def test_tables_and_styles_are_validated() -> None:
    with pytest.raises(ValueError, match="列"):
        Table(header=["a", "b"], rows=[["1"]])
    with pytest.raises(ValueError, match="段落样式"):
        Paragraph("heading5", ["x"])  # type: ignore[arg-type]


# ---- HTML --------------------------------------------------------------------------------------------------------


def test_html_marks_figures_and_escapes_everything() -> None:
    doc = make_document()
    doc.blocks.append(Paragraph("body", ['<script>alert("x")</script>&', LECTURES]))
    doc.title = "<b>标题</b>"
    out = docwriter.write_html(doc, appendix=True)
    assert '<a class="tz-figure" data-figure="f12" href="#" title="来源：宣讲场次；' in out
    assert out.count('data-figure="f13"') == 3  # body, table, appendix
    assert "<script" not in out
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in out
    assert "&lt;b&gt;标题&lt;/b&gt;" in out
    assert "style=" not in out
    assert "onclick" not in out
    assert '<h2 class="tz-heading1">一、工作开展情况</h2>' in out
    assert '<p class="tz-date">2024年12月31日</p>' in out
    assert "依据记录12条" in out
    assert not out.startswith("<html")


# ---- PDF ---------------------------------------------------------------------------------------------------------


def test_render_pdf_explains_when_libreoffice_is_missing(
    written: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shutil.which", lambda name: None)
    with pytest.raises(RuntimeError, match="未安装 LibreOffice，无法生成 PDF"):
        docwriter.render_pdf(written, tmp_path)


def test_font_substitution_prefers_installed_free_fonts() -> None:
    installed = {"Noto Serif CJK SC", "WenQuanYi Zen Hei", "AR PL UKai CN", "黑体"}
    subs = docwriter.choose_font_substitutions(installed)
    assert subs == {
        "仿宋_GB2312": "Noto Serif CJK SC",
        "方正小标宋简体": "Noto Serif CJK SC",
        "楷体_GB2312": "AR PL UKai CN",
        "宋体": "Noto Serif CJK SC",
    }
    assert docwriter.choose_font_substitutions(None) == {}


@needs_libreoffice
def test_render_pdf(written: Path, tmp_path: Path) -> None:
    pdf, subs = docwriter.render_pdf(written, tmp_path / "pdf")
    assert pdf == tmp_path / "pdf" / "summary.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    assert set(subs) <= set(docwriter.OFFICIAL_FONTS)
    assert set(subs.values()) <= {c for cs in docwriter.FONT_FALLBACKS.values() for c in cs}


def test_signature_keeps_the_closing_paragraph_on_its_page(written: Path) -> None:
    """The closing paragraph, the blank line and the issuer are "keep with next": Word and LibreOffice then move the
    closing lines with the signature instead of leaving the signature alone on the last page."""
    word = open_docx(written)
    texts = [p.text for p in word.paragraphs]
    i = texts.index("中共XX区委宣传部")
    for paragraph in word.paragraphs[i - 2:i + 1]:
        ppr = paragraph._p.pPr
        assert ppr is not None and ppr.find(qn("w:keepNext")) is not None, paragraph.text
        children = [c.tag for c in ppr]
        assert children.index(qn("w:keepNext")) <= 1  # right after pStyle, as the schema orders pPr
    assert word.paragraphs[i + 1]._p.pPr.find(qn("w:keepNext")) is None  # the date ends the chain


def test_a_one_day_period_is_written_as_one_date() -> None:
    from decimal import Decimal

    from taizhang.reports.document import Figure, describe_source

    def period(start: str, end: str) -> str:
        figure = Figure("f1", "5条", Decimal(5), {"period": {"start": start, "end": end}, "value": "5"})
        return describe_source(figure)["period"]

    assert period("2026-12-07", "2026-12-07") == "2026年12月7日"
    assert period("2026-12-01", "2026-12-07") == "2026年12月1日至12月7日"
