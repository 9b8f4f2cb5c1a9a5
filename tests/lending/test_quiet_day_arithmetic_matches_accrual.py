"""The quiet day's column arithmetic is the accrual's and the allowance's: for random instalments,
dates, day counts where the year fraction is a day ratio, and provision and reserve rates, the
interest earned through the day equals `interest_accrued_through` and the allowance and reserve
equal `share`, to the fen."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.lending.accrual import interest_accrued_through
from fengkong.lending.daycount import DayCount, day_ratio_basis
from fengkong.lending.delinquency import LoanClass
from fengkong.lending.loan import Components, InstalmentPosition, LoanTerms
from fengkong.lending.posting import share
from fengkong.lending.product import LateFee
from fengkong.lending.quiet import QUIET_COLUMNS, quiet_day
from fengkong.lending.schedule import Instalment, InterestBasis, RepaymentMethod
from fengkong.lending.service import DEFAULT_PROVISION_RATES, LendingConfig

rates = st.decimals(min_value=0, max_value=Decimal("0.5"), places=4)
case = st.tuples(
    st.integers(min_value=1, max_value=400),  # days from the period start to the day
    st.integers(min_value=1, max_value=400),  # days from the day to the due date
    st.integers(min_value=0, max_value=50_000_000),  # scheduled interest
    st.integers(min_value=0, max_value=5_000_000),  # waived
    st.integers(min_value=0, max_value=10**11),  # outstanding before the day
    st.integers(min_value=1, max_value=10**11),  # principal
)


def _terms(day_count: DayCount, start: date) -> LoanTerms:
    return LoanTerms(
        principal=Fen(1),
        annual_rate=Decimal("0.1"),
        penalty_annual_rate=Decimal("0.15"),
        day_count=day_count,
        interest_basis=InterestBasis.DAILY,
        repayment_method=RepaymentMethod.EQUAL_INSTALMENT,
        grace_days=0,
        late_fee=LateFee(),
        disbursed_on=start,
    )


@settings(max_examples=150, deadline=None)
@given(
    on=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    day_count=st.sampled_from(list(DayCount)),
    cases=st.lists(case, min_size=1, max_size=30),
    normal_rate=rates,
    reserve_rate=rates,
    charged_share=st.fractions(min_value=0, max_value=1),
)
def test_quiet_figures_equal_accrual_and_share(
    on: date,
    day_count: DayCount,
    cases: list[tuple[int, int, int, int, int, int]],
    normal_rate: Decimal,
    reserve_rate: Decimal,
    charged_share: object,
) -> None:
    config = LendingConfig(
        provision_rates={**DEFAULT_PROVISION_RATES, LoanClass.NORMAL: normal_rate},
        reserve_rate=reserve_rate,
    )
    rows, expected = [], []
    for k, (before, after, interest, waived, outstanding, principal) in enumerate(cases):
        start, due = on - timedelta(days=before), on + timedelta(days=after)
        if not day_ratio_basis(start, due, day_count):
            continue
        waived = min(waived, interest)
        yesterday = interest_accrued_through(
            _position(start, due, interest, waived, 0),
            on - timedelta(days=1),
            _terms(day_count, start),
        )
        charged = int(yesterday * charged_share)  # type: ignore[operator]
        position = _position(start, due, interest, waived, charged)
        earned = interest_accrued_through(position, on, _terms(day_count, start))
        accrued = max(0, earned - charged)
        rows.append(
            (
                f"L{k}",
                0,
                start,
                due,
                interest,
                interest - waived,
                charged,
                outstanding,
                0,
                0,
                principal,
            )
        )
        expected.append(
            (
                charged + accrued,
                outstanding + accrued,
                share(outstanding + accrued, normal_rate),
                share(principal, reserve_rate),
                accrued,
            )
        )
    if not rows:
        return
    frame = pl.DataFrame(rows, schema=list(QUIET_COLUMNS), orient="row")
    got = quiet_day(frame, on, config).select(
        "charged", "outstanding", "allowance", "reserve", "accrued"
    )
    assert got.rows() == expected


def _position(
    start: date, due: date, interest: int, waived: int, charged: int
) -> InstalmentPosition:
    return InstalmentPosition(
        instalment=Instalment(1, due, Fen(100), Fen(interest), Fen(0), Fen(100), Fen(0)),
        period_start=start,
        charged=Components(principal=Fen(100), interest=Fen(charged)),
        interest_waived=Fen(waived),
    )
