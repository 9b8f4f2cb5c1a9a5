"""还款 on a credit line: a repayment of one of the line's draws, which restores what it makes
available again.

Each draw is its own loan, so the repayment is the loan's (`repayment.post_repayment`, with its
idempotency key, waterfall, journal and audit); this use case only makes sure the draw belongs to
the line named, and answers with the line as the repayment left it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import CURRENCY
from fengkong.lending.credit_lines import get_line
from fengkong.lending.line import CreditLine
from fengkong.lending.origination import get_loan
from fengkong.lending.repayment import RepaymentPosted, post_repayment
from fengkong.lending.services import SYSTEM, LendingServices

__all__ = ["LineRepayment", "repay_draw"]


@dataclass(frozen=True, slots=True)
class LineRepayment:
    line: CreditLine
    repayment: RepaymentPosted


def repay_draw(
    line_id: str,
    draw_id: str,
    amount: int,
    idempotency_key: str,
    svc: LendingServices,
    *,
    currency: str = CURRENCY,
    actor: str = SYSTEM,
) -> LineRepayment:
    """Repay `amount` fen on draw `draw_id` of line `line_id` (the line may be frozen or closed:
    repayments on existing draws go on whatever the line's status)."""
    if not isinstance(draw_id, str) or not draw_id.strip():
        raise Invalid((FieldError(("draw_id",), "names the draw (its loan id) to repay"),))
    get_line(line_id, svc)  # LineNotFound before anything else
    if get_loan(draw_id.strip(), svc).record.line_id != line_id:
        raise Invalid((FieldError(("draw_id",), f"{draw_id} is not a draw on line {line_id}"),))
    posted = post_repayment(
        draw_id.strip(), amount, idempotency_key, svc, currency=currency, actor=actor
    )
    return LineRepayment(get_line(line_id, svc), posted)
