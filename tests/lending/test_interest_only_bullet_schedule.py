"""先息后本: the same interest every month, the whole principal at the end."""

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.lending.schedule import interest_only_bullet


def test_six_months_at_twelve_percent() -> None:
    schedule = interest_only_bullet(Fen(1_000_000), Decimal("0.12"), 6, date(2025, 1, 31))
    assert [i.interest for i in schedule] == [10_000] * 6
    assert [i.principal for i in schedule] == [0, 0, 0, 0, 0, 1_000_000]
    assert [i.closing_principal for i in schedule] == [1_000_000] * 5 + [0]
    assert schedule[-1].total == 1_010_000


def test_exact_half_fen_rounds_up() -> None:
    # 600 fen × 13 % / 12 = 6.5 fen exactly.
    schedule = interest_only_bullet(Fen(600), Decimal("0.13"), 2, date(2025, 1, 31))
    assert [i.interest for i in schedule] == [7, 7]


@given(
    principal=st.integers(min_value=1, max_value=1_000_000_000),
    rate=st.decimals(min_value=0, max_value=Decimal("0.36"), places=6),
    terms=st.integers(min_value=1, max_value=60),
)
def test_interest_is_level(principal: int, rate: Decimal, terms: int) -> None:
    schedule = interest_only_bullet(Fen(principal), rate, terms, date(2025, 1, 31))
    assert len({i.interest for i in schedule}) == 1
    assert schedule[-1].principal == principal
