"""Who is acting and from where, for the audit log, inside and outside requests.

The middleware sets it per request; CLI commands and jobs set it with `acting_as`. Actions still take
`acting_user` explicitly (as Zulip's do); this only supplies the address and the request id.
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    address: str = ""
    request_id: str = ""
    channel: str = "system"  # web | api | cli | job | system


_DEFAULT = RequestContext()
_current: contextvars.ContextVar[RequestContext] = contextvars.ContextVar("taizhang_request", default=_DEFAULT)


def current() -> RequestContext:
    return _current.get()


@contextlib.contextmanager
def acting_as(channel: str, address: str = "") -> Iterator[RequestContext]:
    ctx = RequestContext(address=address, request_id=uuid.uuid4().hex[:16], channel=channel)
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def set_current(ctx: RequestContext) -> contextvars.Token[RequestContext]:
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext]) -> None:
    _current.reset(token)
