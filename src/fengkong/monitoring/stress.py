"""Stress projection, pure: a scenario (`scenario.StressScenario`) applied to the book of a date,
month by month over its horizon; and the collections the schedules expect against those made.

The book is a set of **cells**, one per segment of the scenario's dimension (the whole book
when it names none), each read from the date's snapshot (`cell_of`):

- EAD: the cell's principal outstanding; *performing* = its normal and special-mention balance,
  *defaulted* = substandard, doubtful and loss (the five-tier non-performing classes).
- PD: the cell's balance-weighted 12-month PD, expected loss / (LGD × balance with a PD), as the
  snapshot stored them; a cell without one takes the book's.
- Stressed PD = min(1, PD × multiplier of the segment × (1 + elasticity × income shock)); the
  monthly default hazard h = 1 − (1 − PD)^(1/12), constant over the horizon.
- Exposure amortises along the loans' schedules: a(m) = scheduled principal of the cell's loans
  at the end of month m / at the date (`amortisation`); performing balance P(m) = P(0) · a(m) ·
  (1 − h)^m, and the defaults of month m are P(0) · a(m−1) · (1 − h)^(m−1) · h.
- LGD after collateral: LGD × (1 − min(1, collateral / EAD)), collateral being the cell's items'
  lending values (valuation × (1 − item haircut)) × (1 − scenario haircut), each loan's capped at
  the principal it was lent.
- Losses: defaults × LGD; today's defaulted balance counts as lost at LGD in the first month.
- Required provisions at the end of month m: the performing balance at today's normal /
  special-mention mix and rates; today's defaulted balance at its classes' rates; each month's
  new defaults classed by their days past due then (91 at default, 30 more a month).
- Held: today's allowance + general reserve, not topped up. Coverage = held / cumulative loss.
  Capital need = (cumulative loss − held, when positive) + capital ratio × risk weight ×
  exposure on the books (performing + defaulted: no write-off is projected).

Amounts are computed exactly (`Decimal`) and rounded half-up to the fen per cell and month; the
book's figures are the sums of its cells'.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from fengkong.core.money import Fen, to_fen
from fengkong.lending.delinquency import (
    DEFAULT_CLASSIFICATION,
    ClassificationRules,
    LoanClass,
    classify,
)
from fengkong.monitoring.figures import SegmentFigures, rate
from fengkong.monitoring.scenario import ONE, StressScenario

ZERO = Decimal(0)
PERFORMING: tuple[str, ...] = (LoanClass.NORMAL.value, LoanClass.SPECIAL_MENTION.value)
DEFAULTED: tuple[str, ...] = (
    LoanClass.SUBSTANDARD.value,
    LoanClass.DOUBTFUL.value,
    LoanClass.LOSS.value,
)
DEFAULT_DPD = 91  # a default: past M3, as the snapshots' M3+
DAYS_A_MONTH = 30  # how far a defaulted loan ages each month of the horizon
NO_FEN = Fen(0)
_PD_PLACES = Decimal("0.000001")
_TWELFTH = ONE / 12


@dataclass(frozen=True, slots=True)
class Cell:
    """One segment of the book as the projection starts from it."""

    segment: str
    ead: Fen  # principal outstanding
    performing: Mapping[str, Fen]  # normal, special mention
    defaulted: Mapping[str, Fen]  # substandard, doubtful, loss
    pd: Decimal  # 12-month PD, balance-weighted
    held: Fen  # allowance + general reserve
    collateral: Fen = NO_FEN  # lending value of its loans' collateral, before the scenario's cut
    amortisation: tuple[Decimal, ...] = ()  # a(0)=1 … a(H); empty: no run-off


def segment_pd(f: SegmentFigures, lgd: Decimal) -> Decimal | None:
    """A segment's balance-weighted PD as its snapshot stored it: EL / (LGD × balance with a PD)."""
    with_pd = f.outstanding_fen - f.no_pd_fen
    if with_pd <= 0 or lgd <= 0:
        return None
    return Decimal(f.expected_loss_fen) / (lgd * with_pd)


def cell_of(
    segment: str,
    f: SegmentFigures,
    lgd: Decimal,
    book_pd: Decimal | None,
    collateral: Fen = NO_FEN,
    amortisation: Sequence[Decimal] = (),
) -> Cell:
    """The cell of `segment` from its snapshot figures; `book_pd` stands in for a segment
    without a PD of its own (0 when the book has none either)."""
    pd = segment_pd(f, lgd)
    if pd is None:
        pd = book_pd if book_pd is not None else ZERO
    mix = {c: f.classes[c].fen if c in f.classes else Fen(0) for c in (*PERFORMING, *DEFAULTED)}
    return Cell(
        segment=segment,
        ead=f.outstanding_fen,
        performing={c: mix[c] for c in PERFORMING},
        defaulted={c: mix[c] for c in DEFAULTED},
        pd=pd,
        held=Fen(f.allowance_fen + f.reserve_fen),
        collateral=collateral,
        amortisation=tuple(amortisation),
    )


