"""A synthetic loan book for the snapshot benchmark (`bench.snapshots`): N loans booked evenly over
24 months, each with its application and decision, COPY-loaded into PostgreSQL, and the same
loans, aged back, as the `LoanFacts` of each earlier month end.

Every loan's fate is a pure function of its number `k` (`fate`), so the book on the final day
(loaded as rows) and the book at an earlier month end (aged in memory) agree: a loan booked in
month v is current until, for 6 % of loans, it falls behind at a month of its own and is written
off once past 180 days; 10 % settle early; the rest amortise over 12 months and settle. A few
current loans are briefly 1-30 days late. Segments spread over 3 products, the sales channels,
every province, every industry section (and 10 % without one), and scores from 450 to 700.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.lending_rows import partition_key
from fengkong.db.lending_tables import loans
from fengkong.lending.delinquency import classify, dpd_bucket
from fengkong.monitoring.facts import LoanFacts, score_band, vintage_of
from fengkong.onboarding.channel import SALES_CHANNELS
from fengkong.onboarding.industry import INDUSTRY_CODES
from fengkong.onboarding.party import customer_id
from fengkong.onboarding.region import REGIONS

MONTHS = 24
TERM = 12
PRODUCTS = ("cash_loan", "cash_loan", "cash_loan", "consumer_loan", "sme_loan")
REGION_CODES = tuple(REGIONS)
WRITE_OFF_DPD = 180
_BUCKETS = {d: dpd_bucket(d) for d in range(0, 400)}
_CLASSES = {d: classify(d).value for d in range(0, 400)}
_MASK = 2**32


def _u(k: int, salt: int) -> float:
    """A uniform number in [0, 1) from loan `k` and `salt`: cheap, deterministic, well mixed."""
    h = (k * 0x9E3779B1 + salt * 0x85EBCA77 + 0x27D4EB2F) % _MASK
    h ^= h >> 15
    h = (h * 0x2C1B3C6D) % _MASK
    h ^= h >> 12
    h = (h * 0x297A2D39) % _MASK
    h ^= h >> 15
    return h / _MASK


def month_ends(final: date, n: int = MONTHS) -> list[date]:
    """The `n` month ends up to `final` (a month end), oldest first."""
    ends = []
    year, month = final.year, final.month
    for _ in range(n):
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        ends.append(date.fromordinal(nxt.toordinal() - 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return ends[::-1]


@dataclass(frozen=True, slots=True)
class Loan:
    """A loan's constants: when and what was lent, to whom, through where, at what score."""

    k: int
    loan_id: str
    application_id: str
    booked_on: date
    product: str
    amount: int  # fen
    channel: str
    region: str
    industry: str | None
    score: int
    pd: str
    bidx: str  # the customer's blind index: some customers hold two loans
    behind_at: int | None  # months on book when it falls behind, if ever
    settles_at: int | None  # months on book when it settles early, if it does


def loan(k: int, n: int, ends: list[date]) -> Loan:
    """Loan number `k` of a book of `n` booked over the months of `ends`."""
    vintage = ends[k % len(ends)]
    score = 450 + int(_u(k, 1) * 250)
    risk = _u(k, 2)
    return Loan(
        k=k,
        loan_id=f"loan_snap_{k:08d}",
        application_id=f"app_snap_{k:08d}",
        booked_on=date(vintage.year, vintage.month, 1 + k % 28),
        product=PRODUCTS[int(_u(k, 3) * len(PRODUCTS))],
        amount=(500_000 + int(_u(k, 4) * 4_500_000)) // 10_000 * 10_000,
        channel=SALES_CHANNELS[int(_u(k, 5) * len(SALES_CHANNELS))],
        region=REGION_CODES[int(_u(k, 6) * len(REGION_CODES))],
        industry=None if _u(k, 7) < 0.1 else INDUSTRY_CODES[int(_u(k, 8) * len(INDUSTRY_CODES))],
        score=score,
        pd=str(
            (Decimal("0.20") - Decimal(score - 450) * Decimal("0.0007")).quantize(Decimal("0.0001"))
        ),
        bidx=f"snapbidx{k % max(1, int(n * 0.85)):010d}",
        behind_at=1 + int(_u(k, 9) * 10) if risk < 0.06 else None,
        settles_at=2 + int(_u(k, 10) * 8) if risk > 0.90 else None,
    )


@dataclass(frozen=True, slots=True)
class Standing:
    """A loan as a month end finds it."""

    stage: str  # active, settled, written_off
    dpd: int
    principal: int  # outstanding (for a written-off loan: what was written off)


