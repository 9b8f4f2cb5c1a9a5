"""Lending's domain errors; `api.errors` maps each kind (`Conflict`, `NotFound`) once."""

from __future__ import annotations

from fengkong.core.errors import Conflict, Invalid, NotFound


class StaleLoan(Conflict):
    """The loan changed since it was read; the use case retries from a fresh read."""


class DuplicateKey(Conflict):
    """A unique key (idempotency key, application) was taken by a concurrent request."""


class NotApproved(Conflict):
    """The application was not approved, or still awaits an officer: nothing to offer."""


class LoanNotFound(NotFound):
    """No loan has that id."""


class LineNotFound(NotFound):
    """No credit line has that id."""


class OfferOverCap(Conflict):
    """The offer's APR is over the configured cap (`LendingConfig.apr_cap`): it is not made."""


class PaymentExceedsAmountDue(Invalid):
    """A payment above what settles the loan today plus the configured overpayment allowance,
    or above the configured largest payment (`LendingConfig.overpayment_allowance`,
    `LendingConfig.max_payment`): refused, not kept as credit."""

    title = "Payment exceeds the amount due"
    type_slug = "payment-exceeds-amount-due"


__all__ = [
    "DuplicateKey",
    "LineNotFound",
    "LoanNotFound",
    "NotApproved",
    "OfferOverCap",
    "PaymentExceedsAmountDue",
    "StaleLoan",
]
