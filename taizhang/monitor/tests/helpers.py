"""Test fixtures for monitoring: THUCNews sample text (committed), feeds built from it, a loopback HTTP server."""

from __future__ import annotations

import email.utils
import html
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from taizhang.monitor.pipeline.base import CHINA_TZ

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def articles() -> list[tuple[str, str]]:
    """(class, text) of the 200 committed THUCNews articles."""
    rows = []
    with open(FIXTURES / "thucnews_articles_200.txt", encoding="utf-8") as fh:
        for line in fh:
            cls, text = line.rstrip("\n").split("\t", 1)
            rows.append((cls, text))
    return rows


def headlines() -> list[str]:
    with open(FIXTURES / "thucnews_headlines_1000.txt", encoding="utf-8") as fh:
        return [line.strip() for line in fh if line.strip()]


def news_items(n: int, *, start: datetime | None = None, step_minutes: float = 7, prefix: str = "https://news.example.cn/a/",
               seed: int = 1) -> list[dict[str, Any]]:
    """n distinct raw items: a headline as title and an article body as text."""
    rng = random.Random(seed)
    arts = articles()
    heads = headlines()
    start = start or datetime(2024, 5, 1, 8, 0, tzinfo=CHINA_TZ)
    out = []
    for i in range(n):
        _cls, text = arts[i % len(arts)]
        body = text if i < len(arts) else text[rng.randrange(0, 200):] + heads[(i * 7) % len(heads)]
        out.append({
            "title": heads[i % len(heads)], "text": body, "url": f"{prefix}{i}.html",
            "published_at": (start + timedelta(minutes=step_minutes * i)).isoformat(), "source": "测试新闻网",
        })
    return out


def rss(items: list[dict[str, Any]], title: str = "测试订阅") -> bytes:
    parts = ['<?xml version="1.0" encoding="utf-8"?>', '<rss version="2.0"><channel>',
             f"<title>{html.escape(title)}</title><link>http://example.test/</link><description>测试</description>"]
    for it in items:
        pub = ""
        if it.get("published_at"):
            dt = datetime.fromisoformat(it["published_at"])
            pub = f"<pubDate>{email.utils.format_datetime(dt)}</pubDate>"
        parts.append(
            f"<item><title>{html.escape(it['title'])}</title><link>{html.escape(it['url'])}</link>"
            f"<description>{html.escape(it['text'])}</description>{pub}</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


class LoopbackServer:
    """A threaded HTTP server on 127.0.0.1 with routes set by the test; counts requests per path."""

    def __init__(self) -> None:
        self.routes: dict[str, Route | tuple[int, dict[str, str], bytes]] = {}
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self, method: str) -> None:
                path = self.path.split("?", 1)[0]
                server.hits[path] += 1
                body_in = b""
                if method == "POST":
                    body_in = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests.append((self.path, dict(self.headers), body_in))
                route = server.routes.get(path)
                if route is None:
                    status, headers, body = 404, {}, b"not found"
                elif callable(route):
                    status, headers, body = route(self)
                else:
                    status, headers, body = route
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if "Content-Length" not in headers and "X-No-Length" not in headers:
                        self.send_header("Content-Length", str(len(body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    if body:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def etag_route(body: bytes, etag: str = '"v1"', content_type: str = "application/rss+xml") -> Route:
    def route(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        if handler.headers.get("If-None-Match") == etag:
            return 304, {"ETag": etag}, b""
        return 200, {"ETag": etag, "Content-Type": content_type,
                     "Last-Modified": "Wed, 01 May 2024 08:00:00 GMT"}, body

    return route


def slow_route(seconds: float) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        time.sleep(seconds)
        return 200, {"Content-Type": "application/rss+xml"}, b"<rss></rss>"

    return route

