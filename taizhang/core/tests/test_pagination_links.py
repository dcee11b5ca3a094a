"""Page links keep the list's filters. Templates wrote them by hand (`?page=N&status=…`) and each forgot a
different filter: with `?ids=` from a figure, or a state or keyword, page 2 listed something else. They use
Django's `{% querystring page=… %}` (every current parameter, the page changed), or a `qs` the view built."""

from __future__ import annotations

import re
from pathlib import Path

import taizhang

ROOT = Path(taizhang.__file__).parent
HAND_WRITTEN = re.compile(r'href="\?page=\{\{ page\.\w+ \}\}(?!\{\{ qs \}\})[^"]*"')


def test_no_template_writes_page_links_by_hand() -> None:
    offenders = [f"{path.relative_to(ROOT)}: {m.group(0)}"
                 for path in sorted(ROOT.rglob("templates/**/*.html"))
                 for m in HAND_WRITTEN.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_the_check_catches_a_hand_written_link() -> None:
    assert HAND_WRITTEN.search('<a href="?page={{ page.next_page_number }}&status={{ status }}">下一页</a>')
    assert not HAND_WRITTEN.search('<a href="?page={{ page.next_page_number }}{{ qs }}">下一页</a>')
    assert not HAND_WRITTEN.search('<a href="{% querystring page=page.next_page_number %}">下一页</a>')
