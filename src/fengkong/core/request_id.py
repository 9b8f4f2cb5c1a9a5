"""The id of the request being served, so an officer can follow a complaint from a log line to
the decision and audit records that request wrote.

The API sets it for each HTTP request (`api.metrics.MeasureRequests`: the caller's
`X-Request-ID` when it is sane, else a new one) and the stores that write decisions and audit
records read it (`db.repositories`, `db.ledger_repository`); the domain never sees it. It is a
context variable, so it follows the request into the thread a synchronous route runs on, and
never leaks into another request. Commands run from the CLI set none: what they write carries
no request id (null), and their audit records name their actor as before.
"""

from __future__ import annotations

import re
from contextvars import ContextVar, Token

from fengkong.core.clock import Clock
from fengkong.core.ids import new_id

HEADER = "X-Request-ID"
MAX_LENGTH = 64
# Letters, digits and `-_.:` (UUIDs, ULIDs, a proxy's ids): nothing that could forge a log
# line or a header, and short enough for its column.
_SANE = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_LENGTH}}}")

_CURRENT: ContextVar[str | None] = ContextVar("fengkong_request_id", default=None)
_EARLIER: ContextVar[str | None] = ContextVar("fengkong_earlier_attempt", default=None)


def current() -> str | None:
    """The id of the request this code serves; None outside a request (the CLI, batch jobs)."""
    return _CURRENT.get()


def serving(request_id: str) -> Token[str | None]:
    """Mark the code that runs from here, in this context, as serving `request_id`; pass the
    token to `done` when the request ends."""
    return _CURRENT.set(request_id)


def done(token: Token[str | None]) -> None:
    _CURRENT.reset(token)


def earlier_attempt() -> str | None:
    """The request id of an earlier attempt at the request being served (the same
    `Idempotency-Key` and body) whose worker died before it answered; None when there was none.
    What it committed, if anything, is the answer to give now."""
    return _EARLIER.get()


def resuming(request_id: str | None) -> Token[str | None]:
    """Mark the code that runs from here as repeating the attempt `request_id` that died; pass
    the token to `resumed` when the request ends."""
    return _EARLIER.set(request_id)


def resumed(token: Token[str | None]) -> None:
    _EARLIER.reset(token)


def is_sane(text: str) -> bool:
    """Whether `text` may be kept as a request id: 1 to 64 letters, digits or `-_.:`."""
    return _SANE.fullmatch(text) is not None


def new_request_id(clock: Clock) -> str:
    """`req_01JD…`: sorts by the time the request arrived, like the other ids."""
    return new_id("req", clock)


def accepted(header: str | None, clock: Clock) -> str:
    """The caller's id when it is sane, else a new one."""
    if header is not None and is_sane(header):
        return header
    return new_request_id(clock)
