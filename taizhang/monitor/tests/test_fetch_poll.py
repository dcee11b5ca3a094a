"""Polling sources served on loopback: address guard, redirects, conditional GET, timeouts, garbage, size limits,
list pages, files, politeness and adaptive intervals."""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from taizhang.core import netguard
from taizhang.monitor import fetch as fetch_mod
from taizhang.monitor.fetch import FetchError, fetch
from taizhang.monitor.models import IngestBatch, MonitorItem, Source
from taizhang.monitor.poll import next_interval, poll_source, reserve_host
from taizhang.monitor.store import process_batch
from taizhang.monitor.tests.helpers import articles, etag_route, headlines, news_items, rss, slow_route

pytestmark = pytest.mark.django_db


def feed_source(url, **kw):
    values = {"name": kw.pop("name", "测试订阅"), "kind": "feed", "url": url, "is_internal": True, "timeout_seconds": 5}
    values.update(kw)
    return Source.objects.create(**values)


def test_loopback_refused_unless_internal(server):
    server.routes["/feed.xml"] = etag_route(rss(news_items(3)))
    public = feed_source(server.url("/feed.xml"), is_internal=False)
    result = poll_source(public.pk)
    public.refresh_from_db()
    assert result.status == "error" and "拒绝访问" in public.last_error and public.failures == 1
    assert server.hits["/feed.xml"] == 0, "nothing was sent to the refused address"
    internal = feed_source(server.url("/feed.xml"), name="内网订阅")
    assert poll_source(internal.pk).status == "new"


def test_every_resolved_address_is_checked(monkeypatch):
    def fake(host, port, *a, **kw):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(FetchError) as err:
        fetch("http://mixed.test/feed.xml")
    assert err.value.kind == "blocked" and "10.1.2.3" in err.value.message
    for bad in ("127.0.0.1", "169.254.169.254", "192.168.1.1", "100.64.0.1", "::1", "::ffff:127.0.0.1", "0.0.0.0"):  # noqa: S104
        assert fetch_mod.address_blocked(bad), bad
    assert not fetch_mod.address_blocked("93.184.216.34")


def test_redirects_are_checked_again(server, monkeypatch):
    """A public host (faked) that redirects to a loopback address: the second hop is refused."""
    real = socket.getaddrinfo

    def fake(host, port, *a, **kw):
        if host == "public.test":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))]
        return real(host, port, *a, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    monkeypatch.setattr(netguard, "open_socket",  # the pinned connections of core.netguard connect through it
                        lambda address, port, timeout: socket.create_connection(("127.0.0.1", server.port), timeout))
    body = rss(news_items(2))
    server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, body)
    server.routes["/to-public"] = (302, {"Location": f"http://public.test:{server.port}/feed.xml"}, b"")
    server.routes["/to-loopback"] = (302, {"Location": server.url("/feed.xml")}, b"")
    ok = fetch(f"http://public.test:{server.port}/to-public")
    assert ok.status == 200 and ok.body == body and ok.url.endswith("/feed.xml")
    with pytest.raises(FetchError) as err:
        fetch(f"http://public.test:{server.port}/to-loopback")
    assert err.value.kind == "blocked"


def test_conditional_get_and_adaptive_interval(server):
    items = news_items(20)
    server.routes["/feed.xml"] = etag_route(rss(items))
    source = feed_source(server.url("/feed.xml"), schedule_minutes=20)
    first = poll_source(source.pk)
    assert first.status == "new" and first.fresh == 20
    source.refresh_from_db()
    assert source.etag == '"v1"' and source.last_modified
    second = poll_source(source.pk)
    assert second.status == "not_modified" and second.batch_id is None
    assert server.requests[-1][1].get("If-None-Match") == '"v1"'
    source.refresh_from_db()
    assert source.last_status.startswith("未更新")
    assert source.interval_minutes > 20, "nothing new: polled less often"
    assert IngestBatch.objects.count() == 1


def test_known_items_raise_duplicate_rate(server):
    items = news_items(10)
    server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss(items))
    source = feed_source(server.url("/feed.xml"), schedule_minutes=10)
    process_batch(poll_source(source.pk).batch_id)
    server.routes["/feed.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss(items + news_items(1, seed=9,
                                                                                                     prefix="https://x.cn/")))
    result = poll_source(source.pk)
    assert result.received == 11 and result.fresh == 1
    source.refresh_from_db()
    assert source.duplicate_rate > 0.2


def test_timeout_backs_off(server):
    server.routes["/slow.xml"] = slow_route(3)
    source = feed_source(server.url("/slow.xml"), timeout_seconds=1, schedule_minutes=10)
    started = time.monotonic()
    result = poll_source(source.pk)
    assert time.monotonic() - started < 4
    source.refresh_from_db()
    assert result.status == "error" and "超时" in source.last_error
    assert source.failures == 1
    assert source.next_poll_at >= timezone.now() + timedelta(minutes=17)  # 10 × 2¹ − 10 %
    poll_source(source.pk)
    source.refresh_from_db()
    assert source.failures == 2 and source.next_poll_at >= timezone.now() + timedelta(minutes=35)