def amortisation(balances: Sequence[int], horizon: int) -> tuple[Decimal, ...]:
    """a(0..horizon) from scheduled balances at the date and each month end after it (missing
    months: nothing scheduled); all 1 when nothing is scheduled (no schedule to run off along)."""
    start = balances[0] if balances else 0
    if start <= 0:
        return tuple(ONE for _ in range(horizon + 1))
    padded = [*balances, *([0] * (horizon + 1 - len(balances)))][: horizon + 1]
    return tuple(Decimal(b) / start for b in padded)


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """The projection at the end of one month (of a cell, or summed over the book)."""

    month: int
    defaults_fen: Fen  # balance defaulting in the month
    loss_fen: Fen  # its loss (month 1: with today's defaulted balance's)
    cumulative_loss_fen: Fen
    performing_fen: Fen
    defaulted_fen: Fen  # today's defaulted balance + every default so far
    required_provisions_fen: Fen


@dataclass(frozen=True, slots=True)
class CellProjection:
    cell: Cell
    multiplier: Decimal
    stressed_pd: Decimal
    hazard: Decimal
    lgd: Decimal  # after collateral
    months: tuple[MonthFigures, ...]


def stressed_pd(pd: Decimal, multiplier: Decimal, scenario: StressScenario) -> Decimal:
    return min(ONE, pd * multiplier * scenario.income_factor)


def monthly_hazard(pd: Decimal) -> Decimal:
    """h with 1 − (1 − h)^12 = pd."""
    if pd >= ONE:
        return ONE
    if pd <= ZERO:
        return ZERO
    return ONE - (ONE - pd) ** _TWELFTH


def survival(hazard: Decimal, months: int) -> Decimal:
    """(1 − hazard)^months: the share not defaulted after `months` (1 after none, even at a
    hazard of 1, where Decimal's 0⁰ would be undefined)."""
    return ONE if months == 0 else (ONE - hazard) ** months


def effective_lgd(cell: Cell, lgd: Decimal, haircut: Decimal) -> Decimal:
    if cell.ead <= 0 or cell.collateral <= 0:
        return lgd
    covered = min(ONE, Decimal(cell.collateral) * (ONE - haircut) / cell.ead)
    return lgd * (ONE - covered)


def _fen(amount: Decimal) -> Fen:
    return to_fen(amount, ROUND_HALF_UP)


def project_cell(
    cell: Cell,
    scenario: StressScenario,
    lgd: Decimal,
    horizon: int,
    rates: Mapping[LoanClass, Decimal],
    rules: ClassificationRules = DEFAULT_CLASSIFICATION,
) -> CellProjection:
    """One cell month by month (see the module's docstring)."""
    multiplier = scenario.multiplier(cell.segment)
    pd = stressed_pd(cell.pd, multiplier, scenario)
    h = monthly_hazard(pd)
    loss_given = effective_lgd(cell, lgd, scenario.collateral_haircut)
    run_off = cell.amortisation or tuple(ONE for _ in range(horizon + 1))
    p0 = Decimal(sum(cell.performing.values()))
    npl0 = Decimal(sum(cell.defaulted.values()))
    mix = {c: (Decimal(v) / p0 if p0 else ZERO) for c, v in cell.performing.items()}
    npl_required = sum((Decimal(v) * rates[LoanClass(c)] for c, v in cell.defaulted.items()), ZERO)
    defaults: list[Decimal] = []
    months: list[MonthFigures] = []
    cumulative = 0
    for m in range(1, horizon + 1):
        new = p0 * run_off[m - 1] * survival(h, m - 1) * h
        defaults.append(new)
        performing = p0 * run_off[m] * survival(h, m)
        loss = new * loss_given + (npl0 * loss_given if m == 1 else ZERO)
        required = npl_required + sum(
            (performing * share * rates[LoanClass(c)] for c, share in mix.items()), ZERO
        )
        for k, amount in enumerate(defaults, start=1):
            aged = classify(DEFAULT_DPD + DAYS_A_MONTH * (m - k), rules=rules)
            required += amount * rates[aged]
        loss_fen = _fen(loss)
        cumulative += loss_fen
        months.append(
            MonthFigures(
                month=m,
                defaults_fen=_fen(new),
                loss_fen=loss_fen,
                cumulative_loss_fen=Fen(cumulative),
                performing_fen=_fen(performing),
                defaulted_fen=_fen(npl0 + sum(defaults, ZERO)),
                required_provisions_fen=_fen(required),
            )
        )
    return CellProjection(cell, multiplier, pd, h, loss_given, tuple(months))


