"""/v1 approve if secured end to end: the decision shows the security its offer is conditional
on; accepting before it is registered is a problem+json 409 saying what is missing; collateral
below the minimum is a 422 and nothing is stored; a guarantor who meets the requirements
completes the offer, and the accepted loan is guaranteed by them; a credit line is not opened
on it (422), and once lapsed it can be neither secured nor accepted (409)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from fakes.api import acting_as, api_client
from fengkong.bootstrap import Context
from fengkong.lending.secured_offers import lapse_step
from fengkong.sim.identity import identity
from lending.secured_offer_support import least_collateral, seed_secured

PROBLEM = "application/problem+json"


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def test_a_conditional_offer_is_secured_and_accepted(client: TestClient, context: Context) -> None:
    application = seed_secured(context.db, context.clock, vault=context.vault)  # type: ignore[arg-type]
    shown = client.get(f"/v1/applications/{application}")
    assert shown.status_code == 200, shown.text
    decision = shown.json()["decision"]
    assert decision["outcome"] == "approve_secured"
    assert decision["security"]["accepts"] == ["guarantor", "collateral"]
    assert decision["security"]["text_zh"] == "需提供保证人或抵质押物后批准"

    quoted = client.get(f"/v1/loans/offers/{application}")
    assert quoted.status_code == 200 and quoted.json()["secured"] is True
    early = client.post(
        f"/v1/loans/offers/{application}/accept", headers={"Idempotency-Key": "acc-1"}
    )
    assert early.status_code == 409 and early.headers["content-type"].startswith(PROBLEM)
    assert "needs a guarantor or collateral" in early.json()["detail"]

    least = least_collateral(context.db, application)  # type: ignore[arg-type]
    officer = acting_as(context, "li.wei")
    short = client.post(
        f"/v1/applications/{application}/security",
        json={"kind": "collateral", "type": "deposit", "value": f"{(least - 100) / 100:.2f}"},
        headers=officer,
    )
    assert short.status_code == 422 and short.headers["content-type"].startswith(PROBLEM)
    assert client.get(f"/v1/applications/{application}/security").json()["status"] == "awaiting"

    who = identity(40, date(2026, 3, 1), random.Random(11))
    gid = client.post(
        "/v1/guarantors",
        json={"name": who.name, "id_number": who.id_number, "phone": who.phone},
        headers=officer,
    ).json()["guarantor_id"]
    secured = client.post(
        f"/v1/applications/{application}/security",
        json={"kind": "guarantor", "guarantor_id": gid, "monthly_income": "8000.00"},
        headers=officer,
    )
    assert secured.status_code == 201, secured.text
    assert secured.json()["status"] == "completed"
    assert secured.json()["registered"]["guarantor_id"] == gid
    again = client.post(
        f"/v1/applications/{application}/security",
        json={"kind": "collateral", "type": "deposit", "value": "100000.00"},
        headers=officer,
    )
    assert again.status_code == 409

    accepted = client.post(
        f"/v1/loans/offers/{application}/accept", headers={"Idempotency-Key": "acc-1"}
    )
    assert accepted.status_code in (200, 201), accepted.text
    loan_id = accepted.json()["loan_id"]
    guarantees = client.get(f"/v1/loans/{loan_id}/guarantees").json()
    assert [g["guarantor_id"] for g in guarantees] == [gid]
    assert client.get(f"/v1/applications/{application}/security").json()["status"] == "booked"


def test_bad_security_input_is_refused(client: TestClient, context: Context) -> None:
    application = seed_secured(context.db, context.clock, vault=context.vault)  # type: ignore[arg-type]
    for body in (
        {"kind": "horse"},
        {"kind": "collateral", "type": "spaceship", "value": "1.00"},
        {"kind": "guarantor", "guarantor_id": "gtr_x"},
    ):
        refused = client.post(f"/v1/applications/{application}/security", json=body)
        assert refused.status_code == 422, body
    unknown = client.post(
        f"/v1/applications/{application}/security",
        json={"kind": "guarantor", "guarantor_id": "gtr_none", "monthly_income": "9000.00"},
    )
    assert unknown.status_code == 404


def test_a_line_is_refused_and_a_lapsed_offer_too(client: TestClient, context: Context) -> None:
    """A credit line opened on the conditional offer: 422 secured-offer-not-for-lines. Past its
    last date, end of day writes the lapse down; registering or accepting then: 409
    secured-offer-lapsed, in both languages."""
    application = seed_secured(context.db, context.clock, vault=context.vault)  # type: ignore[arg-type]
    line = client.post(
        "/v1/lines",
        json={"limit": "1000.00", "annual_rate": "0.12", "application_id": application},
        headers={"Idempotency-Key": "line-1"},
    )
    assert line.status_code == 422 and line.headers["content-type"].startswith(PROBLEM)
    assert line.json()["type"].endswith("/secured-offer-not-for-lines")
    assert line.json()["errors"][0]["loc"] == ["application_id"]

    context.clock.advance(timedelta(days=15))  # type: ignore[attr-defined]
    assert lapse_step(context.clock.business_date(), context.servicing) == {
        "secured_offers_expired": 1
    }
    shown = client.get(f"/v1/applications/{application}/security").json()
    assert (shown["status"], shown["lapsed_on"]) == (
        "expired",
        context.clock.business_date().isoformat(),
    )
    officer = acting_as(context, "li.wei")
    late = client.post(
        f"/v1/applications/{application}/security",
        json={"kind": "collateral", "type": "deposit", "value": "100000.00"},
        headers=officer,
    )
    assert late.status_code == 409 and late.json()["type"].endswith("/secured-offer-lapsed")
    accept = client.post(
        f"/v1/loans/offers/{application}/accept", headers={"Idempotency-Key": "acc-late"}
    )
    assert accept.status_code == 409 and "失效" in accept.json()["detail"]
