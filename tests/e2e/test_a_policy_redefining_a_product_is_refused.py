"""A policy declaring a catalogue product's code@version with other terms is refused where it
enters: `POST /v1/policies` answers 422 problem+json naming each differing term (SQLite and
PostgreSQL), `fengkong policy submit` exits 2 saying the same; nothing is stored.

The refused document is retail-v2's product: the retail terms (1 % fee, no grace days, no late
fee) under `cash_loan@1`, the configured cash loan's identity (0.5 %, 3 days, ¥20)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fakes.access import bearer
from fakes.api import api_client
from fengkong.bootstrap import Context, bootstrap
from fengkong.cli import app
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings
from fengkong.decision import policy_registry as registry
from fengkong.decision.bundle import read_shipped_bundle

RETAIL = read_shipped_bundle("retail-v3.yaml").document
CLASHING = RETAIL.replace("  version: 2\n  kind", "  version: 1\n  kind", 1)
PROBLEM = "application/problem+json"
OFFICER = bearer("fks_risk")  # policies are the risk managers' to write
runner = CliRunner()


@pytest.fixture
def client(settings: Settings, clock: FakeClock) -> Iterator[TestClient]:
    ctx: Context = bootstrap(settings, clock=clock)
    with api_client(ctx) as c:
        yield c
    ctx.close()


def test_the_api_refuses_a_redefined_product_and_stores_nothing(client: TestClient) -> None:
    assert CLASHING != RETAIL
    refused = client.post("/v1/policies", json={"document": CLASHING}, headers=OFFICER)
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == PROBLEM
    problem = refused.json()
    terms = {tuple(e["loc"]) for e in problem["errors"]}
    assert ("product", "origination_fee", "rate") in terms
    assert ("product", "grace_days") in terms and ("product", "late_fee", "fixed") in terms
    assert (
        "cash_loan@1 origination_fee.rate is 0.01 here, 0.005 in the catalogue"
        in (problem["detail"])
    )
    assert all(e["msg"].startswith("line ") for e in problem["errors"])
    assert client.get("/v1/policies").json() == []

    accepted = client.post("/v1/policies", json={"document": RETAIL}, headers=OFFICER)
    assert accepted.status_code == 201, accepted.text
    assert [p["version"] for p in client.get("/v1/policies").json()] == ["retail-v3"]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    return tmp_path / "home"


def test_the_cli_refuses_a_redefined_product_with_exit_2(
    home: Path, tmp_path: Path, staff_login: Callable[[str], None]
) -> None:
    staff_login("fks_risk")
    document = tmp_path / "retail-v3.yaml"
    document.write_text(CLASHING, encoding="utf-8")
    refused = runner.invoke(app, ["policy", "submit", str(document)])
    assert refused.exit_code == 2, refused.output
    assert "origination_fee.rate is 0.01 here, 0.005 in the catalogue" in refused.stderr

    as_json = runner.invoke(app, ["policy", "submit", str(document), "--json"])
    assert as_json.exit_code == 2
    error = json.loads(as_json.stdout)
    assert "one code@version means one set of terms" in error["detail"]

    listed = runner.invoke(app, ["policy", "list", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []


@pytest.fixture
def stored_before(settings: Settings, clock: FakeClock) -> Iterator[tuple[Context, TestClient]]:
    """A registry holding retail-v2 as stored before products were checked against the
    catalogue (the registry's own default check only compiles the document)."""
    ctx: Context = bootstrap(settings, clock=clock)
    with ctx.uow() as uow:
        registry.submit(
            uow, CLASHING.replace("\nversion: 3\n", "\nversion: 2\n", 1), author="wu", clock=clock
        )
        uow.commit()
    with api_client(ctx) as c:
        yield ctx, c
    ctx.close()


def test_a_stored_version_redefining_a_product_is_not_activated(
    stored_before: tuple[Context, TestClient],
) -> None:
    ctx, client = stored_before
    asked = client.post("/v1/policies/retail-v2/activation", headers=OFFICER, json={})
    assert asked.status_code == 422, asked.text
    assert asked.headers["content-type"] == PROBLEM
    assert "origination_fee.rate is 0.01 here, 0.005 in the catalogue" in asked.json()["detail"]
    with ctx.uow() as uow:
        (policy,) = registry.list_versions(uow)
    assert policy.status is registry.PolicyStatus.DRAFT and policy.requested_by is None
