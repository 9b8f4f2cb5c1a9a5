"""POST /v1/policies/{version}/backtest: a stored version run over the stored decisions, on SQLite
and PostgreSQL; problem+json for an unknown version (404), an empty window (404), bad dates and a
document that does not compile (422, with its line)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from decision.test_backtest_support import LOOSER, NEW_SEGMENT, decide, demo_with
from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.decision import policy_registry

PROBLEM = "application/problem+json"


@pytest.fixture
def client(context: Context, german: pd.DataFrame) -> Iterator[TestClient]:
    decide(context, german, 20)
    with api_client(context) as c:
        yield c


def _store(context: Context, version: str, text: str) -> None:
    """Straight into the registry: submission's own checks are the registry's tests."""
    with context.uow() as uow:
        policy_registry.submit(
            uow, text, author="zhang", clock=context.clock, validate=lambda _: version
        )
        uow.commit()


def test_a_looser_version_swaps_in(client: TestClient, context: Context) -> None:
    _store(context, "demo-german-v3", demo_with(NEW_SEGMENT, LOOSER))
    today = context.clock.business_date().isoformat()
    done = client.post("/v1/policies/demo-german-v3/backtest", json={"since": today})
    assert done.status_code == 200, done.text
    report = done.json()
    assert report["policy"] == "demo-german-v3" and report["decisions"] == 20
    assert report["swap_in"]["count"] > 0 and report["swap_out"]["count"] == 0
    assert (
        report["candidate"]["approve"] == report["current"]["approve"] + report["swap_in"]["count"]
    )
    assert report["until"] is None and report["baseline"] == "stored decisions"


def test_refusals_are_problems(client: TestClient, context: Context) -> None:
    today = context.clock.business_date()
    unknown = client.post("/v1/policies/nope-v1/backtest", json={"since": today.isoformat()})
    assert unknown.status_code == 404 and unknown.headers["content-type"] == PROBLEM

    _store(context, "demo-german-v4", demo_with('  A: "0.108"', '  A: "1.5"', version=4))
    broken = client.post("/v1/policies/demo-german-v4/backtest", json={"since": today.isoformat()})
    assert broken.status_code == 422 and "line " in broken.text

    _store(context, "demo-german-v3", demo_with(NEW_SEGMENT, LOOSER))
    bad_date = client.post("/v1/policies/demo-german-v3/backtest", json={"since": "2026-13-01"})
    assert bad_date.status_code == 422
    backwards = client.post(
        "/v1/policies/demo-german-v3/backtest",
        json={"since": today.isoformat(), "until": "2026-01-01"},
    )
    assert backwards.status_code == 422 and "until" in backwards.text
    empty = client.post("/v1/policies/demo-german-v3/backtest", json={"since": "2027-01-01"})
    assert empty.status_code == 404 and "no stored decisions" in empty.text
