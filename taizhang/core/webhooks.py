"""Chat-robot webhooks: message bodies (WeCom, DingTalk, Feishu, generic JSON), signing (加签) and sending through
the address guard (core.netguard). Monitoring's alert channels and the notices' unit channels both use this.

* WeCom ``{"msgtype": "markdown", "markdown": {"content"}}``;
* DingTalk ``{"msgtype": "markdown", "markdown": {"title", "text"}}`` (signed with timestamp+sign query when a secret
  is set);
* Feishu ``{"msg_type": "text", "content": {"text"}}`` (``timestamp`` and ``sign`` in the body when a secret is set);
* generic: ``extra`` fields plus ``title`` and ``text``.

``post_bytes`` is the plain guarded POST underneath, also used by the SMS gateways (core.sms).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import ssl
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote_plus, urlsplit

from taizhang.core.netguard import FetchError, PinnedHTTP, PinnedHTTPS, checked_addresses

WEBHOOK_TIMEOUT = 10.0
FORMATS = ("wecom", "dingtalk", "feishu", "generic")


def payload(fmt: str, title: str, lines: list[str], extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    if fmt == "wecom":
        return {"msgtype": "markdown", "markdown": {"content": f"**{title}**\n" + "\n".join(f"> {x}" for x in lines)}}
    if fmt == "dingtalk":
        return {"msgtype": "markdown", "markdown": {"title": title, "text": f"### {title}\n\n" + "\n\n".join(lines)}}
    if fmt == "feishu":
        return {"msg_type": "text", "content": {"text": "\n".join([title, *lines])}}
    return {**(extra or {}), "title": title, "text": "\n".join([title, *lines])}


def signed(fmt: str, secret: str, url: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    if not secret:
        return url, body
    ts = int(time.time())
    if fmt == "dingtalk":
        ms = ts * 1000
        mac = hmac.new(secret.encode(), f"{ms}\n{secret}".encode(), hashlib.sha256).digest()
        sign = quote_plus(base64.b64encode(mac).decode())
        return f"{url}{'&' if '?' in url else '?'}timestamp={ms}&sign={sign}", body
    if fmt == "feishu":
        mac = hmac.new(f"{ts}\n{secret}".encode(), b"", hashlib.sha256).digest()
        return url, {**body, "timestamp": str(ts), "sign": base64.b64encode(mac).decode()}
    return url, body


def post_bytes(
    url: str, data: bytes, *, content_type: str, allow_private: bool, timeout: float = WEBHOOK_TIMEOUT,
    headers: Mapping[str, str] | None = None, what: str = "Webhook",
) -> tuple[int, bytes]:
    """POST a body as it is to a checked address (no redirects followed): the status and up to 64 KiB of the answer,
    whatever the status. Raises FetchError for a bad URL, a refused address or a network failure; ``what`` names
    the target in those messages (the URL is named only when it is invalid)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{what} 地址无效：{url}", "invalid")
    host = parts.hostname
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = checked_addresses(host, port, allow_private=allow_private)[0]
    conn: http.client.HTTPConnection
    if parts.scheme == "https":
        conn = PinnedHTTPS(host, port, address, timeout, ssl.create_default_context())
    else:
        conn = PinnedHTTP(host, port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", path, body=data, headers={**(headers or {}), "Content-Type": content_type})
        resp = conn.getresponse()
        text = resp.read(65536)
    except (TimeoutError, OSError, http.client.HTTPException) as exc:
        raise FetchError(f"{what} 发送失败：{exc.__class__.__name__}", "network") from exc
    finally:
        conn.close()
    return resp.status, text


def post_json(url: str, body: dict[str, Any], *, allow_private: bool, timeout: float = WEBHOOK_TIMEOUT) -> int:
    """POST JSON to a checked address (no redirects followed); returns the status, raises FetchError."""
    data = json.dumps(body, ensure_ascii=False).encode()
    status, text = post_bytes(url, data, content_type="application/json; charset=utf-8",
                              allow_private=allow_private, timeout=timeout)
    if status >= 300:
        raise FetchError(f"Webhook 返回 HTTP {status}", "http", status)
    try:  # the robots answer 200 with an error code in the body
        answer = json.loads(text or b"{}")
    except ValueError:
        answer = {}
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0))) if isinstance(answer, dict) else 0
    if code not in (0, None, "0"):
        raise FetchError(f"Webhook 返回错误：{answer.get('errmsg') or answer.get('msg') or code}", "http")
    return status


def send(
    url: str, fmt: str, title: str, lines: list[str], *, secret: str = "", allow_private: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> int:
    target, body = signed(fmt, secret, url, payload(fmt, title, lines, extra))
    return post_json(target, body, allow_private=allow_private)
