"""The loan offered after an approval is the one the policy priced: its product, limit, rate and
term, with the same all-in APR that was disclosed with the decision."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from factories import body
from fakes.api import api_client
from fengkong.bootstrap import Context


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def test_offer_matches_the_decision(client: TestClient) -> None:
    decision = client.post("/v1/applications", json=body()).json()
    assert decision["outcome"] == "approve", decision
    offer = client.get(f"/v1/loans/offers/{decision['application_id']}")
    assert offer.status_code == 200, offer.text
    o = offer.json()
    assert Decimal(o["annual_rate"]) == Decimal(decision["annual_rate"])
    assert o["amount"] == decision["approved_amount"]
    assert len(o["schedule"]) == decision["term_months"]
    disclosed = Decimal(decision["offer"]["apr"])
    assert abs(Decimal(o["apr"]) - disclosed) < Decimal("0.000001")
    assert Decimal(o["apr"]) <= Decimal("0.24")


def test_a_booked_loan_makes_a_returning_customer_with_exposure(
    client: TestClient, context: Context
) -> None:
    first = client.post("/v1/applications", json=body()).json()
    assert first["outcome"] == "approve"
    facts = _facts(context, first["application_id"])
    assert facts["customer.returning"] is False
    assert facts["existing_exposure"] == 0
    app_id = first["application_id"]
    booked = client.post(f"/v1/loans/offers/{app_id}/accept", headers={"Idempotency-Key": "acc-1"})
    assert booked.status_code in (200, 201), booked.text
    loan_id = booked.json()["loan_id"]
    paid = client.post(f"/v1/loans/{loan_id}/disburse", headers={"Idempotency-Key": "pay-1"})
    assert paid.status_code == 200, paid.text
    second = client.post("/v1/applications", json=body(amount="2000.00")).json()
    facts = _facts(context, second["application_id"])
    assert facts["customer.returning"] is True
    assert facts["existing_exposure"] == 500_000  # the first loan's principal, still owed


def _facts(context: Context, application_id: str) -> dict[str, object]:
    with context.uow() as uow:
        record = uow.decisions.for_application(application_id)
    assert record is not None
    return dict(record.facts)


def test_an_approval_not_yet_booked_counts_as_exposure(
    client: TestClient, context: Context
) -> None:
    first = client.post("/v1/applications", json=body()).json()
    assert first["outcome"] == "approve", first
    declined = client.post("/v1/applications", json=body(amount="2000.00", term_months=99))
    assert declined.status_code == 422  # refused as bad input: nothing decided, nothing counted
    second = client.post("/v1/applications", json=body(amount="2000.00")).json()
    facts = _facts(context, second["application_id"])
    assert facts["customer.returning"] is False  # nothing booked yet
    assert facts["existing_exposure"] == 500_000  # the first approval, in fen
