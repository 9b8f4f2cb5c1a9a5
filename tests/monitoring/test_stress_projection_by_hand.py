"""The stress projection on a tiny book, every figure worked out by hand: hazard from PD,
defaults along the run-off, losses at LGD after collateral, provisions by five-tier rates with
defaults aging month by month, coverage and capital need; the expected collections; and the
scenarios' checks, naming what is allowed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fengkong.core.money import Fen
from fengkong.lending.config import DEFAULT_PROVISION_RATES
from fengkong.monitoring.figures import ClassMix, SegmentFigures
from fengkong.monitoring.scenario import (
    BadScenario,
    StressScenario,
    load_scenario_text,
    shipped_names,
    shipped_scenario,
)
from fengkong.monitoring.stress import (
    Cell,
    amortisation,
    cell_of,
    expected_collections,
    monthly_hazard,
    project,
    segment_pd,
)
from fengkong.monitoring.stress_report import add_months, month_windows

RATES = DEFAULT_PROVISION_RATES  # normal 1 %, special mention 2 %, substandard 25 %, …
LGD = Decimal("0.45")
# A PD whose monthly hazard is exactly 1 %: 1 − 0.99¹².
PD_ONE_PERCENT = 1 - Decimal("0.99") ** 12


def _performing() -> Cell:
    """¥10 000 normal, half of it scheduled to run off in month 1 and the rest in month 2;
    ¥50 allowance and ¥150 reserve held."""
    return Cell(
        segment="600-649",
        ead=Fen(1_000_000),
        performing={"normal": Fen(1_000_000), "special_mention": Fen(0)},
        defaulted={"substandard": Fen(0), "doubtful": Fen(0), "loss": Fen(0)},
        pd=PD_ONE_PERCENT,
        held=Fen(20_000),
        amortisation=(Decimal(1), Decimal("0.5"), Decimal(0)),
    )


def _defaulted() -> Cell:
    """¥1 000 special mention, ¥1 000 substandard, no PD, ¥1 000 of collateral lending value."""
    return Cell(
        segment="<500",
        ead=Fen(200_000),
        performing={"normal": Fen(0), "special_mention": Fen(100_000)},
        defaulted={"substandard": Fen(100_000), "doubtful": Fen(0), "loss": Fen(0)},
        pd=Decimal(0),
        held=Fen(30_000),
        collateral=Fen(100_000),
    )


def test_the_hazard_of_a_pd() -> None:
    assert abs(monthly_hazard(PD_ONE_PERCENT) - Decimal("0.01")) < Decimal("1e-20")
    assert monthly_hazard(Decimal(1)) == 1 and monthly_hazard(Decimal(0)) == 0


def test_a_performing_cell_by_hand() -> None:
    p = project([_performing()], StressScenario(name="baseline"), LGD, 2, RATES)
    (cell,) = p.cells
    one, two = cell.months
    # Month 1: ¥10 000 × 1 % defaults; its loss at 0.45; ¥10 000 × 0.5 × 0.99 performs on.
    assert (one.defaults_fen, one.loss_fen, one.performing_fen) == (10_000, 4_500, 495_000)
    # Provisions: 495 000 × 1 % (normal) + the 10 000 default at 91 days (substandard, 25 %).
    assert one.required_provisions_fen == 4_950 + 2_500
    # Month 2: 1 000 000 × 0.5 × 0.99 × 1 % = 4 950 defaults, loss 2 227.5 → 2 228 (half-up).
    assert (two.defaults_fen, two.loss_fen, two.cumulative_loss_fen) == (4_950, 2_228, 6_728)
    assert (two.performing_fen, two.defaulted_fen) == (0, 14_950)
    # Both defaults substandard still (121 and 91 days): 25 % of 14 950 = 3 737.5 → 3 738.
    assert two.required_provisions_fen == 3_738
    first, last = p.months
    assert first.coverage == Decimal("4.444444")  # 20 000 / 4 500
    assert last.coverage == Decimal("2.972652")  # 20 000 / 6 728
    # Capital: no loss beyond what is held; 8 % × risk weight 1 × what is on the books, the
    # defaults included (none is written off).
    assert (first.capital_need_fen, last.capital_need_fen) == (40_400, 1_196)
    assert first.shortfall_fen == last.shortfall_fen == 0


def test_a_defaulted_cell_with_collateral_under_a_haircut() -> None:
    shock = StressScenario(name="shock", collateral_haircut=Decimal("0.5"))
    p = project([_defaulted()], shock, LGD, 2, RATES)
    (cell,) = p.cells
    # Collateral ¥1 000 at half its value covers 500 / 2 000 of the exposure: LGD 0.45 × 0.75.
    assert cell.lgd == Decimal("0.3375")
    one, two = cell.months
    # Today's substandard ¥1 000 is lost at that LGD in month 1; no PD, no new default.
    assert (one.loss_fen, two.loss_fen, two.cumulative_loss_fen) == (33_750, 0, 33_750)
    # Special mention 2 % of 100 000 (no schedule: no run-off) + substandard 25 % of 100 000.
    assert one.required_provisions_fen == two.required_provisions_fen == 2_000 + 25_000
    assert p.months[0].shortfall_fen == 0  # 27 000 required, 30 000 held
    # 33 750 lost, 30 000 held: 3 750 beyond; + 8 % of the 200 000 on the books.
    assert p.months[0].capital_need_fen == 3_750 + 16_000


def test_the_multipliers_and_income_shock_raise_the_pd_and_the_loss() -> None:
    book = [_performing(), _defaulted()]
    calm = project(book, StressScenario(name="calm"), LGD, 2, RATES)
    shock = StressScenario(
        name="shock",
        by="score_band",
        default_multiplier=Decimal(2),
        multipliers={"<500": Decimal(3)},
        income_shock=Decimal("0.1"),
        income_elasticity=Decimal(1),
    )
    hit = project(book, shock, LGD, 2, RATES)
    performing, defaulted = hit.cells
    assert performing.multiplier == 2 and defaulted.multiplier == 3
    assert performing.stressed_pd == PD_ONE_PERCENT * 2 * Decimal("1.1")
    assert hit.projected_loss_fen > calm.projected_loss_fen
    # The book's months are the sums of its cells'.
    assert hit.months[0].figures.loss_fen == sum(c.months[0].loss_fen for c in hit.cells)
    assert hit.held_fen == 50_000 and hit.ead_fen == 1_200_000
    capped = StressScenario(name="capped", default_multiplier=Decimal(100))
    (cell,) = project([_performing()], capped, LGD, 1, RATES).cells
    assert cell.stressed_pd == 1 and cell.hazard == 1
    assert cell.months[0].defaults_fen == 1_000_000


def test_a_cell_from_its_snapshot_figures() -> None:
    classes = {
        "normal": ClassMix(3, Fen(700_000)),
        "special_mention": ClassMix(1, Fen(100_000)),
        "substandard": ClassMix(1, Fen(200_000)),
        "doubtful": ClassMix(0, Fen(0)),
        "loss": ClassMix(0, Fen(0)),
    }
    f = SegmentFigures(
        active_loans=5,
        outstanding_fen=Fen(1_000_000),
        overdue_loans=2,
        overdue_fen=Fen(300_000),
        m1_plus_fen=Fen(200_000),
        m3_plus_fen=Fen(200_000),
        written_off_loans=0,
        written_off_fen=Fen(0),
        classes=classes,
        expected_loss_fen=Fen(36_000),  # PD 10 % × 0.45 × the 800 000 with a PD
        no_pd_loans=1,
        no_pd_fen=Fen(200_000),
        allowance_fen=Fen(60_000),
        reserve_fen=Fen(15_000),
    )
    assert segment_pd(f, LGD) == Decimal("0.1")
    cell = cell_of("cash_loan", f, LGD, None, Fen(5), amortisation([800, 400], 2))
    assert cell.pd == Decimal("0.1") and cell.held == 75_000 and cell.collateral == 5
    assert sum(cell.performing.values()) == 800_000 and cell.defaulted["substandard"] == 200_000
    assert cell.amortisation == (1, Decimal("0.5"), 0)  # nothing scheduled after month 1
    empty = SegmentFigures(**_zeroed(f))  # type: ignore[arg-type]
    assert cell_of("x", empty, LGD, Decimal("0.2")).pd == Decimal("0.2")  # the book's PD
    assert cell_of("x", empty, LGD, None).pd == 0
    assert amortisation([], 2) == (1, 1, 1)  # no schedule: no run-off


def _zeroed(f: SegmentFigures) -> dict[str, object]:
    return {
        name: getattr(f, name)
        for name in SegmentFigures.__dataclass_fields__
        if name not in ("expected_loss_fen", "no_pd_fen")
    } | {"expected_loss_fen": Fen(0), "no_pd_fen": f.outstanding_fen}


def test_expected_collections_by_hand() -> None:
    p = project([_performing()], StressScenario(name="baseline"), LGD, 2, RATES)
    # ¥1 000 due each month; month 2's only from the 99 % that did not default in month 1;
    # 10 % of what is current rolls past due each month.
    due = {"600-649": [100_000, 100_000], "650+": [50_000, 0]}
    assert expected_collections(due, p.cells, Decimal("0.1")) == [90_000 + 45_000, 89_100]
    assert expected_collections(due, p.cells, None) == [150_000, 99_000]


def test_months_after_a_date() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 2, 28), 1) == date(2026, 3, 31)  # a month end stays one
    assert add_months(date(2026, 1, 15), 13) == date(2027, 2, 15)
    assert month_windows(date(2026, 1, 15), 2) == [
        (date(2026, 1, 16), date(2026, 2, 15)),
        (date(2026, 2, 16), date(2026, 3, 15)),
    ]


def test_the_shipped_scenarios_read_and_grow_harsher() -> None:
    assert shipped_names() == ("baseline", "downturn", "severe")
    base, down, severe = (shipped_scenario(n) for n in shipped_names())
    assert base.default_multiplier == 1 and base.income_factor == 1 and base.by is None
    assert down.by == "score_band" and down.multiplier("650+") == 2
    assert down.multiplier("<500") == 3 and down.income_factor == Decimal("1.15")
    assert down.collateral_haircut == Decimal("0.30") and down.lgd is None
    assert severe.income_factor == Decimal("1.375") and severe.lgd == Decimal("0.60")
    for band in ("<500", "550-599", "650+", "none"):
        assert base.multiplier(band) < down.multiplier(band) < severe.multiplier(band)


@pytest.mark.parametrize(
    ("text", "loc", "allowed"),
    [
        ("name: x\npd_multipliers: {by: industry}\n", "pd_multipliers.by", "score_band"),
        ("name: x\npd_multipliers: {default: -0.5}\n", "pd_multipliers.default", None),
        ("name: x\npd_multipliers: {by: score_band, segments: {'700+': 2}}\n", "700+", None),
        ("name: x\npd_multipliers: {by: region, segments: {Jiangsu: 2}}\n", "Jiangsu", None),
        ("name: x\npd_multipliers: {segments: {a: 2}}\n", "pd_multipliers.by", "vintage"),
        ("name: x\npd_multipliers: {by: product, factor: 2}\n", "factor", "segments"),
        ("name: x\nshock: 0.1\n", "shock", "income_shock"),
        ("name: x\ncollateral_haircut: 1.5\n", "collateral_haircut", None),
        ("name: x\nhorizon_months: 0\n", "horizon_months", None),
        ("name: Big Bad\n", "name", None),
        ("- a list\n", "scenario", None),
        ("name: [x\n", "scenario_file", None),
    ],
)
def test_a_bad_scenario_names_what_is_wrong_and_what_is_allowed(
    text: str, loc: str, allowed: str | None
) -> None:
    with pytest.raises(BadScenario) as caught:
        load_scenario_text(text, "mine.yaml")
    errors = caught.value.errors
    assert any(loc in ".".join(map(str, e.loc)) for e in errors), errors
    assert all(e.msg.startswith("mine.yaml") for e in errors)
    if allowed is not None:
        assert any(e.allowed and allowed in e.allowed for e in errors), errors


def test_an_unknown_shipped_scenario_names_the_shipped_ones() -> None:
    with pytest.raises(BadScenario) as caught:
        shipped_scenario("apocalypse")
    (error,) = caught.value.errors
    assert error.allowed == ("baseline", "downturn", "severe") and "downturn" in error.msg
