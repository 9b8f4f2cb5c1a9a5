"""The repayment waterfall on a readable example: 10,000 yuan, 12 × 888.49, 12 % a year, penalty
18 % (1.5×), no grace, a 10-yuan late fee; nothing paid until 2025-03-20, so instalment 1 (due
02-15) is 33 days late and instalment 2 (due 03-15) 5 days late.

Penalty: 788.49 × 18 % × 33/360 = 13.01; 796.37 × 18 % × 5/360 = 1.99 (ACT/360, HALF_UP).
"""

from datetime import date

import pytest

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.lending.accrual import accrue
from fengkong.lending.loan import Component
from fengkong.lending.waterfall import Waterfall, WaterfallStyle, apply_repayment
from lending.servicing_helpers import loan

ON = date(2025, 3, 20)
STATE = accrue(loan(late_fee=1000), ON).state
BY_COMPONENT = Waterfall(style=WaterfallStyle.BY_COMPONENT)
INTEREST_FIRST = Waterfall(
    order=(Component.INTEREST, Component.PRINCIPAL, Component.PENALTY, Component.FEE)
)

#  payment  waterfall        allocation (instalment:component=fen)                          credit
CASES = [
    (1000, None, "1:penalty=1000", 0),
    (
        100000,
        None,
        "1:penalty=1301 1:fee=1000 1:interest=10000 1:principal=78849 "
        "2:penalty=199 2:fee=1000 2:interest=7651",
        0,
    ),
    (
        100000,
        BY_COMPONENT,
        "1:penalty=1301 2:penalty=199 1:fee=1000 2:fee=1000 "
        "1:interest=10000 2:interest=9212 1:principal=77288",
        0,
    ),
    (
        20000,
        INTEREST_FIRST,
        "1:interest=10000 1:principal=10000",
        0,
    ),
    (
        200000,
        None,
        "1:penalty=1301 1:fee=1000 1:interest=10000 1:principal=78849 "
        "2:penalty=199 2:fee=1000 2:interest=9212 2:principal=79637",
        18802,
    ),
]


def _lines(text: str) -> list[tuple[int, Component, int]]:
    parsed = []
    for item in text.split():
        where, amount = item.split("=")
        number, component = where.split(":")
        parsed.append((int(number), Component(component), int(amount)))
    return parsed


@pytest.mark.parametrize(("payment", "waterfall", "expected", "credit"), CASES)
def test_allocation_table(
    payment: int, waterfall: Waterfall | None, expected: str, credit: int
) -> None:
    result = apply_repayment(STATE, payment, ON, "r1", waterfall or Waterfall())
    (event,) = result.events
    allocation = event.allocation  # type: ignore[union-attr]
    got = [(line.instalment, line.component, line.amount) for line in allocation.lines]
    assert got == _lines(expected)
    assert allocation.to_credit == credit
    assert result.state.unapplied_credit == credit
    assert allocation.total == payment


def test_instalments_not_yet_due_are_not_paid_ahead() -> None:
    result = apply_repayment(STATE, 10_000_000, ON, "r1")
    assert all(p.paid.total == 0 for p in result.state.positions if p.due > ON)
    assert result.state.positions[2].outstanding.principal == 80434


def test_order_must_name_every_component_once() -> None:
    with pytest.raises(Invalid):
        Waterfall(order=(Component.PENALTY, Component.FEE, Component.INTEREST))
    with pytest.raises(Invalid):
        Waterfall(
            order=(Component.PENALTY, Component.PENALTY, Component.INTEREST, Component.PRINCIPAL)
        )


def test_the_penalty_and_late_fees_of_the_example() -> None:
    first, second = STATE.positions[0], STATE.positions[1]
    assert (first.charged.penalty, first.charged.fee) == (Fen(1301), Fen(1000))
    assert (second.charged.penalty, second.charged.fee) == (Fen(199), Fen(1000))
    assert second.charged.interest == 9212
