"""Fetching a source over HTTP(S) safely: stdlib http.client only, nothing else is ever fetched.

* The host is resolved first and **every** resolved address is checked with :mod:`ipaddress`: private,
  loopback, link-local, reserved, multicast, unspecified and shared (100.64/10) addresses are refused unless the
  source is marked internal. The connection then goes to the address that was checked (no second lookup that
  DNS rebinding could answer differently); TLS still verifies the host name.
* Redirects (at most 5) are followed by hand and checked again, host by host.
* Conditional GET: ``If-None-Match`` / ``If-Modified-Since`` from the last response; 304 means nothing new.
* Time: a socket timeout per operation and an overall deadline for the whole exchange (a server that drips
  bytes slowly is cut off too). Size: ``Content-Length`` over the cap is refused before reading; the body is read
  in chunks and abandoned at the cap; gzip is inflated with the same cap.
* ``before_request(host)`` is called before every request (redirects included): the caller's politeness gate.

No Django here; errors carry Chinese messages for the source's status line.
"""

from __future__ import annotations

import http.client
import ssl
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

# The address guard lives in core (webhook delivery uses it too); its names stay importable from here.
from taizhang.core.netguard import (  # noqa: F401
    FetchError,
    PinnedHTTP,
    PinnedHTTPS,
    address_blocked,
    checked_addresses,
    resolve,
)

USER_AGENT = "taizhang-monitor/1.0 (+public opinion monitoring; polite crawler)"
MAX_REDIRECTS = 5
CHUNK = 65536


@dataclass
class FetchResult:
    url: str  # final URL after redirects
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    etag: str = ""
    last_modified: str = ""
    elapsed: float = 0.0

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    timeout: float = 20.0,
    max_bytes: int = 5_000_000,
    allow_private: bool = False,
    before_request: Callable[[str], None] | None = None,
    accept: str = "application/rss+xml, application/atom+xml, application/xml, text/xml, text/html;q=0.9, */*;q=0.5",
) -> FetchResult:
    """GET ``url`` under the rules of this module; raises :class:`FetchError`."""
    started = time.monotonic()
    deadline = started + max(1.0, timeout * 3)  # the whole exchange, redirects included
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"不支持的网址：{current}（只支持 http 和 https）", "invalid")
        host = parts.hostname
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise FetchError(f"网址端口无效：{current}", "invalid") from exc
        addresses = checked_addresses(host, port, allow_private=allow_private)
        if before_request is not None:
            before_request(host)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"访问 {host} 超时", "timeout")
        per_op = min(timeout, remaining)
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            conn = PinnedHTTPS(host, port, addresses[0], per_op, ssl.create_default_context())
        else:
            conn = PinnedHTTP(host, port, addresses[0], per_op)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": "gzip", "Connection": "close"}
        if etag and current == url:
            headers["If-None-Match"] = etag
        if last_modified and current == url:
            headers["If-Modified-Since"] = last_modified
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            status = resp.status
            resp_headers = {k.lower(): v for k, v in resp.getheaders()}
            if status in (301, 302, 303, 307, 308):
                location = resp_headers.get("location", "")
                resp.close()
                if not location:
                    raise FetchError(f"{host} 返回跳转但没有目标地址", "http", status)
                current = urljoin(current, location)
                continue
            if status == 304:
                return FetchResult(current, 304, b"", resp_headers, etag, last_modified, time.monotonic() - started)
            if status >= 400:
                raise FetchError(f"{host} 返回 HTTP {status}", "http", status)
            body = _read_body(resp, resp_headers, max_bytes, deadline, conn, host)
        except FetchError:
            raise
        except TimeoutError as exc:
            raise FetchError(f"访问 {host} 超时（{timeout:g} 秒）", "timeout") from exc
        except ssl.SSLError as exc:
            raise FetchError(f"与 {host} 的加密连接失败：{exc.reason or exc}", "network") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"访问 {host} 失败：{exc.__class__.__name__}", "network") from exc
        finally:
            conn.close()
        return FetchResult(
            current,
            status,
            body,
            resp_headers,
            resp_headers.get("etag", ""),
            resp_headers.get("last-modified", ""),
            time.monotonic() - started,
        )
    raise FetchError(f"跳转次数过多（超过 {MAX_REDIRECTS} 次）：{url}", "http")


def _read_body(
    resp: http.client.HTTPResponse,
    headers: dict[str, str],
    max_bytes: int,
    deadline: float,
    conn: http.client.HTTPConnection,
    host: str,
) -> bytes:
    length = headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise FetchError(f"{host} 的内容过大（{int(length):,} 字节，上限 {max_bytes:,}）", "too_large")
    gzip = headers.get("content-encoding", "").lower() == "gzip"
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
    out = bytearray()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError(f"读取 {host} 的内容超时", "timeout")
        if conn.sock is not None:
            conn.sock.settimeout(min(remaining, conn.timeout or remaining))
        chunk = resp.read(CHUNK)
        if not chunk:
            break
        if inflater is not None:
            try:
                chunk = inflater.decompress(chunk, max_bytes + 1 - len(out))
            except zlib.error as exc:
                raise FetchError(f"{host} 的压缩内容无法解开", "invalid") from exc
            if inflater.unconsumed_tail:
                raise FetchError(f"{host} 的内容解压后超过上限 {max_bytes:,} 字节", "too_large")
        out += chunk
        if len(out) > max_bytes:
            raise FetchError(f"{host} 的内容超过上限 {max_bytes:,} 字节，已停止读取", "too_large")
    return bytes(out)
