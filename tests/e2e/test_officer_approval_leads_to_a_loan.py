"""A referred application approved by an officer is offered, booked and paid out like any
approval, on SQLite and PostgreSQL: refer → claim → approve → offer → accept → disburse over HTTP.

The officer's approval is a decision of its own (who, when, why, the limit, rate and term granted
within the referring policy's bounds), linked to the automatic decision, which is not rewritten and
still replays. Before it existed the offer of such an application answered 409."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import body
from fakes.access import bearer
from fakes.api import acting_as, api_client
from fengkong.bootstrap import Context
from fengkong.core.actor import Role
from fengkong.decision.replay import replay_all
from fengkong.ledger.verify import verify_books

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


def _as(officer: str) -> dict[str, str]:
    """The officer's credentials (registered by the `client` fixture)."""
    return bearer(f"fks_test_{officer}")


def referred(client: TestClient, **changes: Any) -> tuple[dict[str, Any], str]:
    """An application the policy refers (it lacks the applicant's other debts), and its item."""
    payload = {k: v for k, v in body(**changes).items() if k != "existing_monthly_debt"}
    decision = client.post("/v1/applications", json=payload).json()
    assert decision["outcome"] == "refer", decision
    items = client.get("/v1/review/items", params={"status": "open"}).json()
    (item,) = [i for i in items if i["application_id"] == decision["application_id"]]
    return decision, item["id"]


def _audit_actions(context: Context, subject_type: str, subject_id: str) -> list[str]:
    with context.uow() as uow:
        return [r.action for r in uow.audit.for_subject(subject_type, subject_id)]


def test_an_officers_approval_can_be_offered(client: TestClient) -> None:
    """The defect: the offer answered 409 (only automatic approvals were offered)."""
    decision, item = referred(client)
    client.post(f"/v1/review/items/{item}/claim", headers=_as("wang"))
    approved = client.post(
        f"/v1/review/items/{item}/approve", headers=_as("wang"), json={"comment": "payslips ok"}
    )
    assert approved.status_code == 200, approved.text
    offer = client.get(f"/v1/loans/offers/{decision['application_id']}")
    assert offer.status_code == 200, offer.text
    assert offer.json()["amount"] == decision["requested_amount"]  # the default: what was asked


def test_refer_claim_approve_offer_accept_disburse(client: TestClient, context: Context) -> None:
    decision, item = referred(client)
    app_id = decision["application_id"]
    waiting = client.get(f"/v1/loans/offers/{app_id}")
    assert waiting.status_code == 409 and "awaits an officer" in waiting.json()["detail"]

    assert client.post(f"/v1/review/items/{item}/claim", headers=_as("wang")).status_code == 200
    bounds = client.get(f"/v1/review/items/{item}").json()["bounds"]
    assert bounds["policy"] == decision["policy_version"]
    assert Decimal(bounds["max_limit"]) == Decimal("5000.00")  # the amount applied for
    assert bounds["max_limit_basis"] == "the amount applied for"
    assert bounds["suggested_annual_rate"] == decision["annual_rate"]

    # out of bounds: a 422 naming the bound, and nothing changes
    before = _audit_actions(context, "review_item", item)
    too_much = client.post(
        f"/v1/review/items/{item}/approve",
        headers=_as("wang"),
        json={"comment": "ok", "limit": "5000.01"},
    )
    assert too_much.status_code == 422 and too_much.headers["content-type"] == PROBLEM
    (error,) = too_much.json()["errors"]
    assert error["loc"] == ["limit"] and "the amount applied for" in error["msg"]
    over_cap = client.post(
        f"/v1/review/items/{item}/approve",
        headers=_as("wang"),
        json={"comment": "ok", "annual_rate": "0.24"},  # in the product's range, APR above 24 %
    )
    assert over_cap.status_code == 422
    assert "legal cap" in over_cap.json()["errors"][0]["msg"]
    bad_term = client.post(
        f"/v1/review/items/{item}/approve",
        headers=_as("wang"),
        json={"comment": "ok", "annual_rate": "0.30", "term_months": 17},
    )
    assert bad_term.status_code == 422
    assert {e["loc"][0] for e in bad_term.json()["errors"]} == {"annual_rate", "term_months"}
    assert _audit_actions(context, "review_item", item) == before
    assert client.get(f"/v1/review/items/{item}").json()["status"] == "claimed"
    assert client.get(f"/v1/loans/offers/{app_id}").status_code == 409

    approved = client.post(
        f"/v1/review/items/{item}/approve",
        headers=_as("wang"),
        json={
            "comment": "income verified by phone",
            "limit": "4000.00",
            "annual_rate": "0.12",
            "term_months": 6,
        },
    )
    assert approved.status_code == 200, approved.text
    officer = approved.json()["officer_decision"]
    assert approved.json()["status"] == "approved"
    assert officer["outcome"] == "approve" and officer["decided_by"] == "user:wang"
    assert officer["automatic_decision_id"] == decision["decision_id"]
    assert (officer["approved_amount"], officer["annual_rate"], officer["term_months"]) == (
        "4000.00",
        "0.12",
        6,
    )
    assert officer["reasons"][0]["code"] == "REV_APPROVED" and officer["reasons"][0]["text_zh"]

    shown = client.get(f"/v1/applications/{app_id}").json()
    assert shown["outcome"] == "approve"
    assert shown["decision"]["outcome"] == "refer"  # the automatic decision, as made
    assert shown["decision"]["decision_id"] == decision["decision_id"]
    assert shown["officer_decision"]["id"] == officer["id"]
    assert shown["officer_decision"]["automatic_decision_id"] == decision["decision_id"]

    offer = client.get(f"/v1/loans/offers/{app_id}")
    assert offer.status_code == 200, offer.text
    o = offer.json()
    assert o["amount"] == "4000.00" and Decimal(o["annual_rate"]) == Decimal("0.12")
    assert len(o["schedule"]) == 6
    assert abs(Decimal(o["apr"]) - Decimal(officer["offer"]["apr"])) < Decimal("0.000001")

    booked = client.post(f"/v1/loans/offers/{app_id}/accept", headers={"Idempotency-Key": "a-1"})
    assert booked.status_code in (200, 201), booked.text
    loan_id = booked.json()["loan_id"]
    paid = client.post(f"/v1/loans/{loan_id}/disburse", headers={"Idempotency-Key": "p-1"})
    assert paid.status_code == 200, paid.text
    assert paid.json()["loan_status"] == "active"

    assert _audit_actions(context, "application", app_id) == ["decision.made", "decision.officer"]
    with context.uow() as uow:
        (booking,) = [
            r for r in uow.audit.for_subject("loan", loan_id) if r.action == "loan.booked"
        ]
        assert booking.payload["decision_id"] == officer["id"]
        assert booking.payload["approved_by"] == "user:wang"
        (replayed,) = replay_all(uow, context.artifacts_dir, [decision["decision_id"]])
        report = verify_books(uow.audit.stream(), uow.audit.head(), uow.journal.entries())
    assert replayed.matches, replayed.differences  # the automatic decision still refers
    assert replayed.override is not None and replayed.override.id == officer["id"]
    assert report.ok


