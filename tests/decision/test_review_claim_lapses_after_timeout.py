"""A claim lapses after the claim timeout, read from the injected clock: no job rewrites the row,
and another officer may then take the item."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fengkong.core.money import Fen
from fengkong.decision.outcome import Outcome, Reason
from fengkong.decision.record import DecisionRecord
from fengkong.decision.review import (
    AlreadyClaimed,
    NotClaimedByYou,
    ReviewClosed,
    ReviewConfig,
    ReviewStatus,
    approve,
    as_of,
    claim,
    new_item,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONFIG = ReviewConfig(
    sla=timedelta(hours=8),
    claim_timeout=timedelta(minutes=30),
    four_eyes_above=Fen(2_000_000),
    expire_after=timedelta(days=3),
)


def _decision(amount_fen: int = 500_000) -> DecisionRecord:
    return DecisionRecord(
        id="dec_1",
        application_id="app_1",
        decided_at=T0,
        outcome=Outcome.REFER,
        score=520,
        pd="0.12",
        approved_amount=None,
        reasons=(Reason("POL_SCORE_IN_REVIEW_BAND", "in band", "区间"),),
        policy_version="starter-v1",
        model_version=None,
        model_sha256=None,
        inputs={"amount_fen": amount_fen},
        features={},
        input_hash="0" * 64,
    )


def test_new_item_is_due_after_the_sla() -> None:
    item = new_item("rev_1", _decision(), Fen(500_000), T0, CONFIG)
    assert item.status == ReviewStatus.OPEN
    assert item.due_at == T0 + timedelta(hours=8)
    assert item.expires_at == T0 + timedelta(days=3)
    assert not item.overdue(T0 + timedelta(hours=7, minutes=59))
    assert item.overdue(T0 + timedelta(hours=8))


def test_a_live_claim_blocks_other_officers() -> None:
    item = claim(new_item("rev_1", _decision(), Fen(500_000), T0, CONFIG), "wang", T0, CONFIG)
    assert item.status == ReviewStatus.CLAIMED and item.claimed_by == "wang"
    with pytest.raises(AlreadyClaimed):
        claim(item, "li", T0 + timedelta(minutes=29, seconds=59), CONFIG)
    with pytest.raises(NotClaimedByYou):
        approve(item, "li", T0 + timedelta(minutes=1))


def test_a_lapsed_claim_returns_the_item_to_the_queue() -> None:
    item = claim(new_item("rev_1", _decision(), Fen(500_000), T0, CONFIG), "wang", T0, CONFIG)
    later = T0 + timedelta(minutes=30)
    seen = as_of(item, later)
    assert seen.status == ReviewStatus.OPEN and seen.claimed_by is None
    with pytest.raises(NotClaimedByYou):
        approve(item, "wang", later)  # wang's claim is gone too
    taken = claim(item, "li", later, CONFIG)
    assert taken.claimed_by == "li" and taken.claim_expires_at == later + timedelta(minutes=30)


def test_claiming_again_renews_ones_own_claim() -> None:
    item = claim(new_item("rev_1", _decision(), Fen(500_000), T0, CONFIG), "wang", T0, CONFIG)
    renewed = claim(item, "wang", T0 + timedelta(minutes=20), CONFIG)
    assert renewed.claim_expires_at == T0 + timedelta(minutes=50)


def test_an_item_expires_and_refuses_every_action() -> None:
    item = claim(new_item("rev_1", _decision(), Fen(500_000), T0, CONFIG), "wang", T0, CONFIG)
    late = T0 + timedelta(days=3)
    assert as_of(item, late).status == ReviewStatus.EXPIRED
    with pytest.raises(ReviewClosed):
        claim(item, "li", late, CONFIG)
    with pytest.raises(ReviewClosed):
        approve(item, "wang", late)


def test_config_refuses_nonsense() -> None:
    from fengkong.core.errors import Invalid

    with pytest.raises(Invalid, match="claim_timeout"):
        ReviewConfig(claim_timeout=timedelta(0))
    with pytest.raises(Invalid, match="expire_after"):
        ReviewConfig(sla=timedelta(days=5), expire_after=timedelta(days=1))
