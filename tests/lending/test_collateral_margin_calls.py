"""Loan-to-value over haircut collateral values, and the margin call a valuation drop opens."""

from datetime import date
from decimal import Decimal

import pytest

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.lending.collateral import (
    INFINITE_LTV,
    CollateralItem,
    CollateralPolicy,
    CollateralPosition,
    CollateralType,
    MarginCallStatus,
    MarginEventKind,
    Valuation,
    collateral_item,
    loan_to_value,
    revalue,
    review_collateral,
)

POLICY = CollateralPolicy(ltv_threshold=Decimal("0.70"), cure_days=10)
FLAT = revalue(
    collateral_item("C1", CollateralType.PROPERTY), Valuation(date(2025, 1, 1), Fen(2_000_000))
)
SHARES = revalue(
    CollateralItem("C2", CollateralType.LISTED_SHARES, Decimal("0.5")),
    Valuation(date(2025, 1, 1), Fen(1_000_000)),
)


def test_ltv_uses_the_latest_valuation_less_the_haircut() -> None:
    # 2,000,000 × 0.7 + 1,000,000 × 0.5 = 1,900,000 of lending value
    assert loan_to_value(Fen(950_000), (FLAT, SHARES), date(2025, 1, 1)) == Decimal("0.5")
    dropped = revalue(SHARES, Valuation(date(2025, 2, 1), Fen(200_000)))
    assert loan_to_value(Fen(950_000), (FLAT, dropped), date(2025, 1, 31)) == Decimal("0.5")
    assert loan_to_value(Fen(1_500_000), (FLAT, dropped), date(2025, 2, 1)) == Decimal("1")
    assert loan_to_value(Fen(1), (), date(2025, 2, 1)) == INFINITE_LTV
    assert loan_to_value(Fen(0), (), date(2025, 2, 1)) == 0


def test_a_valuation_drop_opens_a_call_that_goes_unmet_after_its_deadline() -> None:
    outstanding = Fen(1_200_000)
    position = CollateralPosition("L1", (FLAT, SHARES))
    calm = review_collateral(position, outstanding, date(2025, 1, 10), POLICY)
    assert calm.events == () and calm.ltv < Decimal("0.7")
    crashed = CollateralPosition("L1", (FLAT, revalue(SHARES, Valuation(date(2025, 2, 1), Fen(0)))))
    opened = review_collateral(crashed, outstanding, date(2025, 2, 1), POLICY)
    (event,) = opened.events
    assert (event.kind, event.deadline) == (MarginEventKind.OPENED, date(2025, 2, 11))
    still_open = review_collateral(opened.position, outstanding, date(2025, 2, 11), POLICY)
    assert still_open.events == () and still_open.position.unmet_margin_calls == 0
    unmet = review_collateral(opened.position, outstanding, date(2025, 2, 12), POLICY)
    assert [e.kind for e in unmet.events] == [MarginEventKind.UNMET]
    assert unmet.position.unmet_margin_calls == 1
    cured = review_collateral(unmet.position, Fen(900_000), date(2025, 2, 20), POLICY)
    assert [e.kind for e in cured.events] == [MarginEventKind.CURED]
    assert cured.position.unmet_margin_calls == 0


def test_a_call_met_in_time() -> None:
    crashed = CollateralPosition("L1", (FLAT,))
    opened = review_collateral(crashed, Fen(1_500_000), date(2025, 2, 1), POLICY)
    met = review_collateral(opened.position, Fen(980_000), date(2025, 2, 5), POLICY)  # LTV 0.7
    assert [e.kind for e in met.events] == [MarginEventKind.MET]
    assert met.position.calls[-1].status is MarginCallStatus.MET


def test_bad_items_are_refused() -> None:
    with pytest.raises(Invalid):
        CollateralItem("C", CollateralType.VEHICLE, Decimal("1"))
    with pytest.raises(Invalid):
        revalue(FLAT, Valuation(date(2024, 12, 1), Fen(1)))
