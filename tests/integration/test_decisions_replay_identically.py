"""Every stored decision replays to the same outcome, limit, price, score and reasons from what
it stored: the model version over its features, the policy bundle over its facts."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.decision.replay import replay_all
from fengkong.decision.service import submit_application
from fengkong.demo import application_body


def _decide_german_rows(context: Context, german: pd.DataFrame, n: int) -> list[str]:
    rng = random.Random(3)
    as_of = context.clock.business_date()
    ids = []
    rows = german.sample(n=n, replace=n > len(german), random_state=1)
    for _, row in rows.iterrows():
        payload = application_body(row, as_of, rng)
        payload["term_months"] = 12  # a term every shipped product offers
        request = ApplicationIn.model_validate(payload).to_request(as_of)
        ids.append(submit_application(request, context.decisions).id)
    return ids


def test_a_thousand_decisions_replay_identically(
    context: Context, german: pd.DataFrame, request: pytest.FixtureRequest
) -> None:
    n = 1000 if context.db.dialect == "sqlite" else 200
    ids = _decide_german_rows(context, german, n)
    with context.uow() as uow:
        results = list(replay_all(uow, context.artifacts_dir, ids))
    assert len(results) == n
    mismatched = [r for r in results if not r.matches]
    assert mismatched == []
    with context.uow() as uow:
        outcomes = {uow.decisions.get(i).outcome.value for i in ids[:200]}  # type: ignore[union-attr]
    assert {"approve", "decline"} <= outcomes  # the sample exercises more than one path


def test_a_tampered_fact_no_longer_replays(context: Context, german: pd.DataFrame) -> None:
    (decision_id,) = _decide_german_rows(context, german.head(1), 1)
    with context.db.engine.begin() as conn:
        stored = conn.execute(
            sa.text("select facts from decisions where id = :i"), {"i": decision_id}
        ).scalar_one()
        facts = stored if isinstance(stored, dict) else json.loads(stored)
        facts["score"] = 300 if facts["score"] > 520 else 700
        conn.execute(
            sa.text("update decisions set facts = :f where id = :i"),
            {"f": json.dumps(facts), "i": decision_id},
        )
    with context.uow() as uow:
        (result,) = replay_all(uow, context.artifacts_dir, [decision_id])
    assert not result.matches
    assert any("outcome" in d or "rate" in d or "reasons" in d for d in result.differences)


def test_cli_replay(
    context: Context,
    german: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    staff_login("fks_auditor")
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    ids = _decide_german_rows(context, german, 5)
    runner = CliRunner()
    one = runner.invoke(app, ["decision", "replay", ids[0], "--json"])
    assert one.exit_code == 0, one.output
    assert json.loads(one.stdout)["matched"] == 1
    every = runner.invoke(app, ["decision", "replay", "--all", "--json"])
    assert json.loads(every.stdout)["replayed"] == 5
    assert "code" not in json.loads(every.stdout)
    assert runner.invoke(app, ["decision", "replay"]).exit_code == 2
    with context.db.engine.begin() as conn:
        stored = conn.execute(
            sa.text("select facts from decisions where id = :i"), {"i": ids[0]}
        ).scalar_one()
        facts = stored if isinstance(stored, dict) else json.loads(stored)
        facts["score"] = 300 if facts["score"] > 520 else 700
        conn.execute(
            sa.text("update decisions set facts = :f where id = :i"),
            {"f": json.dumps(facts), "i": ids[0]},
        )
    differs = runner.invoke(app, ["decision", "replay", "--all", "--json"])
    assert differs.exit_code == 1
    doc = json.loads(differs.stdout)
    assert (doc["code"], doc["matched"], doc["mismatches"][0]["decision_id"]) == (
        "replay_mismatch",
        4,
        ids[0],
    )