def test_garbage_is_refused(server):
    server.routes["/garbage.xml"] = (200, {"Content-Type": "application/rss+xml"}, os.urandom(5000))
    source = feed_source(server.url("/garbage.xml"))
    assert poll_source(source.pk).status == "error"
    source.refresh_from_db()
    assert "RSS/Atom" in source.last_error
    server.routes["/html.xml"] = (200, {"Content-Type": "text/html"}, "<html><body>不是订阅</body></html>".encode())
    assert poll_source(feed_source(server.url("/html.xml"), name="网页").pk).status == "error"


def test_feed_with_10000_items(server):
    heads = headlines()
    items = [{"title": f"{heads[i % len(heads)]}（{i}）", "text": heads[(i * 7) % len(heads)],
              "url": f"https://big.example.cn/{i}", "published_at": None} for i in range(10_000)]
    server.routes["/big.xml"] = (200, {"Content-Type": "application/rss+xml"}, rss(items))
    source = feed_source(server.url("/big.xml"), max_bytes=20_000_000, timeout_seconds=30)
    result = poll_source(source.pk)
    assert result.status == "new" and result.fresh == 10_000
    assert len(IngestBatch.objects.get(pk=result.batch_id).payload) == 10_000


def test_oversized_bodies_are_cut_off(server):
    big = ("<html><body><div>" + "很长的页面。" * 40_000 + "</div></body></html>").encode()
    server.routes["/huge.html"] = (200, {"Content-Type": "text/html"}, big)
    server.routes["/huge-nolength.html"] = (200, {"Content-Type": "text/html", "X-No-Length": "1"}, big)
    for path in ("/huge.html", "/huge-nolength.html"):
        with pytest.raises(FetchError) as err:
            fetch(server.url(path), allow_private=True, max_bytes=100_000)
        assert err.value.kind == "too_large"
    source = Source.objects.create(name="大页面", kind="page", url=server.url("/huge.html"), is_internal=True,
                                   max_bytes=100_000)
    assert poll_source(source.pk).status == "error"


def _article_html(title, text, when):
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("。") if p)
    return (f"<html><head><title>{title}_测试新闻网</title><meta property='article:published_time' content='{when}'>"
            "</head><body><div class='nav'><a href='/'>首页</a><a href='/list.html'>新闻</a></div>"
            f"<div class='main'><h1>{title}</h1><div class='content'>{paragraphs}</div></div>"
            "<div class='footer'>版权所有 测试新闻网</div></body></html>").encode()


def test_list_page_and_article_extraction(server):
    arts = articles()[:5]
    heads = headlines()[:5]
    links = []
    for i, ((_cls, text), title) in enumerate(zip(arts, heads, strict=True)):
        path = f"/news/{i}.html"
        server.routes[path] = (200, {"Content-Type": "text/html; charset=utf-8"},
                               _article_html(title, text, f"2024-05-0{i + 1}T09:00:00+08:00"))
        links.append(f"<li><a href='{path}'>{title}</a></li>")
    listing = ("<html><body><div class='nav'><a href='/'>首页</a></div><ul>" + "".join(links) + "</ul></body></html>")
    server.routes["/list.html"] = (200, {"Content-Type": "text/html"}, listing.encode())
    source = Source.objects.create(name="测试新闻网", kind="page", url=server.url("/list.html"), is_internal=True,
                                   link_pattern=r"/news/\d+\.html$")
    result = poll_source(source.pk)
    assert result.status == "new" and result.fresh == 5
    payload = IngestBatch.objects.get(pk=result.batch_id).payload
    first = payload[0]
    assert first["title"] == heads[0]
    assert first["text"].replace("\n", "").startswith(arts[0][1][:30].replace("。", ""))
    assert "版权所有" not in first["text"] and "首页" not in first["text"]
    assert first["published_at"].startswith("2024-05-01T09:00")
    process_batch(result.batch_id)
    again = poll_source(source.pk)
    assert again.status == "nothing_new"
    assert server.hits["/news/0.html"] == 1, "known articles are not fetched again"


def test_file_source_reads_changes_only(tmp_path, settings):
    settings.TAIZHANG_MONITOR_IMPORT_DIR = tmp_path
    path = tmp_path / "export.csv"
    path.write_text("标题,内容,链接,发布时间,来源\n" + "\n".join(
        f"{h},{h}的详细内容,https://f.example.cn/{i},2024-05-01 10:0{i},导出平台" for i, h in enumerate(headlines()[:5])
    ), encoding="utf-8")
    source = Source.objects.create(name="导出文件", kind="file", url=path.name)
    first = poll_source(source.pk)
    assert first.status == "new" and first.fresh == 5
    assert poll_source(source.pk).status == "not_modified"
    process_batch(first.batch_id)
    assert MonitorItem.objects.filter(source=source).count() == 5


def test_politeness_is_shared_through_the_database():
    waits = [reserve_host("news.example.cn", 5) for _ in range(3)]
    assert waits[0] == 0
    assert 4.5 < waits[1] <= 5 and 9.5 < waits[2] <= 10
    assert reserve_host("other.example.cn", 5) == 0


def test_adaptive_interval_rules():
    s = Source(schedule_minutes=20, interval_minutes=20, adaptive=True)
    assert next_interval(s, 0.5, False) == 30  # nothing new
    assert next_interval(s, 0.1, True) == 15  # mostly new
    assert next_interval(s, 0.9, True) == 25  # mostly known
    s.interval_minutes = 160
    assert next_interval(s, 1.0, False) == 160  # capped at 8× the schedule
    s.adaptive = False
    assert next_interval(s, 0.0, True) == 20
