"""Invariants every schedule keeps, whatever the method, basis, amount, rate and term."""

from datetime import date
from decimal import Decimal
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.lending.daycount import DayCount
from fengkong.lending.schedule import Instalment, InterestBasis, RepaymentMethod, build_schedule


@st.composite
def first_dues(draw: st.DrawFn, start: date) -> date | None:
    offset = draw(st.none() | st.integers(min_value=1, max_value=62))
    return None if offset is None else date.fromordinal(start.toordinal() + offset)


@settings(max_examples=400)
@given(
    method=st.sampled_from(RepaymentMethod),
    basis=st.sampled_from(InterestBasis),
    day_count=st.sampled_from(DayCount),
    principal=st.integers(min_value=1, max_value=1_000_000_000),
    rate=st.decimals(min_value=0, max_value=Decimal("0.36"), places=6),
    terms=st.integers(min_value=1, max_value=60),
    fee=st.integers(min_value=0, max_value=10_000_000),
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    data=st.data(),
)
def test_schedule_invariants(
    method: RepaymentMethod,
    basis: InterestBasis,
    day_count: DayCount,
    principal: int,
    rate: Decimal,
    terms: int,
    fee: int,
    start: date,
    data: st.DataObject,
) -> None:
    first_due = data.draw(first_dues(start))
    schedule = build_schedule(
        method,
        Fen(principal),
        rate,
        terms,
        start,
        first_due,
        basis=basis,
        day_count=day_count,
        fee=Fen(fee),
    )
    assert len(schedule) == terms
    assert [i.number for i in schedule] == list(range(1, terms + 1))
    assert sum(i.principal for i in schedule) == principal
    assert sum(i.fee for i in schedule) == fee
    assert all(isinstance(i, Instalment) for i in schedule)
    for i in schedule:
        assert i.principal >= 0 and i.interest >= 0 and i.fee >= 0
        assert i.closing_principal == i.opening_principal - i.principal
        assert i.total == i.principal + i.interest + i.fee
    assert schedule[0].opening_principal == principal
    assert schedule[-1].closing_principal == 0
    for before, after in pairwise(schedule):
        assert after.opening_principal == before.closing_principal
        assert after.closing_principal <= before.closing_principal
        assert after.due > before.due
    assert schedule[0].due > start
    if first_due is not None:
        assert schedule[0].due == first_due
    if rate == 0:
        assert all(i.interest == 0 for i in schedule)
