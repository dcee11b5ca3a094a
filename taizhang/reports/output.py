"""Writing a composed document to files: .docx (with provenance), a standalone .html preview, a .pdf, a sidecar
JSON. Used by the summary and fill commands and the web export."""

from __future__ import annotations

import html
import io
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from taizhang.reports.document import Document
from taizhang.reports.docwriter import render_pdf, write_docx, write_html, write_provenance_json

_PAGE_CSS = """
body{background:#eef0f3;margin:0;padding:24px;font-family:"FangSong","仿宋","Noto Serif CJK SC",serif}
.tz-doc{background:#fff;max-width:210mm;margin:0 auto;padding:37mm 26mm 35mm 28mm;box-sizing:border-box;
 font-size:16pt;line-height:28.95pt;box-shadow:0 1px 4px rgba(0,0,0,.2)}
.tz-doc h1{font-family:"SimSun","Noto Serif CJK SC",serif;font-size:22pt;text-align:center;font-weight:bold;
 line-height:1.5;margin:0 0 28.95pt}
.tz-doc h2,.tz-doc h3,.tz-doc h4,.tz-doc h5,.tz-doc p{font-size:16pt;margin:0;text-indent:2em;text-align:justify}
.tz-doc h2{font-family:"SimHei","Noto Sans CJK SC",sans-serif;font-weight:normal}
.tz-doc h3{font-family:"KaiTi","楷体","AR PL UKai CN",serif;font-weight:normal}
.tz-doc h4,.tz-doc h5{font-weight:normal}
.tz-signature-block{text-align:right;margin-top:28.95pt;padding-right:2em}
.tz-signature-block p{text-indent:0;text-align:right}
.tz-figure{color:inherit;text-decoration:underline dotted #c8161d}
.tz-table{border-collapse:collapse;width:100%;font-size:12pt;line-height:1.5}
.tz-table td,.tz-table th{border:1px solid #000;padding:2px 4px;text-align:center}
.tz-appendix{margin-top:48pt;page-break-before:always}
"""


def standalone_html(doc: Document, *, appendix: bool = True) -> str:
    """A whole HTML page around write_html (for a file opened locally; the web app serves the fragment)."""
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(doc.title)}</title>\n<style>{_PAGE_CSS}</style>\n</head>\n<body>\n"
        f"{write_html(doc, appendix=appendix)}\n</body>\n</html>\n"
    )


def docx_bytes(doc: Document, *, appendix: bool = False) -> bytes:
    stream = io.BytesIO()
    write_docx(doc, stream, provenance=True, appendix=appendix)
    return stream.getvalue()


@dataclass
class Written:
    paths: list[Path] = field(default_factory=list)
    font_substitutions: dict[str, str] = field(default_factory=dict)


def write_outputs(doc: Document, *, docx: str | Path | None = None, html_path: str | Path | None = None,
                  pdf: str | Path | None = None, sidecar: str | Path | None = None,
                  appendix: bool = False) -> Written:
    """Write the requested files; the PDF is rendered from the .docx through LibreOffice."""
    out = Written()
    docx_path = Path(docx) if docx else None
    tmp: tempfile.TemporaryDirectory[str] | None = None
    try:
        if pdf and docx_path is None:
            tmp = tempfile.TemporaryDirectory(prefix="tz-summary-")
            docx_path = Path(tmp.name) / (Path(pdf).stem + ".docx")
        if docx_path is not None:
            docx_path.parent.mkdir(parents=True, exist_ok=True)
            write_docx(doc, docx_path, provenance=True, appendix=appendix)
            if docx:
                out.paths.append(docx_path)
        if html_path:
            Path(html_path).parent.mkdir(parents=True, exist_ok=True)
            Path(html_path).write_text(standalone_html(doc, appendix=True), encoding="utf-8")
            out.paths.append(Path(html_path))
        if sidecar:
            write_provenance_json(doc, sidecar)
            out.paths.append(Path(sidecar))
        if pdf and docx_path is not None:
            target = Path(pdf)
            with tempfile.TemporaryDirectory(prefix="tz-pdf-out-") as outdir:
                made, subs = render_pdf(docx_path, outdir)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(str(made), target)
            out.font_substitutions = subs
            out.paths.append(target)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return out
