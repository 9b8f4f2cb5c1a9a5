"""Policy versions over HTTP, on SQLite and PostgreSQL: submit, read, and activation under
maker-checker with problem+json refusals."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from fakes.access import bearer
from fakes.api import acting_as, api_client
from fengkong.bootstrap import Context
from fengkong.core.actor import Role

STARTER = (
    resources.files("fengkong.decision").joinpath("policies/retail-v3.yaml").read_text("utf-8")
)
PROBLEM = "application/problem+json"
ZHANG, CHEN = bearer("fks_test_zhang"), bearer("fks_test_chen")


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    # zhang writes policies and may approve, though not his own; chen approves.
    acting_as(context, "zhang", Role.RISK_MANAGER, Role.APPROVER)
    acting_as(context, "chen", Role.APPROVER)
    with api_client(context) as c:
        yield c


def _doc(version: str) -> dict[str, str]:
    number = version.rsplit("-v", 1)[1]
    return {"document": STARTER.replace("\nversion: 3\n", f"\nversion: {number}\n", 1)}


def test_submit_request_approve(client: TestClient) -> None:
    created = client.post("/v1/policies", json=_doc("retail-v2"), headers=ZHANG)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft" and created.json()["author"] == "user:zhang"
    again = client.post("/v1/policies", json=_doc("retail-v2"), headers=ZHANG)
    assert again.status_code == 200

    requested = client.post("/v1/policies/retail-v2/activation", headers=ZHANG, json={})
    assert requested.status_code == 200 and requested.json()["status"] == "pending_approval"

    self_approved = client.post("/v1/policies/retail-v2/activation/approve", headers=ZHANG)
    assert self_approved.status_code == 403  # maker-checker
    assert self_approved.headers["content-type"] == PROBLEM

    approved = client.post("/v1/policies/retail-v2/activation/approve", headers=CHEN)
    assert approved.status_code == 200, approved.text
    assert approved.json()["policy"]["status"] == "active"
    assert approved.json()["retired"] is None

    listed = client.get("/v1/policies").json()
    assert [(p["version"], p["status"]) for p in listed] == [("retail-v2", "active")]
    assert "document" not in listed[0]
    one = client.get("/v1/policies/retail-v2").json()
    assert one["document"] == _doc("retail-v2")["document"]
    assert one["approved_by"] == "user:chen"


def test_challenger_role(client: TestClient) -> None:
    client.post("/v1/policies", json=_doc("retail-v3"), headers=ZHANG)
    client.post(
        "/v1/policies/retail-v3/activation",
        headers=ZHANG,
        json={"role": "challenger"},
    )
    done = client.post("/v1/policies/retail-v3/activation/approve", headers=CHEN)
    assert done.json()["policy"]["status"] == "challenger"


def test_refusals(client: TestClient) -> None:
    bad = client.post(
        "/v1/policies",
        json={"document": "version: x\ncutoff: {}\n"},
        headers=ZHANG,
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    anonymous = client.post("/v1/policies", json=_doc("retail-v4"), headers={"Authorization": ""})
    assert anonymous.status_code == 401
    approver = client.post("/v1/policies", json=_doc("retail-v4"), headers=CHEN)
    assert approver.status_code == 403
    missing = client.get("/v1/policies/nope")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    client.post("/v1/policies", json=_doc("retail-v4"), headers=ZHANG)
    not_pending = client.post("/v1/policies/retail-v4/activation/approve", headers=CHEN)
    assert not_pending.status_code == 409
    client.post("/v1/policies/retail-v4/activation", headers=ZHANG)
    rejected = client.post(
        "/v1/policies/retail-v4/activation/reject",
        headers=CHEN,
        json={"reason": "cut-off too low"},
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "draft"
