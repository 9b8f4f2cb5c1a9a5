"""The use of funds (贷款用途) as a loan's and a line's pages show it: the purpose stated, the
payee under entrusted payment (受托支付, masked), the receipts (发票/凭证) attached — each one
checked when it was attached (`use_of_funds.receipt_errors`), so a receipt shown is one that
held — what they cover, and by when they are due (docs/use-of-funds.md).

Read through `funds.fund_use_view`, the use case `GET /v1/loans/{id}/receipts` reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fengkong.bootstrap import Context
from fengkong.core.errors import Conflict
from fengkong.lending.funds import FundUseView, fund_use_view, rules_of
from fengkong.lending.records import LoanRecord
from fengkong.lending.use_of_funds import DEFAULT_PURPOSES, FORBIDDEN_PURPOSES, Purpose
from fengkong.web.i18n import N_, Language

# Where a payout's receipts stand, by `fund_status`.
FUND_STATUS = {
    "not_required": N_("No receipts asked for"),
    "not_paid": N_("Not paid out yet"),
    "complete": N_("Receipts cover the payout"),
    "awaiting": N_("Awaiting receipts"),
    "overdue": N_("Receipts overdue"),
}
RECEIPT_CHECKED = N_("Checked: amount, date and payee hold")


@dataclass(frozen=True, slots=True)
class FundUseShown:
    """One draw's or loan's use of funds, with its purpose in the page's language."""

    view: FundUseView
    purpose: str | None
    status: str  # a key of `FUND_STATUS`


def fund_status(view: FundUseView) -> str:
    """Where the payout's receipts stand: not asked for, not paid out, complete, overdue (the
    due date passed uncovered: the line rule freezes), else awaiting."""
    use, cover = view.use, view.coverage
    if not use.receipts_required:
        return "not_required"
    if use.paid_on is None:
        return "not_paid"
    if cover.complete:
        return "complete"
    return "overdue" if cover.overdue else "awaiting"


def purpose_label(code: str | None, listed: Sequence[Purpose], lang: Language) -> str | None:
    """The purpose's label as the product lists it, else as the usual ones; the code else."""
    if code is None:
        return None
    known = (*listed, *DEFAULT_PURPOSES, *FORBIDDEN_PURPOSES)
    found = next((p for p in known if p.code == code), None)
    if found is None:
        return code
    return found.zh if lang.tag == "zh-CN" else found.en


def fund_use_of(
    ctx: Context, loan_id: str, purposes: Sequence[Purpose], lang: Language
) -> FundUseShown | None:
    """A loan's (or draw's) use of funds, its purpose named from `purposes` (its product's);
    None while none is recorded (a loan states it when paid out, a draw when drawn)."""
    try:
        view = fund_use_view(loan_id, ctx.lending)
    except Conflict:
        return None
    return FundUseShown(view, purpose_label(view.use.purpose, purposes, lang), fund_status(view))


def loan_fund_use(ctx: Context, record: LoanRecord, lang: Language) -> FundUseShown | None:
    """`fund_use_of` a loan, under the use-of-funds rules of the product it was booked under."""
    purposes = rules_of(record.state, ctx.lending.config).purposes
    return fund_use_of(ctx, record.loan_id, purposes, lang)
