"""A channel key (the lender's app) submits through its own sales channel and reaches only what
came through it: another channel's application, decision, offer or loan is not found (404, not
403: the key must not learn it exists). Staff are not confined. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import body
from fakes.access import bearer
from fakes.api import api_client
from fengkong.bootstrap import Context

APP = bearer("fks_channel")  # a key of channel "app"


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context, secret="fks_channel") as c:
        yield c


def _submit(client: TestClient, headers: dict[str, str], **changes: Any) -> dict[str, Any]:
    made = client.post("/v1/applications", json=body(**changes), headers=headers)
    assert made.status_code == 201, made.text
    decided: dict[str, Any] = made.json()
    return decided


def test_a_channel_keys_application_comes_through_its_channel(client: TestClient) -> None:
    decided = _submit(client, APP)
    read = client.get(f"/v1/applications/{decided['application_id']}")
    assert read.status_code == 200, read.text
    assert read.json()["channel"] == "app"
    same = _submit(client, APP, channel={"source": "app", "device_id": "d-1"})
    assert client.get(f"/v1/applications/{same['application_id']}").json()["channel"] == "app"


def test_naming_another_channel_is_refused(client: TestClient, context: Context) -> None:
    refused = client.post("/v1/applications", json=body(channel={"source": "web"}))
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    with context.uow() as uow:
        assert uow.applications.get("nope") is None
    staff = client.post(
        "/v1/applications", json=body(channel={"source": "web"}), headers=bearer("fks_all")
    )
    assert staff.status_code == 201  # a person is not a channel: the body's channel stands


def test_another_channels_records_are_not_found(client: TestClient) -> None:
    theirs = _submit(client, bearer("fks_all"), channel={"source": "web"})
    application_id, decision_id = theirs["application_id"], theirs["decision_id"]
    for path in (
        f"/v1/applications/{application_id}",
        f"/v1/decisions/{decision_id}",
        f"/v1/loans/offers/{application_id}",
    ):
        hidden = client.get(path)
        assert hidden.status_code == 404, (path, hidden.text)
        assert client.get(path, headers=bearer("fks_officer")).status_code != 404, path
    accepted = client.post(
        f"/v1/loans/offers/{application_id}/accept", headers={"Idempotency-Key": "acc-x"}
    )
    assert accepted.status_code == 404
    if theirs.get("request_id"):
        by_request = client.get(f"/v1/applications/by-request/{theirs['request_id']}")
        assert by_request.status_code == 404


def test_the_channel_accepts_and_repays_its_own_loan_only(client: TestClient) -> None:
    ours = _submit(client, APP)
    assert ours["outcome"] == "approve", ours
    offer = client.get(f"/v1/loans/offers/{ours['application_id']}")
    assert offer.status_code == 200, offer.text
    accepted = client.post(
        f"/v1/loans/offers/{ours['application_id']}/accept", headers={"Idempotency-Key": "acc-1"}
    )
    assert accepted.status_code == 201, accepted.text
    loan_id = accepted.json()["loan_id"]
    assert client.get(f"/v1/loans/{loan_id}").status_code == 200
    # Not paid out yet, so no quote (409): but the loan is the key's to ask about.
    assert client.get(f"/v1/loans/{loan_id}/settlement-quote").status_code == 409

    theirs = _submit(client, bearer("fks_all"), channel={"source": "web"})
    other = client.post(
        f"/v1/loans/offers/{theirs['application_id']}/accept",
        headers=bearer("fks_all") | {"Idempotency-Key": "acc-2"},
    )
    assert other.status_code == 201, other.text
    other_loan = other.json()["loan_id"]
    for method, path in (
        ("GET", f"/v1/loans/{other_loan}"),
        ("GET", f"/v1/loans/{other_loan}/settlement-quote"),
        ("POST", f"/v1/loans/{other_loan}/repayments"),
        ("POST", f"/v1/loans/{other_loan}/settle"),
    ):
        answer = client.request(
            method, path, json={"amount": "10.00"}, headers={"Idempotency-Key": "r-1"}
        )
        assert answer.status_code == 404, (method, path, answer.text)


def test_consents_are_searched_by_officers_and_auditors_only(client: TestClient) -> None:
    lookup = {"id_number": "11010519491231002X"}
    assert client.post("/v1/consents/search", json=lookup).status_code == 403
    for secret in ("fks_officer", "fks_auditor"):
        found = client.post("/v1/consents/search", json=lookup, headers=bearer(secret))
        assert found.status_code == 200, (secret, found.text)
    for secret in ("fks_risk", "fks_approver", "fks_admin"):
        assert (
            client.post("/v1/consents/search", json=lookup, headers=bearer(secret)).status_code
            == 403
        )
