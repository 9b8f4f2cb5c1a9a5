"""Early settlement (提前结清) of 10,000 yuan, 12 × 888.49, settled on 2025-03-01 with instalment 1
(due 02-15) paid on time: 9,211.51 principal left, half of instalment 2's 92.12 interest earned."""

from datetime import date
from decimal import Decimal

import pytest

from fengkong.lending.loan import FeeCharged, FeeKind, LoanStatus
from fengkong.lending.waterfall import (
    SettlementInterest,
    SettlementRule,
    SettlementShort,
    apply_repayment,
    settle,
    settlement_quote,
)
from lending.servicing_helpers import loan

ON = date(2025, 3, 1)
PAID_ON_TIME = apply_repayment(loan(), 88_849, date(2025, 2, 15), "r1").state

#  rule                                   principal  interest  prepayment fee  total
CASES = [
    (SettlementRule(), 921_151, 4_606, 0, 925_757),
    (
        SettlementRule(interest=SettlementInterest.CURRENT_PERIOD),
        921_151,
        9_212,
        0,
        930_363,
    ),
    (SettlementRule(prepayment_fee_rate=Decimal("0.01")), 921_151, 4_606, 9_212, 934_969),
]


@pytest.mark.parametrize(("rule", "principal", "interest", "fee", "total"), CASES)
def test_quote_table(
    rule: SettlementRule, principal: int, interest: int, fee: int, total: int
) -> None:
    quote = settlement_quote(PAID_ON_TIME, ON, rule)
    assert (quote.principal, quote.interest, quote.prepayment_fee, quote.total) == (
        principal,
        interest,
        fee,
        total,
    )
    settled = settle(PAID_ON_TIME, quote.payable, ON, "s1", rule)
    assert settled.state.status is LoanStatus.SETTLED
    assert settled.state.outstanding.total == 0
    assert settled.state.unapplied_credit == 0
    fees = [e for e in settled.events if isinstance(e, FeeCharged)]
    assert [(f.kind, f.amount) for f in fees] == ([(FeeKind.PREPAYMENT, fee)] if fee else [])


def test_a_settled_loan_accrues_nothing_more() -> None:
    quote = settlement_quote(PAID_ON_TIME, ON)
    settled = settle(PAID_ON_TIME, quote.payable, ON, "s1").state
    assert settled.positions[-1].interest_to_accrue == 0
    assert settled.closed_on == ON


def test_credit_counts_towards_the_settlement() -> None:
    with_credit = apply_repayment(PAID_ON_TIME, 100_000, ON, "r2").state
    assert with_credit.unapplied_credit == 100_000
    quote = settlement_quote(with_credit, ON)
    assert quote.payable == quote.total - 100_000
    settled = settle(with_credit, quote.payable, ON, "s1").state
    assert settled.status is LoanStatus.SETTLED and settled.unapplied_credit == 0


def test_short_settlement_is_refused() -> None:
    quote = settlement_quote(PAID_ON_TIME, ON)
    with pytest.raises(SettlementShort):
        settle(PAID_ON_TIME, quote.payable - 1, ON, "s1")
