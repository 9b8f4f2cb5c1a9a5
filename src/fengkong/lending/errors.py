"""Lending's domain errors; `api.errors` maps each kind (`Conflict`, `NotFound`) once."""

from __future__ import annotations

from fengkong.core.errors import Conflict, NotFound


class StaleLoan(Conflict):
    """The loan changed since it was read; the use case retries from a fresh read."""


class DuplicateKey(Conflict):
    """A unique key (idempotency key, application) was taken by a concurrent request."""


class NotApproved(Conflict):
    pass


class LoanNotFound(NotFound):
    pass


class LineNotFound(NotFound):
    pass


class OfferOverCap(Conflict):
    pass


__all__ = [
    "DuplicateKey",
    "LineNotFound",
    "LoanNotFound",
    "NotApproved",
    "OfferOverCap",
    "StaleLoan",
]
