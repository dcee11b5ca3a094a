"""Walk the demo as every demo account: every menu page and the first few pages each one links to, checking
that none answers an error or shows what users should never see (command names, server paths, English error text,
ISO timestamps, doubled quotation marks). Run after `taizhang demo --no-serve`, with the same TAIZHANG_DATA_DIR:

    TAIZHANG_DATA_DIR=var .venv/bin/python scripts/walk_demo.py [--links 3]

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
    parser.add_argument("--links", type=int, default=3, help="pages to follow from each menu page")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    users = get_user_model().objects.filter(memberships__isnull=False, is_active=True).distinct().order_by("username")
    problems = pages = 0
    for user in users:
        client = Client()
        client.force_login(user)
        session = client.session
        session["tz_mfa"] = True  # the second factor is tested elsewhere
        session.save()
        seen: set[str] = set()
        queue = [item["url"] for group in menu_for(user, "/") for item in group["items"]]
        menu = set(queue)
        while queue:
            url = queue.pop(0)
            if url in seen or any(s in url for s in SKIP):
                continue
            seen.add(url)
            response = client.get(url)
            pages += 1
            if response.status_code >= 400:
                print(f"{user.username}\t{url}\tHTTP {response.status_code}")
                problems += 1
                continue
            if "text/html" not in response.get("Content-Type", ""):
                continue
            body = response.content.decode("utf-8", "replace")
            text = visible_text(body)
            for bad in FORBIDDEN:
                if bad in text:
                    at = text.index(bad)
                    print(f"{user.username}\t{url}\t“{bad}”: …{' '.join(text[max(0, at - 30):at + 30].split())}…")
                    problems += 1
            for pattern in (ISO, DOUBLED):
                found = pattern.search(text)
                if found:
                    print(f"{user.username}\t{url}\t{found.group()!r}")
                    problems += 1
            if url in menu:
                links = [u for u in dict.fromkeys(LINK.findall(body)) if u not in seen and u not in menu
                         and not any(s in u for s in SKIP)]
                queue.extend(links[: args.links])
    print(f"{users.count()} 个账户，{pages} 个页面，发现问题 {problems} 处")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
