"""Small businesses in a simulated run (`fengkong simulate --businesses-per-day`): two months of
one consumer and one business a day. Each business applies with its business block and its
owner's consents and is decided under business-v1 by the business scorecard the run trained and
promoted at its start, on the six documents the run's own provider served; consumers are still
decided under the consumer policy. Some businesses are booked, and their loans are serviced
with the consumers' (instalments fall due, the borrowers pay). The report shows the segment
apart: its funnel, its reasons, its bookings and its defaults, in the JSON summary, the
terminal and the HTML page. The same seed gives the same days, and a run stopped in the
middle of a business's application resumes without deciding it twice."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from fengkong.core.settings import Settings
from fengkong.decision.record import DecisionRecord
from fengkong.decision.service import DecisionServices
from fengkong.onboarding.application import ApplicationRequest
from fengkong.sim import business_desk
from fengkong.sim.behaviour import repayment
from fengkong.sim.book import STATE_FILE
from fengkong.sim.business import BusinessPopulation
from fengkong.sim.business_desk import borrower_of
from fengkong.sim.business_documents import BUSINESS_ANSWERS
from fengkong.sim.business_model import train_business_model
from fengkong.sim.model import Behaviour
from fengkong.sim.report import render, render_html, summary
from fengkong.sim.report_business import business_months
from fengkong.sim.run import RunInterrupted, RunOutcome, simulate
from fengkong.sim.scenarios import scenario
from fengkong.sim.stats import RunStats
from sim.lifecycle_runs import (
    START,
    applications,
    lifecycle_plan,
    loans,
    run_context,
    sim_settings,
    total,
)

SEED = 3
PLAN = replace(lifecycle_plan(months=2, per_day=1, seed=SEED), businesses_per_day=1)
KINDS = {kind.value for kind in BUSINESS_ANSWERS}  # the six kinds business-v1 fetches
EARLY_DAY = 5  # the days compared between two runs of the same seed: 0 to this


@dataclass(frozen=True, slots=True)
class Run:
    outcome: RunOutcome
    settings: Settings
    folder: Path
    early: dict[str, Any]  # the run's state as saved after day EARLY_DAY


@pytest.fixture(scope="module")
def trained_once() -> Iterator[None]:
    """The business champion trained once for the module (it is seeded: the same model each
    time), however many runs start."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(business_desk, "train_business_model", cache(train_business_model))
        yield


def _state(folder: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    return doc


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, trained_once: None) -> Run:
    home = tmp_path_factory.mktemp("business-run")
    settings, folder = sim_settings(home / "home"), home / "run"
    early: dict[str, Any] = {}

    def keep(day: int, on: date) -> None:
        if day == EARLY_DAY:
            early.update(_state(folder))

    outcome = simulate(settings, PLAN, folder, after_day=keep)
    return Run(outcome, settings, folder, early)


def _stats(run: Run) -> RunStats:
    return run.outcome.state.stats


def test_businesses_are_decided_under_business_v1_on_documents_the_provider_served(
    run: Run,
) -> None:
    stats = _stats(run)
    assert run.outcome.books_ok
    assert stats.business_policy == "business-v1"
    assert stats.business_model == "business-scorecard-v1"
    with run_context(run.settings, PLAN, run.folder) as ctx:
        rows = applications(ctx)
        firms = [r for r in rows if r.product == "business_loan"]
        people = [r for r in rows if r.product != "business_loan"]
        # the segments apart: the consumer funnel counts no business, and the other way round
        assert len(firms) == total(stats, "business_applications") >= 50
        assert len(people) == total(stats, "applications") >= 50
        assert {r.policy_version for r in firms} == {"business-v1"}
        assert {r.policy_version for r in people} == {"retail-v3"}
        with ctx.uow() as uow:
            decisions = [uow.decisions.for_application(r.id) for r in firms]
    fetched = 0
    for decision in decisions:
        assert decision is not None
        assert decision.facts["declared.owners_count"] >= 1  # the business block was decided on
        cited = {s["kind"] for s in decision.inputs.get("sources", [])}
        if all(decision.facts.get(f"source.{kind}") == "ok" for kind in KINDS):
            fetched += 1
            assert cited == KINDS
            assert decision.model_version == "business-scorecard-v1"
            assert "financials.debt_ratio" in decision.features
    assert fetched >= 0.9 * len(decisions)  # the provider answered (a rare call may time out)
    # the automatic decisions were of every kind a small-business book sees
    outcomes = {o for m in stats.months for o, n in m.business_outcomes.items() if n}
    assert {"approve", "decline"} <= outcomes


def test_booked_business_loans_are_serviced_with_the_book(run: Run) -> None:
    stats = _stats(run)
    assert len(stats.business_loans) == total(stats, "business_loans_booked") >= 5
    with run_context(run.settings, PLAN, run.folder) as ctx:
        booked = {row.loan_id: row for row in loans(ctx)}
    assert set(stats.business_loans) <= set(booked)
    assert sum(int(booked[i].amount) for i in stats.business_loans) == total(
        stats, "business_amount_booked"
    )
    # the January loans' first instalments fell due in February, and were dealt with
    due = total(stats, "business_instalments_due")
    assert 0 < due <= total(stats, "instalments_due")
    assert total(stats, "business_missed") <= due
    last = stats.snapshots[stats.months[-1].month]
    assert set(stats.business_loans) <= {s.loan_id for s in last}


