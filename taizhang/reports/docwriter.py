"""Writes a :class:`~taizhang.reports.document.Document` as an official document (GB/T 9704-2012).

- :func:`write_docx`: .docx with the GB/T 9704 page, fonts, grid and page numbers; every figure run is wrapped in a
  bookmark ``tz_<figure id>`` and all figures are embedded in a custom XML part (``urn:taizhang:provenance:1``).
- :func:`write_provenance_json` / :func:`read_provenance_json`: the same provenance as a sidecar JSON file.
- :func:`read_provenance`, :func:`read_text`, :func:`find_figure_runs`: read a .docx back (for the checker).
- :func:`write_html`: an escaped HTML fragment for the browser preview.
- :func:`render_pdf`: PDF through LibreOffice, with free fonts substituted for the official ones.

Pure Python (python-docx, lxml); no Django. See docs/document-format.md.
"""

from __future__ import annotations

import copy
import functools
import html
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any, TypeAlias

import docx
from docx.document import Document as WordDocument
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Twips
from lxml import etree

from .document import (
    Cell,
    Document,
    Figure,
    Run,
    Table,
    display_width,
    format_date_cn,
    source_tooltip,
)

PathOrStream: TypeAlias = str | os.PathLike[str] | IO[bytes]
Segment: TypeAlias = tuple[str | None, str]


# ---- GB/T 9704-2012 geometry, in twips (1/20 pt; 1 mm = 56.7 twips) ----------------------------------------------
def _mm(value: float) -> int:
    return round(value * 1440 / 25.4)


PAGE_WIDTH, PAGE_HEIGHT = _mm(210), _mm(297)  # A4
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = _mm(37), _mm(35), _mm(28), _mm(26)
TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT  # 156 mm
TEXT_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM  # 225 mm
LINES_PER_PAGE, CHARS_PER_LINE = 22, 28
BODY_PT = 16  # 3号
LINE_PITCH = TEXT_HEIGHT // LINES_PER_PAGE  # 579 twips = 28.95 pt: 22 lines fill the 225 mm block
CHAR_PITCH = TEXT_WIDTH / CHARS_PER_LINE  # ~315.9 twips = 15.79 pt
# w:charSpace: grid pitch minus the Normal style's font size, in 1/4096 pt, rounded down so 28 characters fit.
CHAR_SPACE = math.floor((CHAR_PITCH / 20 - BODY_PT) * 4096)
# Paragraphs do not snap to the character grid (LibreOffice then gives every 16 pt character two 15.8 pt cells);
# instead every run is condensed by 0.25 pt, so 28 characters of 3号 (28 x 15.75 pt) fit 156 mm in Word and LibreOffice.
CONDENSE = -5
INDENT_2CH = 2 * BODY_PT * 20  # first-line indent: two 3号 characters = 640 twips
FOOTER_DISTANCE = _mm(25)  # puts the 一字线 of the page number about 7 mm below the text block
PAGE_NUMBER_PT = 14  # 4号

FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"
OFFICIAL_FONTS = (FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI)
PROVENANCE_NS = "urn:taizhang:provenance:1"
_DS_NS = "http://schemas.openxmlformats.org/officeDocument/2006/customXml"
BOOKMARK_PREFIX = "tz_"
_BOOKMARK_RE = re.compile(r"^tz_(?P<id>[A-Za-z0-9_]+?)(?:__\d+)?$")
_APPENDIX_LABEL_RE = re.compile(r"^附件\s*\d*$")

