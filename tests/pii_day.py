"""A lender's day for `test_no_clear_personal_data_anywhere`: what it does over the API, with
the demo's people, and what it keeps for the scan (every response body, the people it made up,
the invalid values it sent)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient

from factories import body
from fakes.access import bearer
from fengkong.bootstrap import Context
from fengkong.core.clock import FakeClock
from fengkong.demo import application_body, german_credit
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.servicing_steps import servicing_steps
from fengkong.onboarding.validators import luhn_check_digit, uscc_check_character
from fengkong.sim.identity import SyntheticIdentity, identity

STAFF = bearer("fks_all")


@dataclass
class Run:
    """What the day produced, for the scan."""

    people: list[SyntheticIdentity] = field(default_factory=list)
    responses: list[tuple[str, str]] = field(default_factory=list)  # (where, body)
    outputs: list[tuple[str, str]] = field(default_factory=list)  # (command, stdout + stderr)
    refused: list[str] = field(default_factory=list)  # invalid values sent, echoed nowhere
    ids: dict[str, str] = field(default_factory=dict)  # what the views are asked to show

    def __repr__(self) -> str:  # a failing test's traceback shows arguments: no values there
        return f"Run({len(self.people)} people, {len(self.responses)} responses)"

    @property
    def names(self) -> list[str]:
        return sorted({p.name for p in self.people})


class RecordingClient(TestClient):
    """A test client keeping every response body, with the staff's credentials on each call."""

    def __init__(self, run: Run, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run = run

    def request(self, method: str, url: httpx.URL | str, **kwargs: Any) -> httpx.Response:
        kwargs["headers"] = {**STAFF, **(kwargs.get("headers") or {})}
        response: httpx.Response = super().request(method, url, **kwargs)
        self.run.responses.append((f"{method} {url} → {response.status_code}", response.text))
        return response


def card_number(rng: random.Random) -> str:
    body_ = "622202" + "".join(str(rng.randrange(10)) for _ in range(12))
    return body_ + luhn_check_digit(body_)


def day(client: RecordingClient, ctx: Context, run: Run) -> None:
    """The lender's day over `client` (see the test's docstring); its ids kept in `run.ids`."""
    rng = random.Random(20)
    as_of = ctx.clock.business_date()
    # the demo's own applicants: German credit rows, each a new synthetic person
    product = ctx.policy.compiled.product
    for _, row in german_credit().head(8).iterrows():
        doc = application_body(row, as_of, rng, product)
        run.people.append(
            SyntheticIdentity(
                doc["applicant"]["name"], doc["applicant"]["id_number"],
                doc["applicant"]["phone"], as_of,
            )
        )  # fmt: skip
        decided = client.post("/v1/applications", json=doc)
        assert decided.status_code == 201, decided.text

    def person() -> SyntheticIdentity:
        who = identity(rng.randrange(25, 55), as_of, rng)
        run.people.append(who)
        return who

    def applicant(who: SyntheticIdentity) -> dict[str, str]:
        return {"name": who.name, "id_number": who.id_number, "phone": who.phone}

    # consents recorded and looked up
    borrower = person()
    consent = client.post(
        "/v1/consents",
        json={"id_number": borrower.id_number, "purpose": "credit_bureau",
              "scope": "PBOC credit report", "text_version": "cb-1"},
    )  # fmt: skip
    assert consent.status_code == 201, consent.text
    assert client.post("/v1/consents/search", json={"id_number": borrower.id_number}).is_success

    # an approval, booked, paid out and repaid in part
    approved = client.post("/v1/applications", json=body(applicant=applicant(borrower))).json()
    assert approved["outcome"] == "approve", approved
    first_loan = book(client, approved["application_id"], "a")
    repaid = client.post(
        f"/v1/loans/{first_loan}/repayments",
        json={"amount": "100.00", "currency": "CNY"},
        headers={"Idempotency-Key": "rp-a"},
    )
    assert repaid.status_code == 201, repaid.text

    # a referral (no other debts declared), claimed and approved by an officer, then booked
    referred_body = body(applicant=applicant(person()))
    del referred_body["existing_monthly_debt"]
    referred = client.post("/v1/applications", json=referred_body).json()
    assert referred["outcome"] == "refer", referred
    items = client.get("/v1/review/items", params={"status": "open"}).json()
    (item,) = [i for i in items if i["application_id"] == referred["application_id"]]
    client.get(f"/v1/review/items/{item['id']}")
    assert client.post(f"/v1/review/items/{item['id']}/claim").is_success
    decided = client.post(
        f"/v1/review/items/{item['id']}/approve",
        json={"comment": "payslips seen", "limit": "4000.00", "annual_rate": "0.12",
              "term_months": 6},
    )  # fmt: skip
    assert decided.status_code == 200, decided.text
    second_loan = book(client, referred["application_id"], "b")

    # a business application: its owners and a guarantor, stored sealed and shown masked
    owner, partner, backer = person(), person(), person()
    business = {
        "uscc": "91330106MA2B3C4D5" + uscc_check_character("91330106MA2B3C4D5"),
        "registered_name": "杭州某某餐饮店",
        "industry": "H",
        "years_in_operation": 4,
        "annual_revenue": "1200000.00",
        "owners": [
            {**applicant(owner), "share_bp": 7000},
            {**applicant(partner), "share_bp": 3000},
        ],
        "guarantors": [{"kind": "person", **applicant(backer)}],
    }
    firm = client.post("/v1/applications", json=body(applicant=applicant(owner), business=business))
    assert firm.status_code == 201, firm.text
    shown = client.get(f"/v1/applications/{firm.json()['application_id']}")
    assert shown.json()["business"]["owners"][1]["share_bp"] == 3000, shown.text

    # servicing: a guarantor, a guarantee, a bound card, collateral, a line and its borrower
    guarantor = person()
    made = client.post("/v1/guarantors", json=applicant(guarantor))
    assert made.status_code == 201, made.text
    gid = made.json()["guarantor_id"]
    assert client.post(
        f"/v1/loans/{second_loan}/guarantees", json={"guarantor_id": gid, "share": "0.5"}
    ).is_success
    client.get(f"/v1/guarantors/{gid}/exposure")
    card = card_number(rng)
    bound = client.put(f"/v1/loans/{first_loan}/card", json={"card_number": card})
    assert bound.status_code == 200, bound.text
    pledged = client.post(
        f"/v1/loans/{second_loan}/collateral", json={"type": "property", "value": "20000.00"}
    )
    assert pledged.status_code == 201, pledged.text
    line = client.post(
        "/v1/lines",
        json={"limit": "5000.00", "annual_rate": "0.12"},
        headers={"Idempotency-Key": "line-1"},
    ).json()
    line_borrower = person()
    tied = client.put(
        f"/v1/lines/{line['line_id']}/borrower",
        json={
            "id_number": line_borrower.id_number,
            "phone": line_borrower.phone,
            "bank_card": card_number(rng),
        },
    )
    assert tied.status_code == 200, tied.text

    # a black-list entry by ID number, found and exported
    fraudster = person()
    listed = client.post(
        "/v1/lists/entries",
        json={"list": "black", "key_type": "resident_id", "value": fraudster.id_number,
              "reason": "confirmed fraud", "source": "case-1"},
    )  # fmt: skip
    assert listed.status_code == 202, listed.text  # a request, approved by another person
    listing = client.post(
        f"/v1/approvals/{listed.json()['id']}/approve", headers=bearer("fks_approver")
    )
    assert listing.status_code == 200, listing.text
    client.post(
        "/v1/lists/entries/search", json={"key_type": "resident_id", "value": fraudster.id_number}
    )
    client.get("/v1/lists/entries")
    declined = client.post("/v1/applications", json=body(applicant=applicant(fraudster)))
    assert declined.json()["outcome"] == "decline", declined.text

    invalid_requests(client, ctx, run, first_loan, rng)

    # end of day past the first instalment: auto-debit, reminders, collections
    with ctx.uow() as uow:
        due = uow.lending.instalments(second_loan)[0].due
    clock = ctx.clock
    assert isinstance(clock, FakeClock)
    for offset in (-3, 0, 2, 5):
        target = due + timedelta(days=offset)
        clock.set(clock.now() + (target - clock.business_date()))
        run_end_of_day(target, ctx.servicing.lending, steps=servicing_steps(ctx.servicing))
    queue = client.get("/v1/collections").json()
    if queue:
        client.post(
            f"/v1/collections/{queue[0]['loan_id']}/actions",
            json={"kind": "call", "note": "no answer"},
        )
        client.get(f"/v1/collections/{queue[0]['loan_id']}")
    client.get(f"/v1/loans/{first_loan}/reminders")
    client.get(f"/v1/loans/{first_loan}/debits")

    # the officers' views
    for path in ("/v1/applications", "/v1/decisions", "/v1/loans", "/v1/lines", "/v1/customers"):
        assert client.get(path).status_code == 200
    found = client.post("/v1/customers/search", json={"id_number": borrower.id_number}).json()
    (customer,) = found["items"]
    assert client.get(f"/v1/customers/{customer['customer_id']}").status_code == 200
    for application_id in (approved["application_id"], referred["application_id"]):
        assert client.get(f"/v1/applications/{application_id}").status_code == 200
        client.get(f"/v1/loans/offers/{application_id}")
    for loan_id in (first_loan, second_loan):
        assert client.get(f"/v1/loans/{loan_id}").status_code == 200
        client.get(f"/v1/loans/{loan_id}/guarantees")
        client.get(f"/v1/loans/{loan_id}/collateral")
    run.ids.update(
        customer=customer["customer_id"], loan=first_loan, review_item=item["id"],
        decision=approved["decision_id"], guarantor=gid, line=line["line_id"],
    )  # fmt: skip


def book(client: RecordingClient, application_id: str, key: str) -> str:
    """Accept the offer of an approved application and pay the loan out; its id."""
    assert client.get(f"/v1/loans/offers/{application_id}").status_code == 200
    accepted = client.post(
        f"/v1/loans/offers/{application_id}/accept", headers={"Idempotency-Key": f"acc-{key}"}
    )
    assert accepted.status_code == 201, accepted.text
    loan_id: str = accepted.json()["loan_id"]
    paid = client.post(f"/v1/loans/{loan_id}/disburse", headers={"Idempotency-Key": f"pay-{key}"})
    assert paid.status_code == 200, paid.text
    return loan_id


def invalid_requests(
    client: RecordingClient, ctx: Context, run: Run, loan_id: str, rng: random.Random
) -> None:
    """Requests refused for one bad field among real-looking personal data: a 4xx that echoes
    none of it."""
    as_of = ctx.clock.business_date()
    who = identity(33, as_of, rng)
    run.people.append(who)
    wrong_digit = who.id_number[:-1] + ("1" if who.id_number[-1] != "1" else "2")
    short_phone, bad_card = who.phone[:-1], card_number(rng)[:-1] + "0"
    bad_card = bad_card if luhn_check_digit(bad_card[:-1]) != "0" else bad_card[:-1] + "1"
    run.refused += [wrong_digit, short_phone, bad_card]
    good = {"name": who.name, "id_number": who.id_number, "phone": who.phone}
    sent = [
        ("/v1/applications", body(applicant={**good, "id_number": wrong_digit})),
        ("/v1/applications", body(applicant={**good, "phone": short_phone})),
        ("/v1/applications", body(applicant=good, amount="-5")),  # valid identity, bad amount
        ("/v1/applications", {"applicant": good}),  # most fields missing
        ("/v1/consents", {"id_number": wrong_digit, "purpose": "credit_bureau"}),
        ("/v1/consents/search", {"id_number": wrong_digit, "phone": who.phone}),
        ("/v1/customers/search", {"id_number": wrong_digit}),
        ("/v1/customers/search", {"phone": short_phone}),
        ("/v1/guarantors", {**good, "id_number": wrong_digit}),
        ("/v1/lists/entries", {"list": "black", "key_type": "mobile", "value": short_phone,
                               "reason": "x", "source": "y"}),
        ("/v1/lists/entries", {"list": "nope", "key_type": "mobile", "value": who.phone}),
    ]  # fmt: skip
    for path, doc in sent:
        refused = client.post(path, json=doc)
        assert 400 <= refused.status_code < 500, (path, refused.status_code)
    card = client.put(f"/v1/loans/{loan_id}/card", json={"card_number": bad_card})
    assert card.status_code == 422
