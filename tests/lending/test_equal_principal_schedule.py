"""等额本金: level principal, interest on the falling balance, last part takes the rounding."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.lending.schedule import equal_principal

#  no  due         principal  interest  closing   (fen; 1,000,000 at 12 % over 3 months)
TABLE = """
    1  2025-02-28  333333     10000     666667
    2  2025-03-31  333333     6667      333334
    3  2025-04-30  333334     3333      0
"""


def test_matches_hand_computed_table() -> None:
    schedule = equal_principal(Fen(1_000_000), Decimal("0.12"), 3, date(2025, 1, 31))
    rows = [tuple(line.split()) for line in TABLE.strip().splitlines()]
    got = [
        (
            str(i.number),
            i.due.isoformat(),
            str(i.principal),
            str(i.interest),
            str(i.closing_principal),
        )
        for i in schedule
    ]
    assert got == rows


def test_tiny_principal_is_paid_off_early_not_overpaid() -> None:
    # 3 fen over 6 months: 0.5 fen a month rounds up to 1, so it is gone after three.
    schedule = equal_principal(Fen(3), Decimal("0.12"), 6, date(2025, 1, 31))
    assert [i.principal for i in schedule] == [1, 1, 1, 0, 0, 0]


@given(
    principal=st.integers(min_value=1, max_value=1_000_000_000),
    rate=st.decimals(min_value=0, max_value=Decimal("0.36"), places=6),
    terms=st.integers(min_value=1, max_value=60),
)
def test_parts_are_level_and_interest_follows_balance(
    principal: int, rate: Decimal, terms: int
) -> None:
    schedule = equal_principal(Fen(principal), rate, terms, date(2025, 5, 20))
    level = int(Fraction(principal, terms) + Fraction(1, 2))
    for instalment in schedule[:-1]:
        assert instalment.principal == min(level, instalment.opening_principal)
    r = Fraction(rate) / 12
    for instalment in schedule:
        assert instalment.interest == int(instalment.opening_principal * r + Fraction(1, 2))
    interests = [i.interest for i in schedule]
    assert interests == sorted(interests, reverse=True)
