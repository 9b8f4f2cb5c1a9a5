"""/v1/loans and /v1/lines end to end: the offer shows schedule and APR before acceptance, the
loan is booked, paid out and repaid; bad input gets a problem+json 4xx and the ledger unchanged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from fakes.api import api_client
from fengkong.bootstrap import Context
from lending.test_service_support import ledger_snapshot, seed_approved


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _active_loan(client: TestClient, context: Context) -> str:
    application = seed_approved(
        context.db, context.clock, amount=600_000, terms=6, vault=context.vault
    )  # type: ignore[arg-type]
    offer = client.get(f"/v1/loans/offers/{application}")
    assert offer.status_code == 200, offer.text
    body = offer.json()
    assert len(body["schedule"]) == 6 and body["apr"] and body["total_cost"]
    accepted = client.post(
        f"/v1/loans/offers/{application}/accept", headers={"Idempotency-Key": "acc-1"}
    )
    assert accepted.status_code == 201, accepted.text
    loan_id: str = accepted.json()["loan_id"]
    assert accepted.json()["contract_sha256"]
    paid = client.post(f"/v1/loans/{loan_id}/disburse", headers={"Idempotency-Key": "pay-1"})
    assert paid.status_code == 200 and paid.json()["payout"]["status"] == "succeeded"
    return loan_id


def test_offer_accept_disburse_repay_settle(client: TestClient, context: Context) -> None:
    loan_id = _active_loan(client, context)
    repaid = client.post(
        f"/v1/loans/{loan_id}/repayments",
        json={"amount": "100.00", "currency": "CNY"},
        headers={"Idempotency-Key": "r-1"},
    )
    assert repaid.status_code == 201, repaid.text
    again = client.post(
        f"/v1/loans/{loan_id}/repayments",
        json={"amount": "100.00", "currency": "CNY"},
        headers={"Idempotency-Key": "r-1"},
    )
    assert again.json()["repayment_id"] == repaid.json()["repayment_id"]
    loan = client.get(f"/v1/loans/{loan_id}").json()
    assert loan["unapplied_credit"] == "100.00" and loan["dpd_bucket"] == "M0"
    assert loan["loan_class"] == "normal" and len(loan["positions"]) == 6
    quote = client.get(f"/v1/loans/{loan_id}/settlement-quote").json()
    settled = client.post(
        f"/v1/loans/{loan_id}/settle",
        json={"amount": quote["payable"]},
        headers={"Idempotency-Key": "s-1"},
    )
    assert settled.status_code == 200, settled.text
    assert settled.json()["loan_status"] == "settled"


def _problem(response, status: int) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]


def test_bad_input_is_a_4xx_and_the_ledger_is_unchanged(
    client: TestClient, context: Context
) -> None:
    loan_id = _active_loan(client, context)
    client.post(
        f"/v1/loans/{loan_id}/repayments",
        json={"amount": "10.00"},
        headers={"Idempotency-Key": "k"},
    )
    line = client.post(
        "/v1/lines",
        json={"limit": "1000.00", "annual_rate": "0.12"},
        headers={"Idempotency-Key": "l"},
    ).json()
    before = ledger_snapshot(context.db)

    def repay(path_loan: str, body: dict[str, str], key: str = "new"):  # type: ignore[no-untyped-def]
        return client.post(
            f"/v1/loans/{path_loan}/repayments", json=body, headers={"Idempotency-Key": key}
        )

    _problem(repay("loan_unknown", {"amount": "10.00"}), 404)
    _problem(repay(loan_id, {"amount": "-10.00"}), 422)
    _problem(repay(loan_id, {"amount": "10.00", "currency": "USD"}), 422)
    reused = repay(loan_id, {"amount": "11.00"}, key="k")  # "k" paid 10.00: another body
    _problem(reused, 422)
    assert reused.json()["type"].endswith("/idempotency-key-reused")
    _problem(repay(loan_id, {"amount": "10.001"}), 422)
    missing_key = client.post(f"/v1/loans/{loan_id}/repayments", json={"amount": "1.00"})
    _problem(missing_key, 422)
    draw = lambda amount, key: client.post(  # noqa: E731
        f"/v1/lines/{line['line_id']}/draws",
        json={"amount": amount, "terms": 3},
        headers={"Idempotency-Key": key},
    )
    _problem(draw("1000.01", "d1"), 409)  # the line refuses it: over what is available
    frozen = client.post(f"/v1/lines/{line['line_id']}/freeze", json={"reason": "review"})
    assert frozen.status_code == 200 and frozen.json()["status"] == "frozen"
    _problem(draw("100.00", "d2"), 409)
    assert ledger_snapshot(context.db) == before

    quote = client.get(f"/v1/loans/{loan_id}/settlement-quote").json()
    client.post(
        f"/v1/loans/{loan_id}/settle",
        json={"amount": quote["payable"]},
        headers={"Idempotency-Key": "s"},
    )
    closed = ledger_snapshot(context.db)
    _problem(repay(loan_id, {"amount": "10.00"}, key="after"), 409)
    assert ledger_snapshot(context.db) == closed
