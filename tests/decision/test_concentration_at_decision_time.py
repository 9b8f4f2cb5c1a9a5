"""Concentration limits at decision time: the shares of the application's industry and region in
the latest portfolio snapshot's book (with this loan added), the flags against
`monitoring_concentration_limits`, read once per snapshot date and only for a policy that names
a `concentration.*` fact; business-v1 refers a business that would push a segment over its
limit, and says so when no snapshot has been taken yet."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from business_factories import business_body
from factories import make_champion
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.core.settings import Settings
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.compiler import load_shipped_policy
from fengkong.decision.concentration import (
    BookSegments,
    ConcentrationCache,
    concentration_facts,
    needs_concentration,
    share_after,
)
from fengkong.decision.facts import facts_from_json
from fengkong.decision.service import submit_application
from fengkong.monitoring.figures import CLASSES, ClassMix, SegmentFigures
from fengkong.monitoring.snapshots import SnapshotBook
from fengkong.scoring.train import TrainedScorecard

SNAPSHOT_DAY = date(2026, 3, 1)  # the day before the fixtures' clock
CONSENTS = [
    {"purpose": p, "scope": "this business loan", "text_version": "2026-01"}
    for p in ("credit_bureau", "data_sources")
]


def _figures(outstanding: int) -> SegmentFigures:
    zero = Fen(0)
    return SegmentFigures(
        active_loans=1 if outstanding else 0,
        outstanding_fen=Fen(outstanding),
        overdue_loans=0,
        overdue_fen=zero,
        m1_plus_fen=zero,
        m3_plus_fen=zero,
        written_off_loans=0,
        written_off_fen=zero,
        classes={name: ClassMix(0, zero) for name in CLASSES},
        expected_loss_fen=zero,
        no_pd_loans=0,
        no_pd_fen=zero,
        allowance_fen=zero,
        reserve_fen=zero,
    )


def write_snapshot(
    ctx: Context, day: date, industry: dict[str, int], region: dict[str, int]
) -> None:
    """A snapshot of a small book, written through monitoring's own store."""
    total = sum(industry.values())
    rows = [
        ("all", "all", _figures(total)),
        *(("industry", s, _figures(v)) for s, v in industry.items()),
        *(("region", s, _figures(v)) for s, v in region.items()),
    ]
    book = SnapshotBook(
        business_date=day,
        taken_at=datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=20),
        loans=len(industry),
        book_mark="1:1",
        lgd=Decimal("0.45"),
    )
    with ctx.uow() as uow:
        uow.portfolio.replace_snapshot(rows, book)
        uow.commit()


@pytest.fixture
def business_context(
    tmp_path: Path, database_url: str, clock: FakeClock, trained: TrainedScorecard
) -> Iterator[Context]:
    settings = Settings(
        env="test",
        home=tmp_path / "home",
        database_url=database_url,
        monitoring_concentration_limits={"industry": Decimal("0.30"), "region": Decimal("0.50")},
    )
    ctx = bootstrap(settings, clock=clock, policy=read_shipped_bundle("business-v1.yaml"))
    with ctx.uow() as uow:
        make_champion(uow, ctx.artifacts_dir, trained, clock)
        # business-v1 names its own model; any champion of that name scores it here (this one
        # reads no document feature, so it scores the application as the consumer's does)
        make_champion(uow, ctx.artifacts_dir, trained, clock, name="business-scorecard")
        uow.commit()
    yield ctx
    ctx.close()


def _decide(ctx: Context, **changes: object) -> tuple[set[str], dict[str, object]]:
    doc = {**business_body(), "consents": CONSENTS, **changes}
    request = ApplicationIn.model_validate(doc).to_request(ctx.clock.business_date())
    decision = submit_application(request, ctx.decisions)
    return {r.code for r in decision.reasons}, facts_from_json(decision.facts)


# ¥200,000 asked; the book: ¥1,000,000 of which H (catering) ¥200,000, Zhejiang (33) ¥300,000
BOOK = {
    "industry": {"H": 20_000_000, "F": 80_000_000},
    "region": {"33": 30_000_000, "11": 70_000_000},
}


