"""The pure aggregation (`monitoring.figures.snapshot`) on five loans worked by hand: overdue by
count and balance, M1+ and M3+, written off, the five-tier mix, expected loss and its coverage,
by every dimension; segments add up to the whole; score bands and vintages."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from fengkong.core.money import Fen
from fengkong.monitoring.facts import LoanFacts, score_band, vintage_of
from fengkong.monitoring.figures import DIMENSIONS, snapshot

ON = date(2026, 7, 10)


def _loan(loan_id: str, **changes: object) -> LoanFacts:
    base = LoanFacts(
        loan_id=loan_id,
        product="cash_loan",
        channel="app",
        region="11",
        vintage="2026-03",
        score_band="600-649",
        stage="active",
        principal_outstanding=Fen(100_000),
        days_past_due=0,
        bucket="M0",
        loan_class="normal",
        pd=Decimal("0.04"),
        allowance=Fen(1_000),
        reserve=Fen(1_500),
        amount=Fen(100_000),
        written_off=Fen(0),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


BOOK = (
    _loan("a"),  # current
    _loan("b", days_past_due=8, bucket="M1", loan_class="special_mention", channel="partner"),
    _loan(
        "c",
        principal_outstanding=Fen(200_000),
        days_past_due=39,
        bucket="M2",
        loan_class="substandard",
        region="44",
        pd=None,
        allowance=Fen(50_000),
    ),
    _loan(
        "d",
        principal_outstanding=Fen(300_000),
        days_past_due=99,
        bucket="M3+",
        loan_class="doubtful",
        region="44",
        pd=Decimal("0.5"),
        allowance=Fen(150_000),
        vintage="2026-01",
    ),
    _loan(
        "e",
        stage="written_off",
        principal_outstanding=Fen(400_000),
        days_past_due=155,
        loan_class="loss",
        written_off=Fen(400_000),
        allowance=Fen(0),
    ),
    _loan("f", stage="settled", principal_outstanding=Fen(0)),  # counts nowhere
)


def test_the_whole_book_by_hand() -> None:
    snap = snapshot(BOOK, ON, Decimal("0.45"))
    whole = snap.segments["all"]["all"]
    assert snap.loans == 6
    assert (whole.active_loans, whole.outstanding_fen) == (4, 700_000)
    assert (whole.overdue_loans, whole.overdue_fen) == (3, 600_000)
    assert whole.overdue_rate_count == Decimal("0.75")
    assert whole.overdue_rate_balance == Decimal("0.857143")  # 600 000 / 700 000
    assert (whole.m1_plus_fen, whole.m3_plus_fen) == (500_000, 300_000)
    assert whole.m3_plus_rate == Decimal("0.428571")
    assert (whole.written_off_loans, whole.written_off_fen) == (1, 400_000)
    assert whole.write_off_rate == Decimal("0.363636")  # 400 000 / 1 100 000
    assert {k: (m.loans, m.fen) for k, m in whole.classes.items()} == {
        "normal": (1, 100_000),
        "special_mention": (1, 100_000),
        "substandard": (1, 200_000),
        "doubtful": (1, 300_000),
        "loss": (0, 0),
    }
    # 0.04 × 0.45 × 100 000 = 1 800 (a and b); 0.5 × 0.45 × 300 000 = 67 500 (d); c has no PD
    assert whole.expected_loss_fen == 1_800 + 1_800 + 67_500
    assert (whole.no_pd_loans, whole.no_pd_fen) == (1, 200_000)
    assert (whole.allowance_fen, whole.reserve_fen) == (202_000, 6_000)
    assert whole.coverage == Decimal("2.925457")  # 208 000 / 71 100 = 2.9254571…
    assert whole.allowance_coverage == Decimal("2.841069")  # 202 000 / 71 100 = 2.8410689…


def test_segments_by_region_and_channel() -> None:
    snap = snapshot(BOOK, ON, Decimal("0.45"))
    guangdong = snap.segments["region"]["44"]
    assert (guangdong.active_loans, guangdong.outstanding_fen, guangdong.m3_plus_fen) == (
        2,
        500_000,
        300_000,
    )
    assert guangdong.overdue_rate_count == Decimal(1)
    beijing = snap.segments["region"]["11"]
    assert (beijing.active_loans, beijing.written_off_loans) == (2, 1)
    partner = snap.segments["channel"]["partner"]
    assert (partner.active_loans, partner.overdue_fen) == (1, 100_000)
    assert set(snap.segments["vintage"]) == {"2026-01", "2026-03"}


@pytest.mark.parametrize("dimension", DIMENSIONS)
def test_the_segments_of_a_dimension_add_up_to_the_whole(dimension: str) -> None:
    snap = snapshot(BOOK, ON)
    whole = snap.segments["all"]["all"].as_dict()
    parts = [f.as_dict() for f in snap.segments[dimension].values()]
    for name, value in whole.items():
        if name == "bucket_fen":
            for bucket, fen in value.items():
                assert sum(p[name][bucket] for p in parts) == fen, bucket
        elif name not in ("classes", "borrowers"):  # a borrower may hold loans in two segments
            assert sum(p[name] for p in parts) == value, name


def test_an_empty_book_has_its_whole_and_no_rates() -> None:
    snap = snapshot((), ON)
    whole = snap.segments["all"]["all"]
    assert whole.active_loans == 0 and whole.overdue_rate_count is None and whole.coverage is None
    assert [d for d, _, _ in snap.rows()] == ["all"]


def test_figures_survive_their_stored_form() -> None:
    snap = snapshot(BOOK, ON)
    for _, _, figures in snap.rows():
        assert type(figures).from_dict(figures.as_dict()) == figures


def test_score_bands_and_vintage() -> None:
    assert [score_band(s) for s in (None, 320, 499, 500, 549, 550, 600, 649, 650, 900)] == [
        "none",
        "<500",
        "<500",
        "500-549",
        "500-549",
        "550-599",
        "600-649",
        "600-649",
        "650+",
        "650+",
    ]
    assert vintage_of(date(2026, 3, 31)) == "2026-03"


def test_lgd_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="LGD"):
        snapshot(BOOK, ON, Decimal("1.5"))