def test_an_officers_decline_is_a_decision_with_a_reason(
    client: TestClient, context: Context
) -> None:
    decision, item = referred(client)
    app_id = decision["application_id"]
    client.post(f"/v1/review/items/{item}/claim", headers=_as("li"))
    unknown = client.post(
        f"/v1/review/items/{item}/decline",
        headers=_as("li"),
        json={"comment": "no", "reason_code": "REV_BAD_HAIR_DAY"},
    )
    assert unknown.status_code == 422 and "REV_INCOME_NOT_VERIFIED" in unknown.text
    declined = client.post(
        f"/v1/review/items/{item}/decline",
        headers=_as("li"),
        json={"comment": "employer denies the job", "reason_code": "REV_INCOME_NOT_VERIFIED"},
    )
    assert declined.status_code == 200, declined.text
    officer = declined.json()["officer_decision"]
    assert officer["outcome"] == "decline" and officer["approved_amount"] is None
    (reason,) = officer["reasons"]
    assert reason["code"] == "REV_INCOME_NOT_VERIFIED"
    assert reason["text_en"] == "The stated income could not be verified"
    assert reason["text_zh"] == "申报收入无法核实"

    shown = client.get(f"/v1/applications/{app_id}").json()
    assert shown["outcome"] == "decline" and shown["decision"]["outcome"] == "refer"
    assert shown["officer_decision"]["automatic_decision_id"] == decision["decision_id"]
    refused = client.get(f"/v1/loans/offers/{app_id}")
    assert refused.status_code == 409 and "decline" in refused.json()["detail"]
    assert _audit_actions(context, "application", app_id)[-1] == "decision.officer"


def test_four_eyes_approve_the_same_terms(client: TestClient) -> None:
    decision, item = referred(client, amount="30000.00")  # above the 20,000.00 of four eyes
    app_id = decision["application_id"]
    client.post(f"/v1/review/items/{item}/claim", headers=_as("wang"))
    first = client.post(
        f"/v1/review/items/{item}/approve",
        headers=_as("wang"),
        json={"comment": "ok", "limit": "20000.00", "term_months": 24},
    )
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "awaiting_second"
    assert first.json()["officer_decision"] is None
    assert first.json()["proposed"]["limit"] == "20000.00"
    assert client.get(f"/v1/loans/offers/{app_id}").status_code == 409  # one approval is not one

    assert client.post(f"/v1/review/items/{item}/claim", headers=_as("li")).status_code == 200
    other = client.post(
        f"/v1/review/items/{item}/approve",
        headers=_as("li"),
        json={"comment": "more", "limit": "25000.00"},
    )
    assert other.status_code == 409 and "same terms" in other.json()["detail"]
    second = client.post(
        f"/v1/review/items/{item}/approve", headers=_as("li"), json={"comment": "agreed"}
    )
    assert second.status_code == 200, second.text
    officer = second.json()["officer_decision"]
    assert (officer["first_approved_by"], officer["decided_by"]) == ("user:wang", "user:li")
    assert (officer["approved_amount"], officer["term_months"]) == ("20000.00", 24)
    offer = client.get(f"/v1/loans/offers/{app_id}").json()
    assert offer["amount"] == "20000.00" and len(offer["schedule"]) == 24


def test_an_officers_approval_not_yet_booked_counts_as_exposure(
    client: TestClient, context: Context
) -> None:
    """As an automatic approval does: the exposure cap of the next application sees it."""
    _, item = referred(client)
    client.post(f"/v1/review/items/{item}/claim", headers=_as("wang"))
    client.post(
        f"/v1/review/items/{item}/approve",
        headers=_as("wang"),
        json={"comment": "ok", "limit": "3000.00"},
    )
    declined_referral, other = referred(client)
    client.post(f"/v1/review/items/{other}/claim", headers=_as("wang"))
    client.post(f"/v1/review/items/{other}/decline", headers=_as("wang"), json={"comment": "no"})
    assert declined_referral["outcome"] == "refer"
    later = client.post("/v1/applications", json=body(amount="2000.00")).json()
    with context.uow() as uow:
        record = uow.decisions.for_application(later["application_id"])
    assert record is not None
    assert record.facts["existing_exposure"] == 300_000  # the officer's limit; a decline counts 0
