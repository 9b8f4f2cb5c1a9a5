"""/v1 servicing end to end: a guarantor and a guarantee, a bound card (masked back), collateral
with LTV, a line's borrower, collections action and promise on a delinquent loan; bad input gets
a problem+json 4xx."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from fakes.access import bearer
from fakes.api import acting_as, api_client
from fengkong.bootstrap import Context
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.eod import run_end_of_day
from fengkong.sim.identity import identity
from lending.test_service_support import seed_approved


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _loan(client: TestClient, context: Context) -> str:
    application = seed_approved(
        context.db, context.clock, amount=600_000, terms=6, vault=context.vault
    )  # type: ignore[arg-type]
    accepted = client.post(
        f"/v1/loans/offers/{application}/accept", headers={"Idempotency-Key": "acc-1"}
    )
    loan_id: str = accepted.json()["loan_id"]
    client.post(f"/v1/loans/{loan_id}/disburse", headers={"Idempotency-Key": "pay-1"})
    return loan_id


def test_servicing_routes(client: TestClient, context: Context) -> None:
    import random
    from datetime import date

    loan_id = _loan(client, context)
    officer = acting_as(context, "li.wei")
    who = identity(40, date(2026, 3, 1), random.Random(5))
    made = client.post(
        "/v1/guarantors",
        json={"name": who.name, "id_number": who.id_number, "phone": who.phone},
        headers=officer,
    )
    assert made.status_code == 201, made.text
    gid = made.json()["guarantor_id"]
    bad = client.post("/v1/guarantors", json={"name": "x", "id_number": "123"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith(
        "application/problem+json"
    )
    g = client.post(f"/v1/loans/{loan_id}/guarantees", json={"guarantor_id": gid, "share": "0.5"})
    assert g.status_code == 201 and g.json()[0]["status"] == "active"
    assert (
        client.post(
            f"/v1/loans/{loan_id}/guarantees", json={"guarantor_id": gid, "share": "0.5"}
        ).status_code
        == 409
    )
    exposure = client.get(f"/v1/guarantors/{gid}/exposure").json()
    assert exposure["total"] == exposure["loans"][0]["exposure"]

    card = client.put(f"/v1/loans/{loan_id}/card", json={"card_number": "6222021234567890128"})
    assert card.status_code == 200 and card.json()["card"] == "6222 **** **** 0128"
    assert (
        client.put(
            f"/v1/loans/{loan_id}/card", json={"card_number": "6222021234567890121"}
        ).status_code
        == 422
    )

    col = client.post(
        f"/v1/loans/{loan_id}/collateral", json={"type": "property", "value": "2000000.00"}
    )
    assert col.status_code == 201, col.text
    assert col.json()["margin_calls"] == [] and col.json()["ltv"].startswith("0.00")
    item = col.json()["items"][0]["item_id"]
    later = client.post(f"/v1/collateral/{item}/valuations", json={"value": "-1"})
    assert later.status_code == 422

    line = client.post(
        "/v1/lines",
        json={"limit": "5000.00", "annual_rate": "0.12"},
        headers={"Idempotency-Key": "line-1"},
    ).json()
    bound = client.put(f"/v1/lines/{line['line_id']}/borrower", json={"phone": who.phone})
    assert bound.status_code == 200 and bound.json()["keys"] == ["phone"]

    # fall behind, then work the case
    with SqlUnitOfWork(context.db) as uow:
        due = uow.lending.instalments(loan_id)[0].due
    svc = context.servicing
    from fengkong.lending.servicing_steps import servicing_steps

    target = due + timedelta(days=2)  # no debit falls on the 2nd day after
    context.clock.set(context.clock.now() + (target - context.clock.business_date()))  # type: ignore[attr-defined]
    run_end_of_day(target, svc.lending, steps=servicing_steps(svc))
    queue = client.get("/v1/collections").json()
    assert [c["loan_id"] for c in queue] == [loan_id]
    assert (
        client.post(
            f"/v1/collections/{loan_id}/actions",
            json={"kind": "call", "note": "no answer"},
            headers=bearer("fks_auditor"),
        ).status_code
        == 403
    )  # an auditor reads the case, acts on none
    acted = client.post(
        f"/v1/collections/{loan_id}/actions",
        json={"kind": "call", "note": "no answer"},
        headers=officer,
    )
    assert acted.status_code == 201
    promised = client.post(
        f"/v1/collections/{loan_id}/promises",
        json={"amount": "100.00", "promised_on": str(target + timedelta(days=2))},
        headers=officer,
    )
    assert promised.status_code == 201 and promised.json()["status"] == "open"
    case = client.get(f"/v1/collections/{loan_id}").json()
    assert len(case["actions"]) == 1 and case["promises"][0]["amount"] == "100.00"
    assert client.get(f"/v1/loans/{loan_id}/debits").json() == []