# key -> (style id, name shown in Word, font, size pt, alignment, first-line indent of 2 characters, outline level)
_STYLES: dict[str, tuple[str, str, str, int, str, bool, int | None]] = {
    "title": ("TzTitle", "公文标题", XIAOBIAOSONG, 22, "center", False, None),
    "subtitle": ("TzSubtitle", "公文副标题", KAITI, 16, "center", False, None),
    "heading1": ("TzHeading1", "一级标题", HEITI, 16, "both", True, 0),
    "heading2": ("TzHeading2", "二级标题", KAITI, 16, "both", True, 1),
    "heading3": ("TzHeading3", "三级标题", FANGSONG, 16, "both", True, 2),
    "heading4": ("TzHeading4", "四级标题", FANGSONG, 16, "both", True, 3),
    "body": ("TzBody", "公文正文", FANGSONG, 16, "both", True, None),
    "signature": ("TzSignature", "发文机关署名", FANGSONG, 16, "right", False, None),
    "date": ("TzDate", "成文日期", FANGSONG, 16, "right", False, None),
    "note": ("TzNote", "附注", FANGSONG, 16, "both", True, None),
    "attachment": ("TzAttachment", "附件标识", HEITI, 16, "left", False, None),
    "caption": ("TzCaption", "表格标题", HEITI, 16, "center", False, None),
    "table_head": ("TzTableHead", "表头", HEITI, 14, "center", False, None),
    "table_text": ("TzTableText", "表格文字", FANGSONG, 14, "center", False, None),
    "page_number": ("TzPageNumber", "页码", SONGTI, 14, "right", False, None),
}
_KEEP_NEXT = {"title", "subtitle", "heading1", "heading2", "heading3", "heading4", "caption"}
# Font table entries so Word substitutes sensibly where a font is missing (charset 86 = GB2312).
_FONT_TABLE = {
    FANGSONG: ("仿宋", "02010609030101010101"),
    XIAOBIAOSONG: ("宋体", "02010600010101010101"),
    HEITI: ("SimHei", "02010609060101010101"),
    KAITI: ("楷体", "02010609030101010101"),
    SONGTI: ("SimSun", "02010600030101010101"),
}
# Free fonts (Debian: fonts-noto-cjk, fonts-arphic-ukai/uming, fonts-wqy-zenhei) for PDF rendering, best first.
FONT_FALLBACKS: dict[str, tuple[str, ...]] = {
    FANGSONG: ("仿宋", "FangSong", "Noto Serif CJK SC", "AR PL UMing CN", "WenQuanYi Zen Hei"),
    XIAOBIAOSONG: ("方正小标宋_GBK", "华文中宋", "STZhongsong", "Noto Serif CJK SC", "AR PL UMing CN"),
    HEITI: ("SimHei", "Noto Sans CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei"),
    KAITI: ("楷体", "KaiTi", "AR PL UKai CN", "AR PL KaitiM GB", "Noto Serif CJK SC", "WenQuanYi Zen Hei"),
    SONGTI: ("SimSun", "Noto Serif CJK SC", "AR PL UMing CN", "WenQuanYi Zen Hei"),
}
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


# ---- XML helpers -------------------------------------------------------------------------------------------------
def _el(tag: str, kids: Iterable[BaseOxmlElement] = (), text: str | None = None, /, **attrs: Any) -> BaseOxmlElement:
    """``_el("w:ind", firstLine=640)`` -> ``<w:ind w:firstLine="640"/>`` (attributes in the w: namespace)."""
    element = OxmlElement(tag, attrs={qn(f"w:{k}"): str(v) for k, v in attrs.items()})
    element.extend(kids)
    if text is not None:
        element.text = text
        element.set(_XML_SPACE, "preserve")
    return element


def _rpr(font: str, size_pt: float, bold: bool = False) -> BaseOxmlElement:
    size = str(round(size_pt * 2))
    bolds = [_el("w:b"), _el("w:bCs")] if bold else []
    fonts = _el("w:rFonts", ascii=font, hAnsi=font, eastAsia=font, cs=font, hint="eastAsia")
    tail = [_el("w:spacing", val=CONDENSE), _el("w:kern", val=0), _el("w:sz", val=size), _el("w:szCs", val=size)]
    return _el("w:rPr", [fonts, *bolds, *tail])


# Templates, copied into every run or cell: building each element anew is most of the time for large tables.
_rpr_template = functools.lru_cache(maxsize=64)(_rpr)


def _text_run(text: str, rpr: BaseOxmlElement) -> BaseOxmlElement:
    run = _el("w:r", [copy.deepcopy(rpr)])
    for i, line in enumerate(text.split("\n")):
        if i:
            run.append(_el("w:br"))
        for j, piece in enumerate(line.split("\t")):
            if j:
                run.append(_el("w:tab"))
            if piece:
                run.append(_el("w:t", (), piece))
    return run


