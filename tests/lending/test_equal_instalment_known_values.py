"""等额本息 on a textbook loan: 10,000 yuan, 12 months, 12 % a year (1 % a month)."""

from datetime import date
from decimal import Decimal

from fengkong.core.money import Fen, yuan_to_fen
from fengkong.lending.schedule import equal_instalment

#  no  due         principal  interest  total   closing
TABLE = """
    1  2025-02-15  788.49     100.00    888.49  9211.51
    2  2025-03-15  796.37     92.12     888.49  8415.14
    3  2025-04-15  804.34     84.15     888.49  7610.80
    4  2025-05-15  812.38     76.11     888.49  6798.42
    5  2025-06-15  820.51     67.98     888.49  5977.91
    6  2025-07-15  828.71     59.78     888.49  5149.20
    7  2025-08-15  837.00     51.49     888.49  4312.20
    8  2025-09-15  845.37     43.12     888.49  3466.83
    9  2025-10-15  853.82     34.67     888.49  2613.01
   10  2025-11-15  862.36     26.13     888.49  1750.65
   11  2025-12-15  870.98     17.51     888.49  879.67
   12  2026-01-15  879.67     8.80      888.47  0.00
"""


def test_matches_the_published_table() -> None:
    schedule = equal_instalment(Fen(1_000_000), Decimal("0.12"), 12, date(2025, 1, 15))
    expected = [line.split() for line in TABLE.strip().splitlines()]
    assert len(schedule) == len(expected)
    for instalment, (number, due, principal, interest, total, closing) in zip(
        schedule, expected, strict=True
    ):
        assert instalment.number == int(number)
        assert instalment.due == date.fromisoformat(due)
        assert instalment.principal == yuan_to_fen(principal)
        assert instalment.interest == yuan_to_fen(interest)
        assert instalment.total == yuan_to_fen(total)
        assert instalment.closing_principal == yuan_to_fen(closing)
        assert instalment.fee == 0
    assert sum(i.interest for i in schedule) == yuan_to_fen("661.86")


def test_single_term_is_principal_plus_one_month_of_interest() -> None:
    (only,) = equal_instalment(Fen(1_000_000), Decimal("0.12"), 1, date(2025, 1, 15))
    assert (only.principal, only.interest, only.closing_principal) == (1_000_000, 10_000, 0)


def test_interest_ties_round_half_up_from_the_exact_value() -> None:
    # 600 fen × 13 % / 12 is exactly 6.5 fen; a rate rounded to 28 digits first would give 6.4999…
    schedule = equal_instalment(Fen(600), Decimal("0.13"), 1, date(2025, 1, 15))
    assert schedule[0].interest == 7
