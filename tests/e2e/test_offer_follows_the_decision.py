"""The loan offered after an approval is the one the policy priced: its product, limit, rate and
term, with the same all-in APR that was disclosed with the decision."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from factories import body
from fastapi.testclient import TestClient

from fengkong.api.app import create_app
from fengkong.bootstrap import Context


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with TestClient(create_app(context)) as c:
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
