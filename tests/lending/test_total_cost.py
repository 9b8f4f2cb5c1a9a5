"""Total cost = interest + scheduled fees + fees outside the schedule."""

from datetime import date
from decimal import Decimal

from fengkong.core.money import Fen, yuan_to_fen
from fengkong.lending.cost import total_cost
from fengkong.lending.schedule import equal_instalment


def test_textbook_loan() -> None:
    schedule = equal_instalment(Fen(1_000_000), Decimal("0.12"), 12, date(2025, 1, 15))
    assert total_cost(schedule) == yuan_to_fen("661.86")
    assert total_cost(schedule, Fen(20_000)) == yuan_to_fen("861.86")


def test_scheduled_fees_count() -> None:
    schedule = equal_instalment(
        Fen(1_000_000), Decimal("0.12"), 12, date(2025, 1, 15), fee=Fen(12_000)
    )
    assert [i.fee for i in schedule] == [1_000] * 12
    assert total_cost(schedule) == yuan_to_fen("661.86") + 12_000
