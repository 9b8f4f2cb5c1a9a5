"""A burst of applications with one ID asks for a step-up (live face) check; its result lets the
same policy finish the decision."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import body
from fakes.api import api_client
from fengkong.bootstrap import Context


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _burst(client: TestClient) -> dict[str, Any]:
    decisions = [client.post("/v1/applications", json=body()).json() for _ in range(5)]
    assert decisions[-1]["outcome"] == "verify", decisions[-1]
    return decisions[-1]


def test_passing_the_check_completes_the_decision(client: TestClient) -> None:
    waiting = _burst(client)
    done = client.post(
        f"/v1/applications/{waiting['application_id']}/step-up",
        json={"check": "liveness", "passed": True},
    )
    assert done.status_code == 200, done.text
    assert done.json()["outcome"] in ("approve", "refer", "decline")
    assert done.json()["outcome"] != "verify"
    again = client.post(
        f"/v1/applications/{waiting['application_id']}/step-up",
        json={"check": "liveness", "passed": True},
    )
    assert again.status_code == 409


def test_failing_the_check_declines(client: TestClient) -> None:
    waiting = _burst(client)
    done = client.post(
        f"/v1/applications/{waiting['application_id']}/step-up",
        json={"check": "liveness", "passed": False},
    ).json()
    assert done["outcome"] == "decline"
    assert "FR_STEP_UP_FAILED" in [r["code"] for r in done["reasons"]]


def test_a_decision_not_waiting_is_a_conflict(client: TestClient) -> None:
    decided = client.post("/v1/applications", json=body()).json()
    response = client.post(
        f"/v1/applications/{decided['application_id']}/step-up",
        json={"check": "liveness", "passed": True},
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
