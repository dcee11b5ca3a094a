"""Walk the demo as every demo account: every menu page and the first few pages each one links to, checking
that none answers an error or shows what users should never see (command names, server paths, English error text,
ISO timestamps, doubled quotation marks). Run after `taizhang demo --no-serve`, with the same TAIZHANG_DATA_DIR:

    TAIZHANG_DATA_DIR=var .venv/bin/python scripts/walk_demo.py [--links 3] [--depth 1] [--max-pages 0]

--depth 2 also follows the links of the pages followed from the menu (a candidate's page reached from a campaign's
results, say); --max-pages caps the pages per account (0: no cap). The public site (/public/) is walked too, as an
anonymous visitor, from its home page, with the same depth.

Prints one line per problem and a summary; exit status 1 when anything was found. (The browser crawl in
taizhang/core/tests/test_browser_crawl.py checks the same on a small world at 1280 and 390 px in CI.)"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "taizhang.settings")

FORBIDDEN = ("taizhang ", "manage.py", "POST /api", "/work/", "/home/", '.py"', "Traceback", "Page not found",
             "Server Error", "This field is required", "Forbidden", "“““", "””")
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
DOUBLED = re.compile(r"“[^”“]{0,40}“[^”]{1,60}”[^”“]{0,40}””|““|””")
LINK = re.compile(r'<a [^>]*href="(/[^"#?]*)"')
SKIP = ("/accounts/logout", "/static/", "/media/", "export", "download", ".docx", ".xlsx", ".csv", ".pdf", "/public/")


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from taizhang.core.navigation import menu_for

    parser = argparse.ArgumentParser()
    parser.add_argument("--links", type=int, default=3, help="new pages to follow from each page")
    parser.add_argument("--depth", type=int, default=1, help="link levels to follow from the menu pages")
    parser.add_argument("--max-pages", type=int, default=0, help="pages per account at most (0: no cap)")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    users = get_user_model().objects.filter(memberships__isnull=False, is_active=True).distinct().order_by("username")
    problems = pages = 0
    visitors: list[tuple[str, Client, list[str], tuple[str, ...]]] = []
    for user in users:
        client = Client()
        client.force_login(user)
        session = client.session
        session["tz_mfa"] = True  # the second factor is tested elsewhere
        session.save()
        start = [item["url"] for group in menu_for(user, "/") for item in group["items"]]
        visitors.append((user.username, client, start, SKIP))
    # the public site as a citizen sees it (the staff site's own pages under /public/ are skipped above)
    visitors.append(("（公众）", Client(), ["/public/"], tuple(s for s in SKIP if s != "/public/")))
    for who, client, start, skip in visitors:
        seen: set[str] = set()
        queue = [(url, 0) for url in start]
        queued = set(start)  # a link already queued (the menu's, on every page) takes no place of another
        while queue and (not args.max_pages or len(seen) < args.max_pages):
            url, depth = queue.pop(0)
            if url in seen or any(s in url for s in skip):
                continue
            seen.add(url)
            response = client.get(url)
            pages += 1
            if response.status_code >= 400:
                print(f"{who}\t{url}\tHTTP {response.status_code}")
                problems += 1
                continue
            if "text/html" not in response.get("Content-Type", ""):
                continue
            body = response.content.decode("utf-8", "replace")
            text = visible_text(body)
            for bad in FORBIDDEN:
                if bad in text:
                    at = text.index(bad)
                    print(f"{who}\t{url}\t“{bad}”: …{' '.join(text[max(0, at - 30):at + 30].split())}…")
                    problems += 1
            for pattern in (ISO, DOUBLED):
                found = pattern.search(text)
                if found:
                    print(f"{who}\t{url}\t{found.group()!r}")
                    problems += 1
            if depth < args.depth:
                fresh = [u for u in dict.fromkeys(LINK.findall(body)) if u not in queued]
                links = [u for u in fresh if not any(s in u for s in skip)][: args.links]
                queued.update(links)
                queue.extend((u, depth + 1) for u in links)
    print(f"{users.count()} 个账户及公众端，{pages} 个页面，发现问题 {problems} 处")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
