"""`POST /v1/applications/{id}/verifications/{check}` and `fengkong application verify`: the
check a waiting decision asks for is made by the configured provider and completes it; what is
missing or wrong is a 4xx problem+json naming it, and a provider that does not answer is a 503
with Retry-After while the decision keeps waiting."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factories import body, body_checkable
from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.sources.identity_simulated import SimulatedIdentityProvider

PROBLEM = "application/problem+json"


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _waiting(client: TestClient, consenting: bool = True) -> str:
    """A burst of one ID's applications: the demo policy asks a live face check of the last.
    `consenting`: the applicant consents to identity checks, as well as to the credit report."""
    made = body_checkable if consenting else body
    decisions = [client.post("/v1/applications", json=made()).json() for _ in range(5)]
    assert decisions[-1]["outcome"] == "verify", decisions[-1]
    return str(decisions[-1]["application_id"])


def _url(app_id: str, check: str = "liveness") -> str:
    return f"/v1/applications/{app_id}/verifications/{check}"


def test_the_check_completes_the_decision_and_is_priced(client: TestClient) -> None:
    app_id = _waiting(client)
    done = client.post(_url(app_id), json={"liveness_token": "sdk-123"})
    assert done.status_code == 200, done.text
    doc = done.json()
    assert (doc["result"], doc["completed"], doc["cost"], doc["cost_total"]) == (
        "passed",
        True,
        "1.00",
        "1.00",
    )
    assert doc["decision"]["outcome"] not in ("verify",)
    shown = client.get(f"/v1/applications/{app_id}").json()
    assert shown["decision"]["outcome"] == doc["decision"]["outcome"]
    listed = client.get(f"/v1/applications/{app_id}/verifications").json()
    assert listed["cost_total"] == "1.00" and listed["cost_by_check"] == {"liveness": "1.00"}
    assert [(c["check"], c["result"]) for c in listed["calls"]] == [("liveness", "passed")]
    again = client.post(_url(app_id), json={"liveness_token": "sdk-123"})
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    metrics = client.get("/metrics").text
    assert (
        'fengkong_identity_checks_total{check="liveness",provider="sim-identity",result="passed"} 1.0'
        in metrics
    )
    assert (
        'fengkong_identity_check_cost_fen_total{check="liveness",provider="sim-identity"} 100.0'
        in metrics
    )


@pytest.mark.parametrize(
    ("check", "payload", "status", "loc"),
    [
        ("liveness", {}, 422, ["params", "liveness_token"]),
        ("liveness", {"liveness_token": "x", "face": "me"}, 422, ["body", "face"]),
        ("liveness", {"code": "12"}, 422, ["body", "code"]),
        ("palm_reading", {}, 422, ["check"]),
        ("carrier_three_factor", {}, 409, None),
    ],
)
def test_bad_requests_are_problems_naming_the_field(
    client: TestClient, check: str, payload: dict[str, Any], status: int, loc: list[str] | None
) -> None:
    app_id = _waiting(client)
    response = client.post(_url(app_id, check), json=payload)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    if loc is not None:
        assert loc in [e["loc"] for e in response.json()["errors"]]
    assert client.get(f"/v1/applications/{app_id}").json()["outcome"] == "verify"


def test_unknown_or_settled_applications(client: TestClient) -> None:
    missing = client.post(_url("app_nope"), json={"liveness_token": "x"})
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    decided = client.post("/v1/applications", json=body()).json()
    settled = client.post(_url(decided["application_id"]), json={"liveness_token": "x"})
    assert settled.status_code == 409


def test_an_unanswering_provider_is_a_503_and_the_decision_waits(context: Context) -> None:
    context.identity_checks = SimulatedIdentityProvider(unavailable_share=1.0)
    with api_client(context) as client:
        app_id = _waiting(client)
        response = client.post(_url(app_id), json={"liveness_token": "sdk"})
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM
        assert int(response.headers["Retry-After"]) > 0
        assert "still waits" in response.json()["detail"]
        assert client.get(f"/v1/applications/{app_id}").json()["outcome"] == "verify"
        calls = client.get(f"/v1/applications/{app_id}/verifications").json()
        assert (calls["cost_total"], calls["calls"][0]["result"]) == ("0.00", "unavailable")
        # the officer may still record a result checked elsewhere
        done = client.post(
            f"/v1/applications/{app_id}/step-up", json={"check": "liveness", "passed": True}
        )
        assert done.status_code == 200 and done.json()["outcome"] != "verify"


def test_the_cli_makes_the_check(
    context: Context,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
    database_url: str,
) -> None:
    app_id = _waiting(client)
    staff_login("fks_all")
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(Path(context.settings.home) / "absent.toml"))
    runner = CliRunner()
    missing = runner.invoke(app, ["application", "verify", app_id, "liveness"])
    assert missing.exit_code == 2, missing.output
    assert "liveness_token" in missing.output
    done = runner.invoke(
        app, ["application", "verify", app_id, "liveness", "--token", "sdk-1", "--json"]
    )
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    assert doc["result"] == "passed" and doc["completed"] and doc["decision"]["outcome"] != "verify"


def test_without_consent_the_check_is_refused_and_the_application_referred(
    context: Context,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
    database_url: str,
) -> None:
    app_id = _waiting(client, consenting=False)
    refused = client.post(_url(app_id), json={"liveness_token": "sdk-1"})
    assert refused.status_code == 409 and refused.headers["content-type"] == PROBLEM
    assert "fraud_check" in refused.json()["detail"]
    assert refused.json()["type"].endswith("/conflict")
    shown = client.get(f"/v1/applications/{app_id}").json()
    assert shown["outcome"] == "refer"
    assert "SRC_LIVENESS_NO_CONSENT" in [r["code"] for r in shown["decision"]["reasons"]]
    calls = client.get(f"/v1/applications/{app_id}/verifications").json()
    assert calls["calls"] == [] and calls["cost_total"] == "0.00"

    other = _waiting(client, consenting=False)
    staff_login("fks_all")
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(Path(context.settings.home) / "absent.toml"))
    done = CliRunner().invoke(
        app, ["application", "verify", other, "liveness", "--token", "sdk-1", "--json"]
    )
    assert done.exit_code == 1, done.output
    doc = json.loads(done.stdout)
    assert (doc["code"], doc["category"]) == ("identity_check_no_consent", "conflict")
    assert "反欺诈核验" in doc["detail"]
