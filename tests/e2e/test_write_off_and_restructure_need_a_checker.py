"""A manual write-off and a restructure are an officer's requests that an approver other than
them approves over /v1/approvals (the loan changes then, audited with both names) or rejects
(nothing changes) — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from e2e.test_loans_api import _active_loan
from fakes.access import bearer
from fakes.api import api_client
from fengkong.bootstrap import Context

OFFICER, RISK = bearer("fks_officer"), bearer("fks_risk")
ALAN, BETH = bearer("fks_approver"), bearer("fks_approver2")


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _loan(client: TestClient, loan_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/loans/{loan_id}")
    assert response.status_code == 200, response.text
    loan: dict[str, Any] = response.json()
    return loan


def _audit(context: Context, loan_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    with context.uow() as uow:
        return [
            (r.action, r.actor, dict(r.payload)) for r in uow.audit.for_subject("loan", loan_id)
        ]


def test_a_write_off_waits_for_another_approver(client: TestClient, context: Context) -> None:
    loan_id = _active_loan(client, context)
    before = _loan(client, loan_id)
    body = {"reason": "identity fraud confirmed by police"}
    nobody = {"Authorization": ""}
    assert (
        client.post(f"/v1/loans/{loan_id}/write-off", json=body, headers=nobody).status_code == 401
    )
    assert client.post(f"/v1/loans/{loan_id}/write-off", json=body, headers=RISK).status_code == 403
    asked = client.post(f"/v1/loans/{loan_id}/write-off", json=body, headers=OFFICER)
    assert asked.status_code == 202, asked.text
    request = asked.json()
    assert (request["kind"], request["maker"], request["status"]) == (
        "loan.write_off",
        "user:olivia",
        "pending",
    )
    again = client.post(f"/v1/loans/{loan_id}/write-off", json=body, headers=OFFICER)
    assert again.status_code == 409  # one pending request per loan
    assert _loan(client, loan_id) == before  # nothing changes until approved

    pending = client.get("/v1/approvals", params={"kind": "loan.write_off"}, headers=ALAN)
    assert [r["id"] for r in pending.json()] == [request["id"]]
    by_officer = client.post(f"/v1/approvals/{request['id']}/approve", headers=OFFICER)
    assert by_officer.status_code == 403 and by_officer.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert _loan(client, loan_id) == before

    done = client.post(f"/v1/approvals/{request['id']}/approve", headers=ALAN)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["checker"]) == ("approved", "user:alan")
    assert _loan(client, loan_id)["status"] == "written_off"
    (written,) = [a for a in _audit(context, loan_id) if a[0] == "loan.written_off"]
    assert written[1] == "user:alan"
    assert (written[2]["maker"], written[2]["checker"]) == ("user:olivia", "user:alan")
    twice = client.post(f"/v1/approvals/{request['id']}/approve", headers=BETH)
    assert twice.status_code == 409


def test_a_restructure_rejected_changes_nothing_and_approved_restructures(
    client: TestClient, context: Context
) -> None:
    loan_id = _active_loan(client, context)
    before = _loan(client, loan_id)
    body = {"reason": "lost job; asks for longer", "extra_terms": 2}
    asked = client.post(f"/v1/loans/{loan_id}/restructure", json=body, headers=OFFICER)
    assert asked.status_code == 202, asked.text
    no_reason = client.post(f"/v1/approvals/{asked.json()['id']}/reject", json={}, headers=ALAN)
    assert no_reason.status_code == 422
    rejected = client.post(
        f"/v1/approvals/{asked.json()['id']}/reject", json={"reason": "no payslips"}, headers=ALAN
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert _loan(client, loan_id) == before

    asked = client.post(f"/v1/loans/{loan_id}/restructure", json=body, headers=OFFICER)
    done = client.post(f"/v1/approvals/{asked.json()['id']}/approve", headers=BETH)
    assert done.status_code == 200, done.text
    assert _loan(client, loan_id)["schedule"] != before["schedule"]
    (restructured,) = [a for a in _audit(context, loan_id) if a[0] == "loan.restructured"]
    assert restructured[1] == "user:beth" and restructured[2]["maker"] == "user:olivia"
    assert restructured[2]["new_terms"] == restructured[2]["old_terms"] + 2
