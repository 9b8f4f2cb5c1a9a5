"""The economies a simulated run can play out in, by name: `baseline` (no shock) and `downturn`
(from the fourth month defaults rise, more for small businesses, and newcomers earn less and
pledge collateral worth less)."""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType

from fengkong.core.errors import FieldError, Invalid
from fengkong.sim.model import Scenario, Segment

BASELINE = Scenario(name="baseline", description="No shock: the economy stays as it starts.")

DOWNTURN = Scenario(
    name="downturn",
    starts_month=3,
    hazard_multiplier=MappingProxyType({Segment.INDIVIDUAL: 2.0, Segment.SMALL_BUSINESS: 3.0}),
    income_cut=Decimal("0.15"),
    collateral_cut=Decimal("0.30"),
    description=(
        "A downturn from the run's fourth month (month 3): the monthly default hazard doubles for "
        "individuals and triples for small businesses, newcomers' incomes are 15 % lower and the "
        "collateral they pledge is worth 30 % less."
    ),
)

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (BASELINE, DOWNTURN)}


def scenario(name: str) -> Scenario:
    """The scenario called `name`; an unknown name is bad input naming the allowed ones."""
    found = SCENARIOS.get(name)
    if found is None:
        allowed = tuple(sorted(SCENARIOS))
        message = f"unknown scenario {name!r}; must be one of " + ", ".join(map(repr, allowed))
        raise Invalid((FieldError(("scenario",), message, "enum", allowed),))
    return found


__all__ = ["BASELINE", "DOWNTURN", "SCENARIOS", "scenario"]
