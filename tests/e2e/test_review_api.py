"""The review queue over HTTP, on SQLite and PostgreSQL: list, claim, approve and decline, with the
officer the authenticated caller, and problem+json for every refusal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from factories import queue_referral
from fakes.access import bearer
from fakes.api import acting_as, api_client
from fengkong.bootstrap import Context
from fengkong.core.actor import Role
from fengkong.core.clock import FakeClock
from fengkong.decision.review import ReviewConfig

PROBLEM = "application/problem+json"


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    # wang and olivia are officers; li also holds the approver role, for the second approval
    # of an amount above the four-eyes limit.
    for officer in ("wang", "olivia"):
        acting_as(context, officer)
    acting_as(context, "li", Role.OFFICER, Role.APPROVER)
    with api_client(context) as c:
        yield c


def refer(context: Context, amount_fen: int = 500_000) -> str:
    with context.uow() as uow:
        config = ReviewConfig.from_settings(context.settings)
        item = queue_referral(uow, context.clock, config, amount_fen)
        uow.commit()
    return item.id


def _as(officer: str) -> dict[str, str]:
    """The officer's credentials (registered by the `client` fixture)."""
    return bearer(f"fks_test_{officer}")


def test_list_claim_approve(client: TestClient, context: Context) -> None:
    first = refer(context)
    assert isinstance(context.clock, FakeClock)
    context.clock.advance(timedelta(minutes=5))
    second = refer(context)
    listed = client.get("/v1/review/items", params={"status": "open"})
    assert listed.status_code == 200
    assert [i["id"] for i in listed.json()] == [first, second]
    assert listed.json()[0]["amount"] == "5000.00"
    assert listed.json()[0]["reasons"][0]["code"] == "POL_SCORE_IN_REVIEW_BAND"

    claimed = client.post(f"/v1/review/items/{second}/claim", headers=_as("wang"))
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["status"] == "claimed" and claimed.json()["claimed_by"] == "user:wang"

    approved = client.post(
        f"/v1/review/items/{second}/approve",
        headers=_as("wang"),
        json={"comment": "payslips check out"},
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["decided_by"] == "user:wang"

    detail = client.get(f"/v1/review/items/{second}").json()
    assert [(e["action"], e["comment"]) for e in detail["events"]] == [
        ("enqueued", ""),
        ("claimed", ""),
        ("approved", "payslips check out"),
    ]
    assert [i["id"] for i in client.get("/v1/review/items?status=open").json()] == [first]


def test_claiming_a_claimed_item_is_409(client: TestClient, context: Context) -> None:
    item = refer(context)
    assert client.post(f"/v1/review/items/{item}/claim", headers=_as("wang")).status_code == 200
    taken = client.post(f"/v1/review/items/{item}/claim", headers=_as("li"))
    assert taken.status_code == 409
    assert taken.headers["content-type"] == PROBLEM
    assert "claimed by user:wang" in taken.json()["detail"]


def test_acting_without_holding_the_claim_is_409(client: TestClient, context: Context) -> None:
    item = refer(context)
    unclaimed = client.post(
        f"/v1/review/items/{item}/decline", headers=_as("li"), json={"comment": "no"}
    )
    assert unclaimed.status_code == 409 and unclaimed.headers["content-type"] == PROBLEM
    client.post(f"/v1/review/items/{item}/claim", headers=_as("wang"))
    other = client.post(
        f"/v1/review/items/{item}/approve", headers=_as("li"), json={"comment": "fine"}
    )
    assert other.status_code == 409


def test_unknown_item_is_404(client: TestClient) -> None:
    missing = client.post("/v1/review/items/rev_nope/claim", headers=_as("wang"))
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    assert client.get("/v1/review/items/rev_nope").status_code == 404


def test_officer_and_comment_are_required(client: TestClient, context: Context) -> None:
    item = refer(context)
    for headers, status in (
        ({"Authorization": ""}, 401),
        (bearer("fks_nobody"), 401),
        (bearer("fks_auditor"), 403),
        (bearer("fks_risk"), 403),
    ):
        refused = client.post(f"/v1/review/items/{item}/claim", headers=headers)
        assert refused.status_code == status, headers
        assert refused.headers["content-type"] == PROBLEM
    client.post(f"/v1/review/items/{item}/claim", headers=_as("wang"))
    for body in ({}, {"comment": "  "}):
        refused = client.post(f"/v1/review/items/{item}/approve", headers=_as("wang"), json=body)
        assert refused.status_code == 422, body


def test_four_eyes_over_http(client: TestClient, context: Context) -> None:
    item = refer(context, amount_fen=5_000_000)
    client.post(f"/v1/review/items/{item}/claim", headers=_as("wang"))
    first = client.post(
        f"/v1/review/items/{item}/approve", headers=_as("wang"), json={"comment": "ok"}
    )
    assert first.json()["status"] == "awaiting_second" and first.json()["four_eyes"]
    again = client.post(f"/v1/review/items/{item}/claim", headers=_as("wang"))
    assert again.status_code == 409 and "different officer" in again.json()["detail"]
    # olivia, an officer without the approver role, may not give the second approval
    assert client.post(f"/v1/review/items/{item}/claim", headers=_as("olivia")).status_code == 200
    unentitled = client.post(
        f"/v1/review/items/{item}/approve",
        headers=bearer("fks_officer"),
        json={"comment": "agreed"},
    )
    assert unentitled.status_code == 403 and "approver role" in unentitled.json()["detail"]
    assert client.get(f"/v1/review/items/{item}").json()["status"] == "awaiting_second"
    context.clock.advance(ReviewConfig.from_settings(context.settings).claim_timeout)  # type: ignore[attr-defined]
    assert client.post(f"/v1/review/items/{item}/claim", headers=_as("li")).status_code == 200
    second = client.post(
        f"/v1/review/items/{item}/approve", headers=_as("li"), json={"comment": "agreed"}
    )
    assert second.json()["status"] == "approved"
    assert (
        second.json()["first_approved_by"] == "user:wang"
        and second.json()["decided_by"] == "user:li"
    )


def test_a_lapsed_claim_can_be_taken_over(client: TestClient, context: Context) -> None:
    item = refer(context)
    client.post(f"/v1/review/items/{item}/claim", headers=_as("wang"))
    assert isinstance(context.clock, FakeClock)
    context.clock.advance(ReviewConfig.from_settings(context.settings).claim_timeout)
    assert client.get(f"/v1/review/items/{item}").json()["status"] == "open"
    assert client.post(f"/v1/review/items/{item}/claim", headers=_as("li")).status_code == 200