def test_the_report_shows_the_segment_apart(run: Run) -> None:
    stats = _stats(run)
    doc = summary(stats)["business"]
    assert doc["applications"] == doc["approve"] + doc["refer"] + doc["decline"] > 0
    assert doc["approved"] == doc["approve"] + doc["officer_approved"]
    assert doc["booked_count"] == len(stats.business_loans) > 0
    assert doc["booked_amount_fen"] == total(stats, "business_amount_booked")
    assert doc["booked_amount"] == str(Decimal(doc["booked_amount_fen"]).scaleb(-2))
    reasons = doc["top_reasons"]
    assert reasons and reasons == sorted(reasons, key=lambda r: (-r["count"], r["code"]))
    assert all(r["example_en"] and r["example_zh"] for r in reasons)
    # defaults so far, by hand: the segment's loans 90+ days past due or written off at a
    # month's end
    ours = set(stats.business_loans)
    by_hand = {
        s.loan_id
        for rows in stats.snapshots.values()
        for s in rows
        if s.loan_id in ours and (s.days_past_due >= 90 or s.status == "written_off")
    }
    assert doc["defaults"] == len(by_hand) == business_months(stats)[-1].defaults_to_date

    page = render_html(stats)
    assert 'id="business"' in page and "Small businesses 小微企业" in page
    assert reasons[0]["code"] in page
    assert "自动通过" in render_html(stats, "zh")
    for language, words in (("en", "small businesses"), ("zh", "小微企业")):
        console = Console(record=True, width=160)
        render(stats, console, language)
        assert words in console.export_text()
    # a consumer run's report says nothing of businesses
    assert "business" not in summary(replace(stats, business_policy=None))
    assert 'id="business"' not in render_html(replace(stats, business_policy=None))


def _stop_after(day: int) -> Callable[[int, date], None]:
    def stop(done: int, on: date) -> None:
        if done == day:
            raise KeyboardInterrupt

    return stop


def test_the_same_seed_gives_the_same_days(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another run of the same plan, stopped in the middle of day EARLY_DAY just after its
    business's application was decided, then resumed (the decision found again, not made twice)
    to that day's end: the same days as the first run's."""
    folder = tmp_path / "again"
    real = business_desk.submit_application
    decided: list[str] = []

    def stopping(request: ApplicationRequest, services: DecisionServices) -> DecisionRecord:
        decision = real(request, services)
        decided.append(decision.application_id)
        if len(decided) == EARLY_DAY + 1:  # the business of day EARLY_DAY (one a day)
            raise KeyboardInterrupt
        return decision

    monkeypatch.setattr(business_desk, "submit_application", stopping)
    with pytest.raises(RunInterrupted):
        simulate(run.settings, PLAN, folder)
    assert _state(folder)["next_day"] == EARLY_DAY
    with pytest.raises(RunInterrupted):
        simulate(run.settings, PLAN, folder, after_day=_stop_after(EARLY_DAY))
    assert len(decided) == EARLY_DAY + 1  # resumed, the day's business was found, not decided again
    again, first = _state(folder), run.early
    assert again["next_day"] == first["next_day"] == EARLY_DAY + 1
    assert first["stats"]["months"][0]["business_applications"] == EARLY_DAY + 1
    assert again["stats"]["months"] == first["stats"]["months"]
    assert len(again["stats"]["business_loans"]) == len(first["stats"]["business_loans"]) > 0
    assert again["stats"]["reason_texts"] == first["stats"]["reason_texts"]
    assert sorted(again["referrals"].values()) == sorted(first["referrals"].values())


def test_a_business_repays_by_its_hidden_pd() -> None:
    """The behaviour of a booked business is drawn from its hidden PD as a consumer's is from
    theirs: about as many roll to default as the PDs say, the riskier far more often; its PD has
    the economy in it, so a downturn adds no shock on top."""
    population = BusinessPopulation(SEED, START, per_day=4)
    firms = population.businesses(800)
    borrowers = [borrower_of(firm, SEED, firm.index // 4) for firm in firms]
    defaulting = [b.behaviour is Behaviour.ROLLS_TO_DEFAULT for b in borrowers]
    expected = sum(f.pd for f in firms)
    assert abs(sum(defaulting) - expected) < 3 * math.sqrt(expected)
    by_pd = sorted(zip((f.pd for f in firms), defaulting, strict=True))
    fifth = len(by_pd) // 5
    assert sum(d for _, d in by_pd[-fifth:]) > 3 * sum(d for _, d in by_pd[:fifth])
    assert {b.key for b in borrowers} == {f.key for f in firms}
    assert all(
        b.identity == f.owner.identity and b.amount == f.amount
        for b, f in zip(borrowers, firms, strict=True)
    )
    # the same seed, the same behaviour
    assert borrower_of(firms[7], SEED, 1) == borrower_of(firms[7], SEED, 1)

    steady = next(b for b in borrowers if b.behaviour is Behaviour.STEADY)
    downturn = scenario("downturn")
    answers = [
        repayment(
            steady, loan=0, instalment=n, month=n + 2, scenario=downturn, seed=SEED, shocks=False
        )
        for n in range(1, steady.term_months + 1)
    ]
    assert all(a.days_late == 0 and a.share == 1 for a in answers)
    # the consumers' shock, were it added, would turn some steady payers in a downturn
    shocked = [
        b
        for b in borrowers
        if b.behaviour is Behaviour.STEADY
        and any(
            repayment(b, loan=0, instalment=n, month=n + 2, scenario=downturn, seed=SEED).days_late
            is None
            for n in range(1, b.term_months + 1)
        )
    ]
    assert shocked
