"""What an officer may grant on a referral is bounded by the policy that referred it: the limit by
the amount asked, the limit matrix (the cell the policy found, else its score band's row, else the
whole matrix) and the exposure cap; the rate by the product's range and the legal APR cap; the
term by the product. Every breach is an error naming its bound.

The demo policy's matrix, in yuan:

    band   comfortable  stretched  tight
    A          50000      30000    10000
    B          30000      15000     5000
    C          10000       5000        0

exposure cap 80000; product 250 to 50000 yuan, 6 % to 24 %, fee 1 % spread."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.officer_terms import (
    AskedTerms,
    OfficerTerms,
    check_terms,
    resolve_terms,
    terms_bounds,
)
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy import CompiledPolicy
from fengkong.decision.record import DecisionRecord

START = date(2026, 3, 2)


@pytest.fixture(scope="module")
def policy() -> CompiledPolicy:
    return read_shipped_bundle("demo-german.yaml").compile()


def referral(
    asked_yuan: int,
    *,
    trace: tuple[dict[str, Any], ...] = (),
    owed_fen: int | None = 0,
    annual_rate: str | None = "0.15",
) -> DecisionRecord:
    return DecisionRecord(
        id="dec_1",
        application_id="app_1",
        decided_at=datetime(2026, 3, 2, tzinfo=UTC),
        outcome=Outcome.REFER,
        score=570,
        pd="0.1",
        approved_amount=None,
        reasons=(),
        policy_version="demo-german-v2",
        model_version=None,
        model_sha256=None,
        inputs={"amount_fen": asked_yuan * 100, "term_months": 12},
        features={},
        input_hash="0" * 64,
        annual_rate=annual_rate,
        term_months=12,
        trace=trace,
        facts={} if owed_fen is None else {"existing_exposure": owed_fen},
    )


def _limit(band: str, afford: str, adjusted: str | None = None) -> dict[str, Any]:
    detail = {"score_band": band, "affordability": afford}
    return {
        "stage": "limit",
        "detail": detail | ({} if adjusted is None else {"adjusted": adjusted}),
    }


def _pricing(band: str) -> dict[str, Any]:
    return {"stage": "pricing", "detail": {"band": band}}


@pytest.mark.parametrize(
    ("decision", "most_yuan", "basis"),
    [
        # the cell the policy found
        (
            referral(20_000, trace=(_pricing("B"), _limit("B", "stretched"))),
            15_000,
            "the limit matrix for score band B × stretched",
        ),
        # the cell as the policy's `limits.adjust` raised it (a salary: by a fifth) or cut it
        (
            referral(40_000, trace=(_pricing("A"), _limit("A", "stretched", "¥36,000.00"))),
            36_000,
            "the limit matrix for score band A × stretched, as adjusted",
        ),
        (
            referral(40_000, trace=(_pricing("A"), _limit("A", "stretched", "¥15,000.00"))),
            15_000,
            "the limit matrix for score band A × stretched, as adjusted",
        ),
        # affordability unknown (the limit stage referred): the band's best cell
        (
            referral(40_000, trace=(_pricing("B"),)),
            30_000,
            "the limit matrix's most for score band B",
        ),
        # referred before the score band: the whole matrix
        (referral(45_000), 45_000, "the amount applied for"),
        # what the applicant already owes us
        (
            referral(40_000, trace=(_pricing("A"),), owed_fen=7_000_000),
            10_000,
            "the exposure cap ¥80,000.00 less ¥70,000.00 already lent",
        ),
        # exposure not known: the cap itself
        (
            referral(50_000, trace=(_pricing("A"),), owed_fen=None),
            50_000,
            "the product's maximum",
        ),
    ],
)
def test_the_tightest_bound_limits_and_is_named(
    policy: CompiledPolicy, decision: DecisionRecord, most_yuan: int, basis: str
) -> None:
    bounds = terms_bounds(policy, decision)
    assert (bounds.max_amount, bounds.max_amount_basis) == (most_yuan * 100, basis)
    assert bounds.min_amount == 25_000
    top = check_terms(AskedTerms(Fen(most_yuan * 100), Decimal("0.15"), 12), bounds, policy, START)
    assert top[0] == OfficerTerms(Fen(most_yuan * 100), Decimal("0.15"), 12)
    with pytest.raises(Invalid) as refused:
        check_terms(
            AskedTerms(Fen(most_yuan * 100 + 1), Decimal("0.15"), 12), bounds, policy, START
        )
    (error,) = refused.value.errors
    assert error.loc == ("limit",) and basis in error.msg and "demo-german-v2" in error.msg


def test_rate_term_and_floor_breaches_are_reported_together(policy: CompiledPolicy) -> None:
    bounds = terms_bounds(policy, referral(5_000, trace=(_pricing("A"),)))
    with pytest.raises(Invalid) as refused:
        check_terms(AskedTerms(Fen(10_000), Decimal("0.05"), 17), bounds, policy, START)
    messages = {e.loc[0]: e.msg for e in refused.value.errors}
    assert "below the product's minimum ¥250.00" in messages["limit"]
    assert "outside the product's rate range 0.06..0.24" in messages["annual_rate"]
    assert "17 months is not offered" in messages["term_months"]


def test_a_rate_within_range_but_over_the_apr_cap_is_refused(policy: CompiledPolicy) -> None:
    bounds = terms_bounds(policy, referral(5_000, trace=(_pricing("A"),)))
    with pytest.raises(Invalid, match=r"above the legal cap 24\.00 %"):
        check_terms(AskedTerms(Fen(500_000), Decimal("0.24"), 12), bounds, policy, START)
    terms, offer = check_terms(AskedTerms(Fen(500_000), Decimal("0.2"), 12), bounds, policy, START)
    assert offer.apr <= Decimal("0.24") and offer.amount == terms.amount


def test_left_out_terms_come_from_the_first_approval_else_the_policy(
    policy: CompiledPolicy,
) -> None:
    bounds = terms_bounds(policy, referral(5_000, trace=(_pricing("A"),)))
    assert resolve_terms(AskedTerms(), None, bounds) == AskedTerms(
        Fen(500_000), Decimal("0.15"), 12
    )
    first = OfficerTerms(Fen(300_000), Decimal("0.1"), 6)
    assert resolve_terms(AskedTerms(term_months=9), first, bounds) == AskedTerms(
        Fen(300_000), Decimal("0.1"), 9
    )
    unpriced = terms_bounds(policy, referral(5_000, annual_rate=None))
    with pytest.raises(Invalid, match="the policy priced nothing"):
        check_terms(resolve_terms(AskedTerms(), None, unpriced), unpriced, policy, START)
