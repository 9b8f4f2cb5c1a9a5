"""Every filter of the officers' lists keeps exactly the rows it names, on a book seeded through
the real services (see `search.book`), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.onboarding.party import customer_id
from search.book import PEOPLE, Book, seed_book


@pytest.fixture
def seeded(context: Context) -> Iterator[tuple[TestClient, Book]]:
    book = seed_book(context)
    with api_client(context) as client:
        yield client, book


def ids(client: TestClient, path: str, key: str = "id", **params: Any) -> set[str]:
    response = client.get(path, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return {item[key] for item in response.json()["items"]}


def cid(context: Context, who: str) -> str:
    return customer_id(context.vault.blind_index("id_number", PEOPLE[who][1]))


def test_application_and_decision_filters(
    seeded: tuple[TestClient, Book], context: Context
) -> None:
    client, book = seeded
    apps = book.applications
    assert book.outcomes == {
        "zhang": "approve",
        "wang": "decline",
        "li": "refer",
        "zhao": "approve",
        "zhao_line": "approve",
        "zhang_again": "approve",
    }
    assert ids(client, "/v1/applications") == set(apps.values())
    assert ids(client, "/v1/applications", outcome="decline") == {apps["wang"]}
    assert ids(client, "/v1/applications", outcome=["refer", "decline"]) == {
        apps["li"],
        apps["wang"],
    }
    assert ids(client, "/v1/applications", outcome="refer,decline") == {apps["li"], apps["wang"]}
    assert ids(client, "/v1/applications", product="cash_loan") == set(apps.values())
    assert ids(client, "/v1/applications", product="mortgage") == set()
    # day 0 is 2026-03-02, day 20 is 2026-03-22 (business dates in Asia/Shanghai)
    day0 = {apps["zhang"], apps["wang"], apps["li"]}
    assert ids(client, "/v1/applications", received_to="2026-03-02") == day0
    assert ids(client, "/v1/applications", received_from="2026-03-03") == set(apps.values()) - day0
    assert ids(
        client, "/v1/applications", received_from="2026-03-22", received_to="2026-03-22"
    ) == (set(apps.values()) - day0)
    assert ids(client, "/v1/applications", policy_version="demo-german-v2") == set(apps.values())
    assert ids(client, "/v1/applications", policy_version="retail-v1") == set()
    assert ids(client, "/v1/applications", model_version="application-v1") == set(apps.values())
    assert ids(client, "/v1/applications", model_version="application-v9") == set()
    assert ids(client, "/v1/applications", customer_id=cid(context, "zhang")) == {
        apps["zhang"],
        apps["zhang_again"],
    }
    booked = client.get("/v1/applications", params={"customer_id": cid(context, "zhang")}).json()
    by_id = {i["id"]: i for i in booked["items"]}
    assert by_id[apps["zhang"]]["loan_id"] == book.loans["zhang"]
    assert by_id[apps["zhang_again"]]["loan_id"] is None

    decided = client.get("/v1/decisions", params={"limit": 500}).json()["items"]
    assert {d["application_id"] for d in decided} == set(apps.values())
    scores = {d["application_id"]: d["score"] for d in decided}
    declined = ids(client, "/v1/decisions", key="application_id", outcome="decline")
    assert declined == {apps["wang"]}
    low = min(scores.values())
    assert ids(client, "/v1/decisions", key="application_id", score_max=low) == {
        a for a, s in scores.items() if s == low
    }
    assert ids(client, "/v1/decisions", key="application_id", score_min=low + 1) == {
        a for a, s in scores.items() if s > low
    }
    assert ids(client, "/v1/decisions", key="application_id", decided_to="2026-03-02") == day0
    assert ids(client, "/v1/decisions", key="application_id", customer_id=cid(context, "zhao")) == {
        apps["zhao"],
        apps["zhao_line"],
    }
    assert ids(client, "/v1/decisions", key="application_id", policy_version="x") == set()


def test_loan_and_line_filters(seeded: tuple[TestClient, Book], context: Context) -> None:
    client, book = seeded
    loans = book.loans
    everything = set(loans.values())
    assert ids(client, "/v1/loans", key="loan_id") == everything
    assert ids(client, "/v1/loans", key="loan_id", status="active") == everything
    assert ids(client, "/v1/loans", key="loan_id", status="settled") == set()
    assert ids(client, "/v1/loans", key="loan_id", product="credit_line") == {loans["draw"]}
    assert ids(client, "/v1/loans", key="loan_id", product="cash_loan") == {
        loans["zhang"],
        loans["zhao"],
    }
    assert ids(client, "/v1/loans", key="loan_id", booked_to="2026-03-02") == {loans["zhang"]}
    assert ids(client, "/v1/loans", key="loan_id", booked_from="2026-03-03") == {
        loans["zhao"],
        loans["draw"],
    }
    # 45 days on, zhang's first instalment (due 2026-04-02) is 14 days past due
    late = client.get("/v1/loans", params={"dpd_min": 1}).json()["items"]
    assert [(i["loan_id"], i["days_past_due"], i["dpd_bucket"]) for i in late] == [
        (loans["zhang"], 14, "M1")
    ]
    assert ids(client, "/v1/loans", key="loan_id", dpd_max=0) == everything - {loans["zhang"]}
    assert ids(client, "/v1/loans", key="loan_id", dpd_min=14, dpd_max=14) == {loans["zhang"]}
    assert ids(client, "/v1/loans", key="loan_id", dpd_min=15) == set()
    assert ids(client, "/v1/loans", key="loan_id", bucket="M1") == {loans["zhang"]}
    assert ids(client, "/v1/loans", key="loan_id", bucket="M0") == everything - {loans["zhang"]}
    assert ids(client, "/v1/loans", key="loan_id", loan_class="special_mention") == {loans["zhang"]}
    assert ids(client, "/v1/loans", key="loan_id", line_id=book.lines["zhao"]) == {loans["draw"]}
    # a draw's borrower is the applicant its line was opened on
    assert ids(client, "/v1/loans", key="loan_id", customer_id=cid(context, "zhao")) == {
        loans["zhao"],
        loans["draw"],
    }
    assert ids(client, "/v1/loans", key="loan_id", customer_id=cid(context, "wang")) == set()

    lines = book.lines
    assert ids(client, "/v1/lines", key="line_id") == set(lines.values())
    assert ids(client, "/v1/lines", key="line_id", customer_id=cid(context, "zhao")) == {
        lines["zhao"]
    }
    assert ids(client, "/v1/lines", key="line_id", opened_to="2026-03-21") == set()
    assert ids(client, "/v1/lines", key="line_id", opened_from="2026-03-22") == set(lines.values())
    frozen = client.post(f"/v1/lines/{lines['bare']}/freeze", json={"reason": "test"})
    assert frozen.status_code == 200, frozen.text
    assert ids(client, "/v1/lines", key="line_id", status="frozen") == {lines["bare"]}
    assert ids(client, "/v1/lines", key="line_id", status="active") == {lines["zhao"]}
    zhao_line = client.get("/v1/lines", params={"customer_id": cid(context, "zhao")}).json()
    (row,) = zhao_line["items"]
    assert (row["limit"], row["drawn_outstanding"], row["available"]) == (
        "4000.00",
        "1000.00",
        "3000.00",
    )
    bare = client.get("/v1/lines", params={"status": "frozen"}).json()["items"][0]
    assert bare["borrower"] is None and bare["application_id"] is None


def test_customer_filters(seeded: tuple[TestClient, Book], context: Context) -> None:
    client, _book = seeded
    everyone = {cid(context, who) for who in PEOPLE}
    assert ids(client, "/v1/customers", key="customer_id") == everyone
    assert ids(client, "/v1/customers", key="customer_id", applied_to="2026-03-02") == {
        cid(context, w) for w in ("zhang", "wang", "li")
    }
    assert ids(client, "/v1/customers", key="customer_id", applied_from="2026-03-22") == {
        cid(context, w) for w in ("zhang", "zhao")
    }
    assert ids(client, "/v1/customers", key="customer_id", product="other") == set()
    listed = client.get("/v1/customers", params={"limit": 500}).json()["items"]
    counts = {c["customer_id"]: c["applications"] for c in listed}
    # counts are over all of a customer's applications, whatever the filter picked them by
    assert counts[cid(context, "zhang")] == 2 and counts[cid(context, "li")] == 1
    recent = client.get("/v1/customers", params={"applied_from": "2026-03-22"}).json()["items"]
    assert {c["customer_id"]: c["applications"] for c in recent}[cid(context, "zhang")] == 2
