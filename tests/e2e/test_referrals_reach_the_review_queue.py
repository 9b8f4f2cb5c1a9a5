"""A referred decision lands in the officers' review queue in the same transaction, with the
policy's review window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from factories import body
from fakes.access import NamedAuthenticator
from fengkong.api.app import create_app
from fengkong.bootstrap import Context


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    context.authenticator = NamedAuthenticator()
    with TestClient(create_app(context)) as c:
        yield c


def test_a_referral_is_queued_and_an_officer_decides_it(
    client: TestClient, context: Context
) -> None:
    # without the applicant's other debts the policy cannot judge affordability: it refers
    payload = {k: v for k, v in body().items() if k != "existing_monthly_debt"}
    referred = client.post("/v1/applications", json=payload).json()
    assert referred["outcome"] == "refer", referred
    assert "POL_MISSING_FACT" in [r["code"] for r in referred["reasons"]]
    items = client.get("/v1/review/items", headers={"X-Officer": "li"}).json()
    (item,) = [i for i in items if i["application_id"] == referred["application_id"]]
    assert item["status"] == "open"
    due = item["due_at"]
    assert due.startswith(str((context.clock.now() + timedelta(hours=24)).date()))
    claimed = client.post(f"/v1/review/items/{item['id']}/claim", headers={"X-Officer": "li"})
    assert claimed.status_code == 200, claimed.text
    decided = client.post(
        f"/v1/review/items/{item['id']}/approve",
        json={"comment": "income verified by phone"},
        headers={"X-Officer": "li", "Authorization": "Bearer fks_as_li"},
    )
    assert decided.status_code == 200, decided.text


def test_approvals_and_declines_are_not_queued(client: TestClient) -> None:
    client.post("/v1/applications", json=body())
    assert client.get("/v1/review/items", headers={"X-Officer": "li"}).json() == []
