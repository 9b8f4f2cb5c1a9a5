"""Scenarios are found by name; an unknown name is bad input naming the allowed ones. The
downturn starts in month 3 and, in the population, cuts newcomers' incomes and collateral."""

from datetime import date
from decimal import Decimal

import pytest

from fengkong.core.errors import Invalid
from fengkong.core.money import HALF_UP, to_fen
from fengkong.sim.model import Segment
from fengkong.sim.population import Population
from fengkong.sim.scenarios import BASELINE, DOWNTURN, SCENARIOS, scenario


def test_known_names() -> None:
    assert set(SCENARIOS) == {"baseline", "downturn"}
    assert scenario("baseline") is BASELINE and scenario("downturn") is DOWNTURN
    assert not any(BASELINE.active(m) for m in range(60))
    assert [DOWNTURN.active(m) for m in range(5)] == [False, False, False, True, True]
    assert DOWNTURN.hazard(2, Segment.SMALL_BUSINESS) == 1.0
    assert DOWNTURN.hazard(3, Segment.INDIVIDUAL) == 2.0
    assert DOWNTURN.hazard(3, Segment.SMALL_BUSINESS) == 3.0
    assert (DOWNTURN.income_cut, DOWNTURN.collateral_cut) == (Decimal("0.15"), Decimal("0.30"))
    assert DOWNTURN.description and BASELINE.description


def test_unknown_name_lists_the_allowed_values() -> None:
    with pytest.raises(Invalid) as caught:
        scenario("recession")
    (error,) = caught.value.errors
    assert error.loc == ("scenario",)
    assert error.allowed == ("baseline", "downturn")
    assert "'recession'" in error.msg and "'baseline'" in error.msg and "'downturn'" in error.msg


def test_downturn_cuts_newcomers_income_and_collateral_from_month_3() -> None:
    start = date(2027, 1, 1)
    calm, shocked = Population(4, BASELINE, start), Population(4, DOWNTURN, start)
    before = calm.arrivals(40, 80)  # February: month 1
    assert shocked.arrivals(40, 80) == before
    day = (date(2027, 4, 10) - start).days  # April: month 3
    pairs = [
        (a, b)
        for a, b in zip(calm.arrivals(day, 200), shocked.arrivals(day, 200), strict=True)
        if not a.is_fraud
    ]
    for a, b in pairs:
        assert a.key == b.key and a.identity == b.identity
        assert b.monthly_income == to_fen(Decimal(a.monthly_income) * Decimal("0.85"), HALF_UP)
        assert b.collateral_value <= a.collateral_value * 7 // 10
        assert (a.collateral_value > 0) == (b.collateral_value > 0)
    assert sum(a.collateral_value > 0 for a, _ in pairs) > 20
