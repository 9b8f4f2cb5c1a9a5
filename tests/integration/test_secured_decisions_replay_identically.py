"""Decisions made by the decision service under retail-v4 (approve if secured just under the
refer band) replay identically, the condition on their offers included; a tampered condition no
longer replays; the back-test counts the new outcome."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from factories import make_champion
from fakes.access import FakeAuthenticator
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings
from fengkong.db.tables import decisions
from fengkong.decision.backtest import run_backtest
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.compiler import load_shipped_policy
from fengkong.decision.replay import replay_all
from fengkong.decision.service import submit_application
from fengkong.demo import application_body
from fengkong.scoring.train import TrainedScorecard


@pytest.fixture
def v4_context(
    settings: Settings, clock: FakeClock, trained: TrainedScorecard
) -> Iterator[Context]:
    ctx = bootstrap(settings, clock=clock, policy=read_shipped_bundle("retail-v4.yaml"))
    ctx.authenticator = FakeAuthenticator()
    with ctx.uow() as uow:
        make_champion(uow, ctx.artifacts_dir, trained, clock)
        uow.commit()
    yield ctx
    ctx.close()


def _decide(context: Context, german: pd.DataFrame, n: int) -> list[str]:
    rng = random.Random(5)
    as_of = context.clock.business_date()
    ids = []
    for _, row in german.sample(n=n, random_state=2).iterrows():
        payload = application_body(row, as_of, rng)
        payload["term_months"] = 12
        # within the retail product's ¥1,000 to ¥50,000
        payload["amount"] = str(min(max(int(payload["amount"]), 1000), 50000))
        request = ApplicationIn.model_validate(payload).to_request(as_of)
        ids.append(submit_application(request, context.decisions).id)
    return ids


def test_secured_decisions_replay_identically(v4_context: Context, german: pd.DataFrame) -> None:
    context = v4_context
    ids = _decide(context, german, 120)
    with context.uow() as uow:
        stored = [uow.decisions.get(i) for i in ids]
        results = list(replay_all(uow, context.artifacts_dir, ids))
    assert [r for r in results if not r.matches] == []
    secured = [d for d in stored if d is not None and d.outcome.value == "approve_secured"]
    assert secured, "the sample reaches the secured band"
    for d in secured:
        assert d.security is not None and d.approved_amount == d.security["amount_fen"]

    # a condition altered in storage no longer replays
    tampered = secured[0]
    offer = dict(tampered.offer or {})
    offer["security"] = {**offer["security"], "within_days": 99}
    with context.db.engine.begin() as conn:
        conn.execute(sa.update(decisions).where(decisions.c.id == tampered.id).values(offer=offer))
    with context.uow() as uow:
        (result,) = replay_all(uow, context.artifacts_dir, [tampered.id])
    assert not result.matches and any("security" in d for d in result.differences)


def test_the_backtest_counts_the_secured_outcome(v4_context: Context, german: pd.DataFrame) -> None:
    context = v4_context
    _decide(context, german, 60)
    today = context.clock.business_date()
    report = run_backtest(
        context.uow(), load_shipped_policy("retail-v4.yaml"), today - timedelta(days=1), today
    )
    secured = report.candidate.count("approve_secured")
    assert secured == report.current.count("approve_secured") > 0
    assert report.candidate.as_dict()["approve_secured"] == secured
