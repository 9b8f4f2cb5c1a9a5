"""Vintage curves, roll rates and concentration worked by hand on small snapshot data
(`monitoring.curves`, `monitoring.concentration`, the figures they read in `monitoring.figures`),
and snapshots stored before those figures were kept: what they lack reads as not available."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.monitoring.concentration import (
    CONCENTRATION_DIMENSIONS,
    concentration_limits,
    dimension_concentration,
    hhi,
    top_count,
)
from fengkong.monitoring.curves import (
    is_month_end,
    months_on_book,
    roll_dimension,
    roll_rates,
    vintage_curves,
)
from fengkong.monitoring.facts import LoanFacts
from fengkong.monitoring.figures import TOP_KEPT, SegmentFigures, largest, snapshot
from fengkong.monitoring.snapshots import DatedRow, UnknownDimension

MAY, JUNE = date(2026, 5, 31), date(2026, 6, 30)


def _loan(loan_id: str, **changes: object) -> LoanFacts:
    base = LoanFacts(
        loan_id=loan_id,
        product="cash_loan",
        channel="app",
        region="11",
        vintage="2026-04",
        score_band="600-649",
        stage="active",
        principal_outstanding=Fen(100_000),
        days_past_due=0,
        bucket="M0",
        loan_class="normal",
        pd=Decimal("0.04"),
        allowance=Fen(0),
        reserve=Fen(0),
        amount=Fen(100_000),
        written_off=Fen(0),
        customer="cus_a",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


# Vintage 2026-04 lent 1 000 000 in four loans; vintage 2026-05 lent 200 000 in one.
MAY_BOOK = (
    _loan("a", amount=Fen(400_000), principal_outstanding=Fen(380_000)),
    _loan(
        "b",
        amount=Fen(300_000),
        principal_outstanding=Fen(290_000),
        days_past_due=12,
        bucket="M1",
        customer="cus_b",
    ),
    _loan(
        "c",
        amount=Fen(200_000),
        principal_outstanding=Fen(200_000),
        days_past_due=35,
        bucket="M2",
        customer="cus_c",
    ),
    _loan("d", amount=Fen(100_000), stage="settled", principal_outstanding=Fen(0)),
    _loan("e", vintage="2026-05", amount=Fen(200_000), principal_outstanding=Fen(200_000)),
)
# A month on: b rolled to M2, c to M3 (66 days), e fell 5 days behind; a paid down.
JUNE_BOOK = (
    replace(MAY_BOOK[0], principal_outstanding=Fen(350_000)),
    replace(MAY_BOOK[1], days_past_due=42, bucket="M2"),
    replace(MAY_BOOK[2], days_past_due=66, bucket="M3"),
    MAY_BOOK[3],
    replace(MAY_BOOK[4], days_past_due=5, bucket="M1", principal_outstanding=Fen(190_000)),
)


def _rows(dimension: str, *books: tuple[date, tuple[LoanFacts, ...]]) -> list[DatedRow]:
    return [
        (day, segment, figures)
        for day, book in books
        for segment, figures in snapshot(book, day).segments[dimension].items()
    ]


def test_month_ends_and_months_on_book() -> None:
    assert is_month_end(date(2026, 2, 28)) and not is_month_end(date(2026, 2, 27))
    assert is_month_end(date(2028, 2, 29)) and is_month_end(date(2026, 12, 31))
    assert months_on_book("2026-04", date(2026, 4, 30)) == 0
    assert months_on_book("2025-11", date(2026, 2, 28)) == 3


def test_the_snapshot_keeps_originated_buckets_and_borrowers() -> None:
    whole = snapshot(MAY_BOOK, MAY).segments["all"]["all"]
    assert (whole.originated_loans, whole.originated_fen) == (5, 1_200_000)  # settled d counts
    assert whole.bucket_fen == {"M0": 580_000, "M1": 290_000, "M2": 200_000, "M3": 0, "M3+": 0}
    assert whole.borrowers == 3  # a, d and e are one customer; d is settled


def test_vintage_curves_by_hand() -> None:
    written_off = replace(
        JUNE_BOOK[2], stage="written_off", written_off=Fen(150_000), principal_outstanding=Fen(0)
    )
    june = (*JUNE_BOOK[:2], written_off, *JUNE_BOOK[3:])
    # A mid-month snapshot is not a point of the curves.
    points = vintage_curves(
        _rows("vintage", (MAY, MAY_BOOK), (date(2026, 6, 15), JUNE_BOOK), (JUNE, june))
    )
    got = [(p.vintage, p.months_on_book, p.m1_plus_fen, p.m3_plus_fen) for p in points]
    assert got == [
        ("2026-04", 1, 200_000, 0),  # c is past M1 (35 days)
        ("2026-04", 2, 150_000 + 290_000, 150_000),  # c written off, b at 42 days
        ("2026-05", 0, 0, 0),
        ("2026-05", 1, 0, 0),  # e is 5 days behind: not past M1
    ]
    assert points[0].m1_plus_rate == Decimal("0.2")  # 200 000 / 1 000 000
    assert points[1].m1_plus_rate == Decimal("0.44") and points[1].m3_plus_rate == Decimal("0.15")
    assert points[1].originated_fen == 1_000_000 and points[1].written_off_fen == 150_000


def test_roll_rates_by_hand() -> None:
    points = roll_rates(_rows("all", (MAY, MAY_BOOK), (JUNE, JUNE_BOOK)))
    rates = {(p.from_bucket, p.to_bucket): (p.from_fen, p.to_fen, p.rate) for p in points}
    assert all(p.month_end == JUNE and p.segment == "all" for p in points)
    assert rates == {
        ("M0", "M1"): (580_000, 190_000, Decimal("0.327586")),  # e rolled; 190/580
        ("M1", "M2"): (290_000, 290_000, Decimal(1)),  # b rolled
        ("M2", "M3"): (200_000, 200_000, Decimal(1)),  # c rolled
        ("M3", "M3+"): (0, 0, None),  # nothing was in M3
    }
    # No month end before May among the rows: no rolls into May; a gap leaves its month out.
    assert roll_rates(_rows("all", (MAY, MAY_BOOK))) == []
    assert roll_rates(_rows("all", (date(2026, 4, 30), MAY_BOOK), (JUNE, JUNE_BOOK))) == []


def test_roll_rates_per_segment() -> None:
    points = roll_rates(_rows("vintage", (MAY, MAY_BOOK), (JUNE, JUNE_BOOK)))
    may_vintage = [p for p in points if p.segment == "2026-05"]
    # e: 200 000 in M0, then 190 000 in M1; nothing in M1 to M3 in May
    assert [p.rate for p in may_vintage] == [Decimal("0.95"), None, None, None]


def test_snapshots_stored_before_the_new_figures_read_as_not_available() -> None:
    stored = snapshot(MAY_BOOK, MAY).segments["vintage"]["2026-04"].as_dict()
    for key in ("originated_loans", "originated_fen", "bucket_fen", "borrowers"):
        del stored[key]
    old = SegmentFigures.from_dict(stored)
    assert old.originated_fen is None and old.bucket_fen is None and old.borrowers is None
    assert "bucket_fen" not in old.as_dict()  # written back as it was read
    june = snapshot(JUNE_BOOK, JUNE).segments["vintage"]["2026-04"]
    vintage = vintage_curves([(MAY, "2026-04", old), (JUNE, "2026-04", june)])
    assert vintage[0].m1_plus_fen == 200_000 and vintage[0].m1_plus_rate is None
    assert vintage[1].m1_plus_rate == Decimal("0.49")  # 490 000 / 1 000 000
    rolls = roll_rates([(MAY, "2026-04", old), (JUNE, "2026-04", june)])
    assert [p.rate for p in rolls] == [None] * 4 and rolls[1].to_fen == 290_000


def test_hhi_and_shares_against_a_limit() -> None:
    assert hhi([50, 50]) == Decimal("0.5")
    assert hhi([100]) == Decimal(1)
    assert hhi([0, 0]) is None
    assert hhi([600, 300, 100]) == Decimal("0.46")  # 0.36 + 0.09 + 0.01
    book = (
        _loan("a", region="44", principal_outstanding=Fen(600_000)),
        _loan("b", region="11", principal_outstanding=Fen(300_000)),
        _loan("c", region="31", principal_outstanding=Fen(100_000)),
        _loan("d", region="31", stage="written_off", principal_outstanding=Fen(900_000)),
    )
    regions = snapshot(book, MAY).segments["region"]
    found = dimension_concentration("region", regions, Decimal("0.35"))
    assert found.hhi == Decimal("0.46")
    assert [(s.segment, s.share, s.breached) for s in found.segments] == [
        ("44", Decimal("0.6"), True),
        ("11", Decimal("0.3"), False),
        ("31", Decimal("0.1"), False),
    ]
    assert [s.segment for s in found.breaches] == ["44"]
    assert dimension_concentration("region", regions, None).breaches == ()


def test_the_largest_borrowers() -> None:
    book = (
        _loan("a", customer="cus_x", principal_outstanding=Fen(100)),
        _loan("b", customer="cus_y", principal_outstanding=Fen(250)),
        _loan("c", customer="cus_x", principal_outstanding=Fen(200)),
        _loan("d", customer="cus_z", principal_outstanding=Fen(300)),
        _loan("e", customer="cus_w", stage="written_off", principal_outstanding=Fen(999)),
        _loan("f", customer=None, principal_outstanding=Fen(5_000)),  # a draw with no borrower
    )
    snap = snapshot(book, MAY)
    assert [(e.customer, e.loans, e.outstanding_fen) for e in snap.borrowers] == [
        ("cus_x", 2, 300),  # ties go by customer id
        ("cus_z", 1, 300),
        ("cus_y", 1, 250),
    ]
    many = {f"cus_{k:03d}": [1, 1_000 + k] for k in range(30)}
    kept = largest(many)
    assert len(kept) == TOP_KEPT and kept[0].customer == "cus_029"


def test_bad_limits_counts_and_dimensions_are_refused_naming_what_is_allowed() -> None:
    assert concentration_limits({"region": "0.35", "product": Decimal(1)}) == {
        "region": Decimal("0.35"),
        "product": Decimal(1),
    }
    with pytest.raises(Invalid) as bad:
        concentration_limits({"employer": "0.2", "channel": "1.5", "region": "lots"})
    errors = bad.value.errors
    assert len(errors) == 3 and errors[0].allowed == CONCENTRATION_DIMENSIONS
    assert top_count(None) == 10 and top_count("20") == 20
    for n in (0, 21, "x"):
        with pytest.raises(Invalid, match="1 to 20"):
            top_count(n)
    assert roll_dimension(None) == "all" and roll_dimension("product") == "product"
    with pytest.raises(UnknownDimension) as unknown:
        roll_dimension("employer")
    assert unknown.value.errors[0].allowed is not None
    assert "score_band" in unknown.value.errors[0].allowed
    with pytest.raises(UnknownDimension, match="one dimension"):
        roll_dimension("product,region")
