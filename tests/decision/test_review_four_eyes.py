"""Amounts above the threshold need two different officers; below it one suffices. A state machine
throws arbitrary claims, approvals, declines and the passing of time at an item: whatever happens,
a four-eyes item is never approved without two distinct approvers."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from fengkong.core.errors import Conflict
from fengkong.core.money import Fen
from fengkong.decision.outcome import Outcome, Reason
from fengkong.decision.record import DecisionRecord
from fengkong.decision.review import (
    FourEyesViolation,
    ReviewConfig,
    ReviewItem,
    ReviewStatus,
    approve,
    as_of,
    claim,
    decline,
    new_item,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONFIG = ReviewConfig(four_eyes_above=Fen(2_000_000))


def _item(amount: int) -> ReviewItem:
    decision = DecisionRecord(
        id="dec_1",
        application_id="app_1",
        decided_at=T0,
        outcome=Outcome.REFER,
        score=520,
        pd="0.12",
        approved_amount=None,
        reasons=(Reason("R", "r", "r"),),
        policy_version="p",
        model_version=None,
        model_sha256=None,
        inputs={"amount_fen": amount},
        features={},
        input_hash="0" * 64,
    )
    return new_item("rev_1", decision, Fen(amount), T0, CONFIG)


def test_at_the_threshold_one_officer_suffices() -> None:
    item = claim(_item(2_000_000), "wang", T0, CONFIG)
    done = approve(item, "wang", T0)
    assert done.status == ReviewStatus.APPROVED and done.decided_by == "wang"


def test_above_the_threshold_the_first_approval_waits_for_a_second() -> None:
    item = approve(claim(_item(2_000_001), "wang", T0, CONFIG), "wang", T0)
    assert item.status == ReviewStatus.AWAITING_SECOND
    assert item.first_approved_by == "wang" and item.claimed_by is None
    with pytest.raises(FourEyesViolation):
        claim(item, "wang", T0, CONFIG)
    second = approve(claim(item, "li", T0, CONFIG), "li", T0)
    assert second.status == ReviewStatus.APPROVED
    assert (second.first_approved_by, second.decided_by) == ("wang", "li")


def test_the_second_officer_may_decline() -> None:
    item = approve(claim(_item(3_000_000), "wang", T0, CONFIG), "wang", T0)
    done = decline(claim(item, "li", T0, CONFIG), "li", T0)
    assert done.status == ReviewStatus.DECLINED and done.decided_by == "li"


def test_a_lapsed_second_claim_keeps_the_first_approval() -> None:
    item = claim(approve(claim(_item(3_000_000), "wang", T0, CONFIG), "wang", T0), "li", T0, CONFIG)
    later = as_of(item, T0 + CONFIG.claim_timeout)
    assert later.status == ReviewStatus.AWAITING_SECOND
    assert later.claimed_by is None and later.first_approved_by == "wang"


OFFICERS = st.sampled_from(("wang", "li", "zhao"))


class ReviewMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.item = _item(5_000_000)
        self.approvers: list[str] = []

    @rule(officer=OFFICERS)
    def claim(self, officer: str) -> None:
        with contextlib.suppress(Conflict):
            self.item = claim(self.item, officer, self.now, CONFIG)

    @rule(officer=OFFICERS)
    def approve(self, officer: str) -> None:
        try:
            self.item = approve(self.item, officer, self.now)
            self.approvers.append(officer)
        except Conflict:
            pass

    @rule(officer=OFFICERS)
    def decline(self, officer: str) -> None:
        with contextlib.suppress(Conflict):
            self.item = decline(self.item, officer, self.now)

    @rule(minutes=st.integers(min_value=1, max_value=60 * 24 * 5))
    def wait(self, minutes: int) -> None:
        self.now += timedelta(minutes=minutes)

    @invariant()
    def approved_only_by_two_distinct_officers(self) -> None:
        if self.item.status == ReviewStatus.APPROVED:
            assert len(self.approvers) == 2 and len(set(self.approvers)) == 2
            assert self.item.first_approved_by != self.item.decided_by

    @invariant()
    def a_claim_is_never_held_past_its_timeout(self) -> None:
        seen = as_of(self.item, self.now)
        if seen.claimed_by is not None:
            assert seen.claim_expires_at is not None and self.now < seen.claim_expires_at


TestReviewMachine = ReviewMachine.TestCase
