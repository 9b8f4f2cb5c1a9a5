"""A 0 % loan (promotional, interest-free instalments) charges no interest under every method."""

from datetime import date
from decimal import Decimal

import pytest

from fengkong.core.money import Fen
from fengkong.lending.schedule import InterestBasis, RepaymentMethod, build_schedule


@pytest.mark.parametrize("method", list(RepaymentMethod))
@pytest.mark.parametrize("basis", list(InterestBasis))
def test_no_interest(method: RepaymentMethod, basis: InterestBasis) -> None:
    schedule = build_schedule(
        method, Fen(100_000), Decimal(0), 7, date(2025, 1, 31), date(2025, 2, 20), basis=basis
    )
    assert all(i.interest == 0 for i in schedule)
    assert sum(i.total for i in schedule) == 100_000


def test_equal_instalment_at_zero_is_an_even_split() -> None:
    # 1,000.00 yuan / 7 = 142.857… → 142.86 six times, the last takes 142.84.
    schedule = build_schedule(
        RepaymentMethod.EQUAL_INSTALMENT, Fen(100_000), Decimal(0), 7, date(2025, 1, 31)
    )
    assert [i.total for i in schedule] == [14_286] * 6 + [14_284]