@dataclass(frozen=True, slots=True)
class BookMonth:
    """The book at the end of one month of the horizon."""

    month: int
    figures: MonthFigures
    held_fen: Fen
    coverage: Decimal | None  # held / cumulative loss
    shortfall_fen: Fen  # required provisions beyond those held
    capital_need_fen: Fen


@dataclass(frozen=True, slots=True)
class Projection:
    scenario: StressScenario
    lgd: Decimal  # before collateral
    horizon: int
    cells: tuple[CellProjection, ...]
    months: tuple[BookMonth, ...]

    @property
    def ead_fen(self) -> Fen:
        return Fen(sum(c.cell.ead for c in self.cells))

    @property
    def held_fen(self) -> Fen:
        return Fen(sum(c.cell.held for c in self.cells))

    @property
    def projected_loss_fen(self) -> Fen:
        return self.months[-1].figures.cumulative_loss_fen if self.months else Fen(0)


def _sum_month(m: int, found: Iterable[MonthFigures]) -> MonthFigures:
    rows = list(found)
    return MonthFigures(
        month=m,
        defaults_fen=Fen(sum(r.defaults_fen for r in rows)),
        loss_fen=Fen(sum(r.loss_fen for r in rows)),
        cumulative_loss_fen=Fen(sum(r.cumulative_loss_fen for r in rows)),
        performing_fen=Fen(sum(r.performing_fen for r in rows)),
        defaulted_fen=Fen(sum(r.defaulted_fen for r in rows)),
        required_provisions_fen=Fen(sum(r.required_provisions_fen for r in rows)),
    )


def project(
    cells: Sequence[Cell],
    scenario: StressScenario,
    lgd: Decimal,
    horizon: int,
    rates: Mapping[LoanClass, Decimal],
    rules: ClassificationRules = DEFAULT_CLASSIFICATION,
) -> Projection:
    """Every cell projected, and the book's months: their sums, coverage, shortfall and capital
    need (see the module's docstring)."""
    projected = tuple(project_cell(c, scenario, lgd, horizon, rates, rules) for c in cells)
    held = Fen(sum(c.held for c in cells))
    months: list[BookMonth] = []
    for m in range(1, horizon + 1):
        total = _sum_month(m, (p.months[m - 1] for p in projected))
        beyond = max(0, total.cumulative_loss_fen - held)
        # Defaulted loans stay on the books (no write-off is projected): their exposure still
        # needs capital, so that more defaults never lower the need.
        exposure = total.performing_fen + total.defaulted_fen
        capital = beyond + _fen(scenario.capital_ratio * scenario.risk_weight * exposure)
        months.append(
            BookMonth(
                month=m,
                figures=total,
                held_fen=held,
                coverage=rate(held, total.cumulative_loss_fen),
                shortfall_fen=Fen(max(0, total.required_provisions_fen - held)),
                capital_need_fen=Fen(capital),
            )
        )
    return Projection(scenario, lgd, horizon, projected, tuple(months))


def pd_places(value: Decimal) -> Decimal:
    """A PD or hazard as shown: six places, half-up."""
    return value.quantize(_PD_PLACES, ROUND_HALF_UP)


# --- collections -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CollectionMonth:
    """What the schedules ask for in one month after the date, what the projection expects to be
    paid of it, and (for a month already past) what was collected from the book's loans."""

    month: int
    first_day: date
    last_day: date
    scheduled_fen: Fen
    expected_fen: Fen
    collected_fen: Fen | None  # None: the month has not begun by the last end of day
    complete: bool  # the whole month is past (collected is final)


def expected_collections(
    scheduled: Mapping[str, Sequence[int]],
    projected: Sequence[CellProjection],
    roll_rate: Decimal | None,
) -> list[Fen]:
    """Per month, Σ over cells of scheduled × (1 − h)^(m−1) × (1 − M0→M1 roll rate): what is
    due from loans that have not defaulted, less the share that rolls past due each month.
    `scheduled` is, per segment, the instalments due in each month of the horizon."""
    paid = ONE - min(ONE, roll_rate or ZERO)
    by_segment = {p.cell.segment: p for p in projected}
    horizon = max((len(v) for v in scheduled.values()), default=0)
    totals: list[Fen] = []
    for m in range(1, horizon + 1):
        total = 0
        for segment, due in scheduled.items():
            if m > len(due) or not due[m - 1]:
                continue
            cell = by_segment.get(segment)
            alive = ONE if cell is None else survival(cell.hazard, m - 1)
            total += _fen(Decimal(due[m - 1]) * alive * paid)
        totals.append(Fen(total))
    return totals