def _ppr(
    style_id: str,
    *,
    jc: str | None = None,
    ind: BaseOxmlElement | None = None,
    spacing: int | None = None,
    page_break: bool = False,
) -> BaseOxmlElement:
    children = [_el("w:pStyle", val=style_id)]
    if page_break:
        children.append(_el("w:pageBreakBefore"))
    if spacing is not None:
        children.append(_el("w:spacing", before=0, after=0, line=spacing, lineRule="exact"))
    if ind is not None:
        children.append(ind)
    if jc:
        children.append(_el("w:jc", val=jc))
    return _el("w:pPr", children)


@functools.lru_cache(maxsize=32)
def _cell_ppr(style_id: str, jc: str, line: int) -> BaseOxmlElement:
    return _ppr(style_id, jc=jc, spacing=line)


def _right_indent(chars: float) -> BaseOxmlElement:
    return _el("w:ind", rightChars=round(chars * 100), right=round(chars * CHAR_PITCH), firstLineChars=0, firstLine=0)


def _cell_text(cell: Cell) -> str:
    return cell.text if isinstance(cell, Figure) else cell


# ---- .docx writer ------------------------------------------------------------------------------------------------
class _Writer:
    def __init__(self, doc: Document, *, bold_heading3: bool) -> None:
        self.doc = doc
        self.bold_heading3 = bold_heading3
        self.wd: WordDocument = docx.Document()
        self.body = self.wd.element.body
        self.bookmark_id = 0
        self.occurrences: dict[str, int] = {}

    def add(self, element: BaseOxmlElement) -> None:
        self.body.sectPr.addprevious(element)

    def paragraph(
        self,
        key: str,
        runs: Iterable[Run],
        *,
        bold: bool = False,
        size_pt: float | None = None,
        ppr: BaseOxmlElement | None = None,
    ) -> BaseOxmlElement:
        style_id, _name, font, size, *_ = _STYLES[key]
        rpr = _rpr_template(font, size_pt or size, bold)
        p = _el("w:p", [ppr if ppr is not None else _ppr(style_id)])
        for run in runs:
            if isinstance(run, Figure):  # bookmark tz_<id> (tz_<id>__2 ... for repeats) around the figure's run
                n = self.occurrences[run.id] = self.occurrences.get(run.id, 0) + 1
                self.bookmark_id += 1
                name = f"{BOOKMARK_PREFIX}{run.id}" + (f"__{n}" if n > 1 else "")
                p.append(_el("w:bookmarkStart", id=self.bookmark_id, name=name))
                p.append(_text_run(run.text, rpr))
                p.append(_el("w:bookmarkEnd", id=self.bookmark_id))
            elif run:
                p.append(_text_run(run, rpr))
        return p

    def blank(self) -> None:
        self.add(self.paragraph("body", []))

    def keep_previous_with_next(self) -> None:
        """The paragraph written last stays on the same page as the next one (Word's "与下段同页"): the signature
        never stands alone on the last page, it takes the closing paragraph's last lines with it."""
        last = self.body.sectPr.getprevious()
        if last is None or last.tag != qn("w:p"):
            return
        ppr = last.find(qn("w:pPr"))
        if ppr is None:
            ppr = _el("w:pPr")
            last.insert(0, ppr)
        if ppr.find(qn("w:keepNext")) is None:
            style = ppr.find(qn("w:pStyle"))
            ppr.insert(0 if style is None else 1, _el("w:keepNext"))

    def write(self, *, provenance: bool, appendix: bool) -> WordDocument:
        self.setup_page()
        self.setup_styles()
        doc = self.doc
        self.add(self.paragraph("title", [doc.title]))
        if doc.subtitle:
            self.add(self.paragraph("subtitle", [doc.subtitle]))
        self.blank()
        for block in doc.blocks:
            if isinstance(block, Table):
                self.table(block)
            elif block.style in ("signature", "date"):
                self.keep_previous_with_next()
                ppr = _ppr(_STYLES[block.style][0], ind=_right_indent(2))
                self.add(self.paragraph(block.style, block.runs, ppr=ppr, bold=bool(block.bold)))
            else:
                bold = block.bold if block.bold is not None else block.style == "heading3" and self.bold_heading3
                self.add(self.paragraph(block.style, block.runs, bold=bold))
        appendix = appendix and any(True for _ in doc.figures())
        if appendix:  # 附件说明: below the body after one blank line, indented two characters
            self.blank()
            self.add(self.paragraph("body", ["附件：数据来源"]))
        if not doc.has_signature():
            self.signature_block()
        if appendix:  # 附件: new page, "附件" in 黑体 top left, title on the third line, then the table
            self.add(self.paragraph("attachment", ["附件"], ppr=_ppr("TzAttachment", page_break=True)))
            self.blank()
            self.add(self.paragraph("title", ["数据来源"]))
            self.blank()
            self.table(doc.source_table())
        self.replace_custom_xml(doc if provenance else None)
        props = self.wd.core_properties
        props.title, props.author, props.last_modified_by = doc.title, doc.issuer, doc.issuer
        props.comments = f"由台账系统生成；文中数据的来源见自定义 XML 部件 {PROVENANCE_NS}" if provenance else ""
        return self.wd

    def signature_block(self) -> None:
        """GB/T 9704-2012 7.3.5.2 (不加盖印章): one blank line, the issuer right-indented two characters, the date on
        the next line with its first character two characters right of the issuer's; if the date is the longer,
        the date is right-indented two characters and the issuer moves left accordingly."""
        date_text = format_date_cn(self.doc.date)
        self.keep_previous_with_next()
        self.blank()
        self.keep_previous_with_next()
        issuer_w, date_w = display_width(self.doc.issuer), display_width(date_text)
        issuer_r, date_r = 2.0, issuer_w - date_w
        if date_r < 2:
            date_r, issuer_r = 2.0, date_w + 4 - issuer_w
        if self.doc.issuer:
            ppr = _ppr("TzSignature", ind=_right_indent(issuer_r))
            self.add(self.paragraph("signature", [self.doc.issuer], ppr=ppr))
            self.keep_previous_with_next()
        self.add(self.paragraph("date", [date_text], ppr=_ppr("TzDate", ind=_right_indent(date_r))))

    def table(self, table: Table) -> None:
        ncols = table.ncols
        if not ncols:
            return
        if table.caption:
            self.add(self.paragraph("caption", [table.caption]))
        header: list[Cell] = list(table.header)
        all_rows = ([header] if header else []) + table.rows
        col_max = [max((display_width(_cell_text(r[c])) for r in all_rows), default=1.0) for c in range(ncols)]
        # 3号 when every row fits on one line at that size, otherwise 4号 (31 characters a line).
        size_pt = 16 if ncols <= 4 and sum(col_max) + ncols <= CHARS_PER_LINE else 14
        weights = table.col_widths or [min(max(w, 2.0), 14.0) + 1 for w in col_max]
        widths = [math.floor(TEXT_WIDTH * w / sum(weights)) for w in weights]
        widths[-1] += TEXT_WIDTH - sum(widths)
        sides = ("top", "left", "bottom", "right", "insideH", "insideV")
        tbl_pr = _el(
            "w:tblPr",
            [
                _el("w:tblW", w=TEXT_WIDTH, type="dxa"),
                _el("w:jc", val="center"),
                _el("w:tblBorders", [_el(f"w:{s}", val="single", sz=4, space=0, color="000000") for s in sides]),
                _el("w:tblLayout", type="fixed"),
                _el("w:tblCellMar", [_el("w:left", w=80, type="dxa"), _el("w:right", w=80, type="dxa")]),
            ],
        )
        tbl = _el("w:tbl", [tbl_pr, _el("w:tblGrid", [_el("w:gridCol", w=w) for w in widths])])
        line = round(size_pt * 1.5) * 20
        for r, row in enumerate(all_rows):
            is_head = bool(header) and r == 0
            tr = _el("w:tr", [_el("w:trPr", [_el("w:cantSplit")] + ([_el("w:tblHeader")] if is_head else []))])
            for c, cell in enumerate(row):
                key = "table_head" if is_head else "table_text"
                fits = display_width(_cell_text(cell)) * size_pt * 20 <= widths[c] - 160
                ppr = copy.deepcopy(_cell_ppr(_STYLES[key][0], "center" if is_head or fits else "left", line))
                tc_pr = _el("w:tcPr", [_el("w:tcW", w=widths[c], type="dxa"), _el("w:vAlign", val="center")])
                tr.append(_el("w:tc", [tc_pr, self.paragraph(key, [cell], size_pt=size_pt, ppr=ppr)]))
            tbl.append(tr)
        self.add(tbl)

    def setup_page(self) -> None:
        section = self.wd.sections[0]
        section.page_width, section.page_height = Twips(PAGE_WIDTH), Twips(PAGE_HEIGHT)
        section.top_margin, section.bottom_margin = Twips(MARGIN_TOP), Twips(MARGIN_BOTTOM)
        section.left_margin, section.right_margin = Twips(MARGIN_LEFT), Twips(MARGIN_RIGHT)
        section.header_distance, section.footer_distance = Twips(_mm(15)), Twips(FOOTER_DISTANCE)
        section.gutter = Twips(0)
        sect_pr = section._sectPr
        for old in sect_pr.findall(qn("w:docGrid")):
            sect_pr.remove(old)
        sect_pr.append(_el("w:docGrid", type="linesAndChars", linePitch=LINE_PITCH, charSpace=CHAR_SPACE))
        self.wd.settings.odd_and_even_pages_header_footer = True
        # GB/T 9704 7.5: 4号 Arabic numerals between 一字线, odd pages right and even pages left, one character in.
        rpr = _rpr_template(SONGTI, PAGE_NUMBER_PT)
        for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]._p
            p.clear()
            p.append(_ppr("TzPageNumber", jc=side, ind=_el("w:ind", **{side: PAGE_NUMBER_PT * 20, "firstLine": 0})))
            p.append(_text_run("— ", rpr))
            for kind in ("begin", "instr", "separate", "result", "end"):
                child = {"instr": _el("w:instrText", (), " PAGE "), "result": _el("w:t", (), "1")}.get(kind)
                child = _el("w:fldChar", fldCharType=kind) if child is None else child
                p.append(_el("w:r", [copy.deepcopy(rpr), child]))
            p.append(_text_run(" —", rpr))

    def setup_styles(self) -> None:
        styles = self.wd.styles.element
        for old in styles.findall(qn("w:docDefaults")):
            styles.remove(old)
        rpr = _rpr(FANGSONG, BODY_PT)
        rpr.append(_el("w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA"))
        spacing = _el("w:spacing", before=0, after=0, line=LINE_PITCH, lineRule="exact")
        flags = [_el(f"w:{name}", val=0) for name in ("widowControl", "autoSpaceDE", "autoSpaceDN")]
        ppr = _el("w:pPr", [*flags, spacing, _el("w:jc", val="both")])
        styles.insert(0, _el("w:docDefaults", [_el("w:rPrDefault", [rpr]), _el("w:pPrDefault", [ppr])]))
        # Word and LibreOffice size the character grid from the Normal style's font size: it must say 3号.
        normal = styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='Normal']")
        if normal is not None:
            for old in normal.findall(qn("w:rPr")):
                normal.remove(old)
            normal.append(_rpr(FANGSONG, BODY_PT))
        for key, (sid, name, font, size, jc, indent, outline) in _STYLES.items():
            p_children = [_el("w:keepNext")] if key in _KEEP_NEXT else []
            p_children += [*copy.deepcopy(flags[1:]), _el("w:snapToGrid", val=0), copy.deepcopy(spacing)]
            p_children.append(_el("w:ind", firstLineChars=200 if indent else 0, firstLine=INDENT_2CH if indent else 0))
            p_children.append(_el("w:jc", val=jc))
            if outline is not None:
                p_children.append(_el("w:outlineLvl", val=outline))
            children = [_el("w:name", val=name), _el("w:basedOn", val="Normal"), _el("w:qFormat")]
            children += [_el("w:pPr", p_children), _rpr(font, size)]
            styles.append(_el("w:style", children, type="paragraph", customStyle=1, styleId=sid))
        for part in self.wd.part.package.iter_parts():
            if part.partname == "/word/fontTable.xml":
                root = parse_xml(part.blob)
                for font_name, (alt, panose) in _FONT_TABLE.items():
                    props = [("altName", alt), ("panose1", panose), ("charset", "86"), ("family", "auto")]
                    root.append(_el("w:font", [_el(f"w:{k}", val=v) for k, v in props], name=font_name))
                part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    def replace_custom_xml(self, doc: Document | None) -> None:
        """Drop the template's empty bibliography item; add /customXml/itemN.xml with the figures when asked."""
        main = self.wd.part
        package = main.package
        for r_id, rel in list(main.rels.items()):
            if rel.reltype == RT.CUSTOM_XML and not rel.is_external and b"bibliography" in rel.target_part.blob:
                del main.rels[r_id]
        if doc is None:
            return
        item_name = package.next_partname("/customXml/item%d.xml")
        number = int(re.sub(r"\D", "", item_name.filename))
        item = Part(item_name, CT.XML, provenance_xml(doc), package)
        props_xml = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ds:datastoreItem xmlns:ds="{_DS_NS}" '
            f'ds:itemID="{{{str(uuid.uuid4()).upper()}}}"><ds:schemaRefs><ds:schemaRef ds:uri="{PROVENANCE_NS}"/>'
            "</ds:schemaRefs></ds:datastoreItem>"
        ).encode()
        props = Part(PackURI(f"/customXml/itemProps{number}.xml"), CT.OFC_CUSTOM_XML_PROPERTIES, props_xml, package)
        item.relate_to(props, RT.CUSTOM_XML_PROPS)
        main.relate_to(item, RT.CUSTOM_XML)


