"""调额: `relimit` lowers a limit as `reduce` does, and raises it (提额) only by an officer, on an
active line, within the product's largest amount; each change records its reason."""

from datetime import date
from decimal import Decimal

import pytest

from fengkong.core.errors import Invalid
from fengkong.lending.line import (
    CreditLine,
    LineChangeKind,
    LineClosed,
    LineFrozen,
    close,
    draw,
    freeze,
    open_line,
    relimit,
)
from fengkong.lending.product import ProductKind
from lending.servicing_helpers import product

ON = date(2025, 1, 15)


def new_line(limit: int = 1_000_000) -> CreditLine:
    return open_line("LN1", product(kind=ProductKind.REVOLVING_LINE), limit, Decimal("0.18"), ON)


def test_a_raise_is_recorded_with_officer_and_reason() -> None:
    drawn = draw(new_line(), 600_000, 3, ON, "D1").line
    raised = relimit(drawn, 1_500_000, "six months on time", ON, " li.wei ")
    assert (raised.limit, raised.available) == (1_500_000, 900_000)
    last = raised.history[-1]
    assert (last.kind, last.reason, last.officer) == (
        LineChangeKind.RAISED,
        "six months on time",
        "li.wei",
    )
    assert (last.limit_before, last.limit_after) == (1_000_000, 1_500_000)


def test_lowering_is_a_reduction_even_below_what_is_drawn() -> None:
    drawn = draw(new_line(), 600_000, 3, ON, "D1").line
    lowered = relimit(drawn, 500_000, "income fell", ON, "li.wei")
    assert lowered.history[-1].kind is LineChangeKind.REDUCED
    assert (lowered.limit, lowered.available) == (500_000, 0)


def test_refused_raises() -> None:
    line = new_line()
    largest = line.product.max_amount
    with pytest.raises(Invalid, match="officer"):
        relimit(line, 2_000_000, "rule", ON, "")
    with pytest.raises(Invalid, match="over the product"):
        relimit(line, largest + 1, "big", ON, "li.wei")
    with pytest.raises(Invalid, match="already the limit"):
        relimit(line, 1_000_000, "same", ON, "li.wei")
    with pytest.raises(Invalid, match="reason"):
        relimit(line, 2_000_000, "  ", ON, "li.wei")
    with pytest.raises(Invalid):
        relimit(line, -1, "negative", ON, "li.wei")
    with pytest.raises(LineFrozen):
        relimit(freeze(line, "DPD 31", ON), 2_000_000, "raise", ON, "li.wei")
    with pytest.raises(LineClosed):
        relimit(close(line, "asked", ON), 500_000, "lower", ON, "li.wei")
