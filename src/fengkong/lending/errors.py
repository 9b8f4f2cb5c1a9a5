"""Lending's domain errors; `api.errors` maps each kind (`Conflict`, `NotFound`) once."""

from __future__ import annotations

from datetime import date

from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound


class StaleLoan(Conflict):
    """The loan changed since it was read; the use case retries from a fresh read."""


class DuplicateKey(Conflict):
    """A unique key (idempotency key, application) was taken by a concurrent request."""


class NotApproved(Conflict):
    """The application was not approved, or still awaits an officer: nothing to offer."""


class SecuredOfferNotForLines(Invalid):
    """An offer conditional on security (approve if secured) taken for a credit line: only an
    instalment loan holds a guarantor or collateral, so the line is not opened on it (422, the
    CLI's exit 2: the application is the wrong input for a line)."""

    title = "A secured offer cannot open a credit line"
    type_slug = "secured-offer-not-for-lines"

    def __init__(self, application_id: str) -> None:
        message = (
            f"application {application_id} was approved on condition of security, which only "
            "an instalment loan takes: a credit line cannot be opened on it / 该申请为附担保条件"
            "批准，仅可用于分期贷款，不能开立循环额度"
        )
        super().__init__(
            (FieldError(("application_id",), message, "secured_offer_not_for_lines"),), message
        )


class SecuredOfferLapsed(Conflict):
    """An approve-if-secured offer past its last date (`secured_offer.expires_on`): it can no
    longer be secured nor accepted; the applicant applies again."""

    title = "The conditional offer lapsed"
    type_slug = "secured-offer-lapsed"

    def __init__(self, application_id: str, last: date, *, secured: bool = False) -> None:
        what = "secured but not accepted" if secured else "neither secured nor accepted"
        super().__init__(
            f"the offer on application {application_id} lapsed: {what} by its last date "
            f"{last.isoformat()} / 该附担保条件的批准已于 {last.isoformat()} 失效，不能再登记担保或"
            "接受，请重新申请"
        )


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
    "SecuredOfferLapsed",
    "SecuredOfferNotForLines",
    "StaleLoan",
]