def write_docx(
    doc: Document,
    path_or_stream: PathOrStream,
    *,
    provenance: bool = True,
    appendix: bool = False,
    bold_heading3: bool = False,
) -> None:
    """Write ``doc`` as a GB/T 9704-2012 .docx.

    provenance: embed every figure in a custom XML part (read back with :func:`read_provenance`).
    appendix: add the 附件说明 line and an appendix 附件 数据来源 listing each figure's label, scope, period, records.
    bold_heading3: set the third-level heading (1.) in bold 仿宋, as many departments do.
    """
    target = os.fspath(path_or_stream) if isinstance(path_or_stream, os.PathLike) else path_or_stream
    _Writer(doc, bold_heading3=bold_heading3).write(provenance=provenance, appendix=appendix).save(target)


# ---- provenance --------------------------------------------------------------------------------------------------
def provenance_dict(doc: Document) -> dict[str, Any]:
    return {
        "namespace": PROVENANCE_NS,
        "version": 1,
        "document": {"title": doc.title, "issuer": doc.issuer, "date": doc.date.isoformat()},
        "figures": {f.id: f.to_dict() for f in doc.figures()},
    }


def provenance_xml(doc: Document) -> bytes:
    """``<provenance xmlns="urn:taizhang:provenance:1">`` with one ``<figure id value><text/><source>JSON</source>``
    per figure."""
    ns = f"{{{PROVENANCE_NS}}}"
    root = etree.Element(f"{ns}provenance", nsmap={None: PROVENANCE_NS}, version="1")
    etree.SubElement(root, f"{ns}document", title=doc.title, issuer=doc.issuer, date=doc.date.isoformat())
    for fig in doc.figures():
        item = etree.SubElement(root, f"{ns}figure", id=fig.id, value=str(fig.value))
        etree.SubElement(item, f"{ns}text").text = fig.text
        etree.SubElement(item, f"{ns}source").text = json.dumps(fig.source, ensure_ascii=False, sort_keys=True)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True, pretty_print=True)
    return data