def standing(ln: Loan, day: date) -> Standing | None:
    """Where `ln` stands at `day`; None before it was booked."""
    if ln.booked_on > day:
        return None
    age = (day.year - ln.booked_on.year) * 12 + day.month - ln.booked_on.month
    if ln.behind_at is not None and age >= ln.behind_at:
        dpd = (age - ln.behind_at) * 30 + 10
        principal = ln.amount * (TERM - ln.behind_at) // TERM
        if dpd > WRITE_OFF_DPD:
            return Standing("written_off", dpd, principal)
        return Standing("active", dpd, principal)
    if (ln.settles_at is not None and age >= ln.settles_at) or age >= TERM:
        return Standing("settled", 0, 0)
    late = age >= 1 and _u(ln.k * 31 + age, 11) < 0.04
    dpd = 1 + int(_u(ln.k, 12) * 29) if late else 0
    return Standing("active", dpd, ln.amount * (TERM - age) // TERM)


def _allowance(principal: int, dpd: int) -> tuple[int, int]:
    rate = 0.01 if dpd == 0 else 0.02 if dpd <= 90 else 0.25 if dpd <= 180 else 0.5
    return int(principal * rate), int(principal * 0.015)


def facts(ln: Loan, day: date) -> LoanFacts | None:
    """`ln` as the snapshot of `day` would read it from the books; None before its booking."""
    at = standing(ln, day)
    if at is None:
        return None
    allowance, reserve = _allowance(at.principal, at.dpd) if at.stage == "active" else (0, 0)
    return LoanFacts(
        loan_id=ln.loan_id,
        product=ln.product,
        channel=ln.channel,
        region=ln.region,
        vintage=vintage_of(ln.booked_on),
        score_band=score_band(ln.score),
        stage=at.stage,
        principal_outstanding=Fen(at.principal),
        days_past_due=at.dpd,
        bucket=_BUCKETS[min(at.dpd, 399)],
        loan_class=_CLASSES[min(at.dpd, 399)],
        pd=Decimal(ln.pd),
        allowance=Fen(allowance),
        reserve=Fen(reserve),
        amount=Fen(ln.amount),
        written_off=Fen(at.principal if at.stage == "written_off" else 0),
        customer=customer_id(ln.bidx),
        industry=ln.industry or "unknown",
    )


# --- loading ---------------------------------------------------------------------------------

_APPLICATION_COLUMNS = (
    "id", "received_at", "product", "amount_fen", "term_months", "purpose", "monthly_income_fen",
    "name_enc", "id_number_enc", "id_number_bidx", "phone_enc", "phone_bidx", "profile",
    "channel", "region", "industry",
)  # fmt: skip
_DECISION_COLUMNS = (
    "id", "application_id", "decided_at", "outcome", "score", "pd", "approved_amount_fen",
    "reasons", "policy_version", "inputs", "features", "input_hash",
)  # fmt: skip


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)


def _copy(
    db: Database, table: str, columns: tuple[str, ...], rows: Iterator[tuple[Any, ...]]
) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
        cursor.execute(f"ANALYZE {table}")
        raw.commit()
    finally:
        raw.close()


def load_book(db: Database, n: int, final: date, template: dict[str, Any]) -> float:
    """COPY `n` loans as `final`'s end of day leaves them, with their applications and
    decisions; `template` gives a loan row's other columns (`bench.eod._template`). Returns the
    seconds it took."""
    ends = month_ends(final)
    start = time.perf_counter()
    _copy(db, "applications", _APPLICATION_COLUMNS, _applications(n, ends))
    _copy(db, "decisions", _DECISION_COLUMNS, _decisions(n, ends))
    columns = tuple(c.name for c in loans.columns)
    _copy(db, "loans", columns, _loans(n, ends, final, template, columns))
    return time.perf_counter() - start


def _applications(n: int, ends: list[date]) -> Iterator[tuple[Any, ...]]:
    for k in range(n):
        ln = loan(k, n, ends)
        yield (
            ln.application_id, _at(ln.booked_on), ln.product, ln.amount, TERM, "repairs",
            1_000_000, "x", "x", ln.bidx, "x", f"p{k}", "{}", ln.channel, ln.region, ln.industry,
        )  # fmt: skip


def _decisions(n: int, ends: list[date]) -> Iterator[tuple[Any, ...]]:
    for k in range(n):
        ln = loan(k, n, ends)
        yield (
            f"dec_snap_{k:08d}", ln.application_id, _at(ln.booked_on), "approve", ln.score, ln.pd,
            ln.amount, "[]", "bench", "{}", "{}", "0" * 64,
        )  # fmt: skip


def _loans(
    n: int, ends: list[date], final: date, template: dict[str, Any], columns: tuple[str, ...]
) -> Iterator[tuple[Any, ...]]:
    base = {
        **template,
        "state": None,
        "created_at": _at(final),
        "updated_at": _at(final),
        "revision": 1,
    }
    state_before, state_after = template["state"]
    for k in range(n):
        ln = loan(k, n, ends)
        at = standing(ln, final)
        assert at is not None  # every loan is booked by the final day
        allowance, reserve = _allowance(at.principal, at.dpd) if at.stage == "active" else (0, 0)
        row = {
            **base,
            "id": ln.loan_id,
            "application_id": ln.application_id,
            "product_code": ln.product,
            "status": at.stage,
            "amount_fen": ln.amount,
            "principal_fen": ln.amount,
            "booked_on": ln.booked_on,
            "accrued_through": final,
            "principal_outstanding_fen": at.principal,
            "outstanding_fen": at.principal,
            "days_past_due": at.dpd,
            "dpd_bucket": _BUCKETS[min(at.dpd, 399)],
            "loan_class": _CLASSES[min(at.dpd, 399)],
            "allowance_fen": allowance,
            "reserve_fen": reserve,
            "partition_key": partition_key(ln.loan_id),
            "state": state_before + ln.loan_id + state_after,
        }
        yield tuple(row[c] for c in columns)


def split_state(values: dict[str, Any], placeholder: str) -> dict[str, Any]:
    """A loan row's values with its JSON state split around `placeholder` (the loan id)."""
    before, after = json.dumps(values["state"]).split(placeholder)
    return {**values, "state": (before, after)}
