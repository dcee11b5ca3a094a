"""Outbound HTTP guard (SSRF): resolve once, refuse private/loopback addresses unless allowed, connect to the
checked address (pinned, so a second DNS answer cannot redirect the request). Used by monitoring's fetcher and by
webhook delivery (core.webhooks)."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl

_SHARED = ipaddress.ip_network("100.64.0.0/10")


class FetchError(Exception):
    """A request that failed; ``kind`` is one of blocked, timeout, too_large, http, network, invalid."""

    def __init__(self, message: str, kind: str = "network", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.status = status

    def __str__(self) -> str:
        return self.message


def address_blocked(address: str) -> bool:
    """True for addresses a public target must never reach."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
        or ip.is_multicast
        or ip.is_unspecified
        or (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED)
    )


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"无法解析域名 {host}", "network") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise FetchError(f"无法解析域名 {host}", "network")
    return addresses


def checked_addresses(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The host's addresses, all of them checked; raises FetchError("blocked") if any is private."""
    addresses = resolve(host, port)
    if not allow_private:
        bad = [a for a in addresses if address_blocked(a)]
        if bad:
            raise FetchError(
                f"拒绝访问 {host}：解析到内网或本机地址 {bad[0]}。如确属政务内网来源，请将其标记为“内网地址”。",
                "blocked",
            )
    return addresses


def open_socket(address: str, port: int, timeout: float) -> socket.socket:
    """Connect to a checked address (a separate function so tests can route a fake public host to loopback)."""
    return socket.create_connection((address, port), timeout=timeout)


class PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = open_socket(self._address, self.port, self.timeout)  # type: ignore[arg-type]


class PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, address: str, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._ctx = context

    def connect(self) -> None:
        sock = open_socket(self._address, self.port, self.timeout)  # type: ignore[arg-type]
        self.sock = self._ctx.wrap_socket(sock, server_hostname=self.host)