def write_provenance_json(doc: Document, path: str | os.PathLike[str]) -> None:
    Path(path).write_text(json.dumps(provenance_dict(doc), ensure_ascii=False, indent=2), encoding="utf-8")


def read_provenance_json(path: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return dict(data.get("figures") or {})


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def read_provenance(docx_path: PathOrStream) -> dict[str, dict[str, Any]]:
    """figure id -> {"id", "text", "value" (str), "source"} from the custom XML part; {} when there is none."""
    ns = f"{{{PROVENANCE_NS}}}"
    found: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(docx_path) as zf:
        for name in zf.namelist():
            if not re.fullmatch(r"customXml/item\d+\.xml", name):
                continue
            root = etree.fromstring(zf.read(name), _PARSER)
            if root.tag != f"{ns}provenance":
                continue
            for item in root.iter(f"{ns}figure"):
                fig_id = item.get("id", "")
                found[fig_id] = {
                    "id": fig_id,
                    "text": item.findtext(f"{ns}text") or "",
                    "value": item.get("value", ""),
                    "source": json.loads(item.findtext(f"{ns}source") or "{}"),
                }
    return found


# ---- reading text back -------------------------------------------------------------------------------------------
_SKIP = {
    qn("w:txbxContent"),
    qn("w:del"),
    qn("w:moveFrom"),
    qn("w:instrText"),
    qn("w:delText"),
    "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback",
}
_TEXT = {qn("w:tab"): "\t", qn("w:cr"): "\n", qn("w:noBreakHyphen"): "-"}


def read_paragraph_segments(docx_path: PathOrStream, *, include_appendix: bool = True) -> list[list[Segment]]:
    """The body's non-empty paragraphs (table cells included, in order), each as segments (figure id or None, text).

    A figure is the text inside a bookmark ``tz_<id>`` (``tz_<id>__<n>`` for repeats); bookmarks survive editing and
    saving in Word and LibreOffice. With include_appendix=False reading stops at the appendix label (附件 / 附件1).
    """
    with zipfile.ZipFile(docx_path) as zf:
        rels = etree.fromstring(zf.read("_rels/.rels"), _PARSER)
        main = next((r.get("Target", "") for r in rels if r.get("Type", "").endswith("/officeDocument")), "")
        root = etree.fromstring(zf.read(main.lstrip("/") or "word/document.xml"), _PARSER)
    body = root.find(qn("w:body"))
    paragraphs: list[list[Segment]] = []
    open_marks: dict[str, str] = {}
    current: list[Segment] = []
    walker = etree.iterwalk(body if body is not None else root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag
        if event == "end":
            if tag == qn("w:p"):
                joined = "".join(t for _, t in current).strip()
                if not include_appendix and _APPENDIX_LABEL_RE.match(joined):
                    break
                if joined:
                    paragraphs.append(current)
                current = []
        elif tag in _SKIP:
            walker.skip_subtree()
        elif tag == qn("w:bookmarkStart"):
            match = _BOOKMARK_RE.match(el.get(qn("w:name"), ""))
            if match:
                open_marks[el.get(qn("w:id"), "")] = match.group("id")
        elif tag == qn("w:bookmarkEnd"):
            open_marks.pop(el.get(qn("w:id"), ""), None)
        else:
            text = el.text or "" if tag == qn("w:t") else _TEXT.get(tag)
            if tag == qn("w:br") and el.get(qn("w:type")) in (None, "textWrapping"):
                text = "\n"
            if text:
                fig_id = next(reversed(open_marks.values())) if open_marks else None
                if current and current[-1][0] == fig_id:
                    current[-1] = (fig_id, current[-1][1] + text)
                else:
                    current.append((fig_id, text))
    return paragraphs


def read_text(docx_path: PathOrStream, *, include_appendix: bool = True) -> list[str]:
    """Non-empty paragraph texts of the body in order, table cells included (one entry per cell paragraph)."""
    return ["".join(t for _, t in p) for p in read_paragraph_segments(docx_path, include_appendix=include_appendix)]


def find_figure_runs(docx_path: PathOrStream, *, include_appendix: bool = True) -> list[Segment]:
    """All text in order as (figure id or None, text) segments; a segment never spans paragraphs."""
    return [seg for p in read_paragraph_segments(docx_path, include_appendix=include_appendix) for seg in p]


# ---- HTML preview ------------------------------------------------------------------------------------------------
_HTML_TAGS = {"title": "h1", "heading1": "h2", "heading2": "h3", "heading3": "h4", "heading4": "h5"}


def _html_runs(runs: Iterable[Run]) -> str:
    out = []
    for run in runs:
        if isinstance(run, Figure):
            out.append(
                f'<a class="tz-figure" data-figure="{html.escape(run.id)}" href="#" '
                f'title="{html.escape(source_tooltip(run))}">{html.escape(run.text)}</a>'
            )
        else:
            out.append(html.escape(run).replace("\n", "<br>"))
    return "".join(out)


def _html_table(table: Table, classes: str = "tz-table") -> str:
    parts = [f'<table class="{classes}">']
    if table.caption:
        parts.append(f"<caption>{html.escape(table.caption)}</caption>")
    if table.header:
        parts.append("<thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in table.header) + "</tr></thead>")
    body = "".join("<tr>" + "".join(f"<td>{_html_runs([c])}</td>" for c in row) + "</tr>" for row in table.rows)
    parts.append(f"<tbody>{body}</tbody></table>")
    return "".join(parts)


def write_html(doc: Document, *, appendix: bool = False) -> str:
    """An HTML fragment for the preview: classes only (no style attributes, no scripts), everything escaped.
    Figures are ``<a class="tz-figure" data-figure="f12" href="#" title="来源：…">512场</a>``."""
    out = ['<article class="tz-doc">', f'<h1 class="tz-title">{_html_runs([doc.title])}</h1>']
    if doc.subtitle:
        out.append(f'<p class="tz-subtitle">{_html_runs([doc.subtitle])}</p>')
    for block in doc.blocks:
        if isinstance(block, Table):
            out.append(_html_table(block))
            continue
        tag = _HTML_TAGS.get(block.style, "p")
        classes = f"tz-{block.style}" + (" tz-bold" if block.bold else "")
        out.append(f'<{tag} class="{classes}">{_html_runs(block.runs)}</{tag}>')
    if not doc.has_signature():
        issuer = f'<p class="tz-signature">{html.escape(doc.issuer)}</p>' if doc.issuer else ""
        date = html.escape(format_date_cn(doc.date))
        out.append(f'<div class="tz-signature-block">{issuer}<p class="tz-date">{date}</p></div>')
    if appendix and any(True for _ in doc.figures()):
        table = _html_table(doc.source_table(), "tz-table tz-sources")
        out.append(
            '<section class="tz-appendix"><p class="tz-attachment">附件</p>'
            f'<h2 class="tz-appendix-title">数据来源</h2>{table}</section>'
        )
    out.append("</article>")
    return "\n".join(out)


# ---- PDF ---------------------------------------------------------------------------------------------------------
def installed_font_families() -> set[str] | None:
    """Font family names known to fontconfig (every localised name), or None when fc-list is unavailable."""
    if not shutil.which("fc-list"):
        return None
    result = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, timeout=60, check=False)
    return {name.strip() for line in result.stdout.splitlines() for name in line.split(",") if name.strip()}


def choose_font_substitutions(installed: set[str] | None) -> dict[str, str]:
    """official font -> first installed free font, for each official font that is not installed itself."""
    if installed is None:
        return {}
    subs = {}
    for font, candidates in FONT_FALLBACKS.items():
        found = next((c for c in candidates if c in installed), None)
        if font not in installed and found:
            subs[font] = found
    return subs


def _substitute_fonts(src: Path, dst: Path, subs: dict[str, str]) -> None:
    attrs = [qn(f"w:{a}") for a in ("ascii", "hAnsi", "eastAsia", "cs")]
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if subs and info.filename.startswith("word/") and info.filename.endswith(".xml"):
                root = etree.fromstring(data, _PARSER)
                for rfonts in root.iter(qn("w:rFonts")):
                    was_title = rfonts.get(qn("w:eastAsia")) == XIAOBIAOSONG
                    for attr in attrs:
                        rfonts.set(attr, subs.get(rfonts.get(attr, ""), rfonts.get(attr, "")))
                    parent = rfonts.getparent()
                    # 小标宋 is a heavy 宋体: a regular Song face needs bold to look like it.
                    if was_title and XIAOBIAOSONG in subs and parent is not None and parent.find(qn("w:b")) is None:
                        rfonts.addnext(_el("w:b"))
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            zout.writestr(info, data)


def render_pdf(
    docx_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *, timeout: float = 300
) -> tuple[Path, dict[str, str]]:
    """Convert with ``libreoffice --headless --convert-to pdf`` in a throwaway profile.

    Official fonts that are not installed are replaced by free ones in a temporary copy of the .docx; returns the
    PDF path (``out_dir/<name>.pdf``) and the substitutions used (official font -> replacement).
    """
    exe = shutil.which("libreoffice") or shutil.which("soffice")
    if not exe:
        raise RuntimeError("未安装 LibreOffice，无法生成 PDF")
    src, out = Path(docx_path), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    subs = choose_font_substitutions(installed_font_families())
    pdf = out / (src.stem + ".pdf")
    pdf.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="tz-pdf-") as tmp:
        copy_path = Path(tmp) / "doc" / src.name
        copy_path.parent.mkdir()
        _substitute_fonts(src, copy_path, subs)
        profile = (Path(tmp) / "profile").as_uri()
        cmd = [
            exe,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(copy_path),
        ]
        try:
            result = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, check=False, env={**os.environ, "HOME": tmp}
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"LibreOffice 转换 PDF 超时（{timeout:.0f} 秒）") from exc
    if result.returncode != 0 or not pdf.exists():
        raise RuntimeError(f"LibreOffice 转换 PDF 失败：{(result.stderr or result.stdout).strip()[:500]}")
    return pdf, subs