def test_a_business_pushing_its_industry_over_the_limit_is_referred(
    business_context: Context,
) -> None:
    write_snapshot(business_context, SNAPSHOT_DAY, **BOOK)
    codes, facts = _decide(business_context)
    # (200,000 + 200,000) / 1,200,000 = 0.333333 > 0.30; (300,000 + 200,000) / 1,200,000 < 0.5
    assert facts["concentration.industry_share"] == Decimal("0.333333")
    assert facts["concentration.region_share"] == Decimal("0.416667")
    assert facts["concentration.industry_over_limit"] is True
    assert facts["concentration.region_over_limit"] is False
    assert facts["concentration.snapshot_date"] == SNAPSHOT_DAY.isoformat()
    assert "CONC_INDUSTRY_OVER_LIMIT" in codes
    assert not codes & {"CONC_REGION_OVER_LIMIT", "CONC_UNKNOWN"}
    # The declared business facts sit beside them, apart from the documents' `business.*`.
    assert facts["declared.owners_count"] == 2 and facts["declared.guarantor_present"] is True
    assert facts["declared.years_in_operation"] == 6 and facts["declared.region"] == "33"


def test_a_business_within_the_limits_is_not_referred_for_them(business_context: Context) -> None:
    write_snapshot(
        business_context,
        SNAPSHOT_DAY,
        {"H": 5_000_000, "F": 195_000_000},
        {"33": 50_000_000, "11": 150_000_000},
    )
    codes, facts = _decide(business_context, amount="50000.00")
    assert facts["concentration.industry_over_limit"] is False
    assert not codes & {"CONC_INDUSTRY_OVER_LIMIT", "CONC_REGION_OVER_LIMIT", "CONC_UNKNOWN"}


def test_without_a_snapshot_the_facts_are_absent_and_the_policy_says_so(
    business_context: Context,
) -> None:
    codes, facts = _decide(business_context)
    assert not any(name.startswith("concentration.") for name in facts)
    assert "CONC_UNKNOWN" in codes


def test_the_snapshot_is_read_once_per_date(business_context: Context) -> None:
    cache = business_context.decisions.concentration
    assert cache is not None
    write_snapshot(business_context, SNAPSHOT_DAY, **BOOK)
    _decide(business_context)
    _decide(business_context)
    assert cache.reads == 1
    # The next end of day's snapshot is read once the recheck interval has passed.
    write_snapshot(business_context, SNAPSHOT_DAY + timedelta(days=1), **BOOK)
    clock = business_context.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(seconds=61))
    _, facts = _decide(business_context)
    assert cache.reads == 2
    assert facts["concentration.snapshot_date"] == (SNAPSHOT_DAY + timedelta(days=1)).isoformat()


class _CountingSource:
    def __init__(self) -> None:
        self.asked = 0

    def latest_snapshot_date(self) -> date | None:
        self.asked += 1
        return SNAPSHOT_DAY

    def segments_on(self, day: date, dimensions: object) -> BookSegments:
        return BookSegments(day, Fen(100), {"industry": {}, "region": {}})


def test_a_consumer_policy_never_reads_the_snapshot(context: Context) -> None:
    from factories import body

    source = _CountingSource()
    cache = ConcentrationCache(source, context.clock, {"industry": Decimal("0.1")})
    svc = replace(context.decisions, concentration=cache)
    assert not needs_concentration(load_shipped_policy("demo-german.yaml").facts_needed)
    request = ApplicationIn.model_validate(body()).to_request(context.clock.business_date())
    decision = submit_application(request, svc)
    assert source.asked == 0 and cache.reads == 0
    assert not any(name.startswith("concentration.") for name in decision.facts)
    assert needs_concentration(load_shipped_policy("business-v1.yaml").facts_needed)


@given(
    segment=st.integers(min_value=0, max_value=10**12),
    rest=st.integers(min_value=0, max_value=10**12),
    amount=st.integers(min_value=1, max_value=10**10),
)
def test_the_share_counts_this_loan_in_the_segment_and_the_book(
    segment: int, rest: int, amount: int
) -> None:
    share = share_after(segment, segment + rest, amount)
    assert Decimal(0) <= share <= Decimal(1)
    exact = Decimal(segment + amount) / Decimal(segment + rest + amount)
    assert abs(share - exact) <= Decimal("0.0000005")
    book = BookSegments(SNAPSHOT_DAY, Fen(segment + rest), {"industry": {"H": Fen(segment)}})
    facts = concentration_facts(
        book, industry="H", region=None, amount=Fen(amount), limits={"industry": share}
    )
    # At the limit is not over it; a segment the book lacks holds only this loan.
    assert facts["concentration.industry_over_limit"] is False
    assert facts["concentration.region_share"] == share_after(0, segment + rest, amount)
    assert facts["concentration.region_over_limit"] is False  # no limit on regions
