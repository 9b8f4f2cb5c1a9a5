"""A bad filter (unknown status, malformed date, dpd_min above dpd_max, a bad or foreign cursor,
a limit out of bounds, an invalid ID number) is refused once, naming the field and the allowed
values: `Invalid` in the domain, 422 problem+json in the API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient

from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.core.errors import Invalid
from fengkong.core.filters import Who
from fengkong.core.paging import MAX_LIMIT, Position, Sort, encode_cursor
from fengkong.decision.customer_view import customer_view
from fengkong.decision.search import application_filter, decision_filter
from fengkong.lending.customers import customer_filter
from fengkong.lending.search import line_filter, loan_filter
from fengkong.onboarding.vault import Vault, generate_keyring

VAULT = Vault(generate_keyring())
TODAY = date(2026, 3, 2)


def problems(excinfo: pytest.ExceptionInfo[Invalid]) -> dict[str, str]:
    return {".".join(map(str, e.loc)): e.msg for e in excinfo.value.errors}


def test_every_bad_field_is_named_at_once_with_the_allowed_values() -> None:
    with pytest.raises(Invalid) as caught:
        loan_filter(
            vault=VAULT,
            as_of=TODAY,
            status=["active", "bogus"],
            booked_from="2026-02-30",
            dpd_min=30,
            dpd_max=10,
            bucket="M9",
            loan_class="awful",
            sort="-colour",
            limit=MAX_LIMIT + 1,
        )
    found = problems(caught)
    assert set(found) == {
        "status",
        "booked_from",
        "dpd_min",
        "bucket",
        "loan_class",
        "sort",
        "limit",
    }
    assert "pending_disbursement, active, settled, written_off, cancelled" in found["status"]
    assert "M0, M1, M2, M3, M3+" in found["bucket"]
    assert "30 is above dpd_max 10" in found["dpd_min"]
    assert "amount, booked_on, days_past_due, principal_outstanding" in found["sort"]
    assert f"between 1 and {MAX_LIMIT}" in found["limit"]


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: application_filter(vault=VAULT, as_of=TODAY, outcome="maybe"), "outcome"),
        (
            lambda: application_filter(vault=VAULT, as_of=TODAY, received_to="yesterday"),
            "received_to",
        ),
        (
            lambda: application_filter(
                vault=VAULT, as_of=TODAY, received_from="2026-03-05", received_to="2026-03-01"
            ),
            "received_from",
        ),
        (lambda: decision_filter(vault=VAULT, as_of=TODAY, score_min=-1), "score_min"),
        (lambda: loan_filter(vault=VAULT, as_of=TODAY, dpd_min=-3), "dpd_min"),
        (lambda: loan_filter(vault=VAULT, as_of=TODAY, limit=0), "limit"),
        (lambda: line_filter(vault=VAULT, as_of=TODAY, status="open"), "status"),
        (lambda: customer_filter(vault=VAULT, as_of=TODAY, sort="name"), "sort"),
        (
            lambda: loan_filter(vault=VAULT, as_of=TODAY, who=Who(id_number="110105199003071230")),
            "id_number",
        ),
        (lambda: loan_filter(vault=VAULT, as_of=TODAY, who=Who(phone="12345")), "phone"),
        (lambda: loan_filter(vault=VAULT, as_of=TODAY, who=Who(customer="cus_123")), "customer"),
        (lambda: loan_filter(vault=VAULT, as_of=TODAY, cursor="not-a-cursor!"), "cursor"),
        (lambda: loan_filter(vault=VAULT, as_of=TODAY, cursor="WyJib29rZWRfb24iXQ"), "cursor"),
    ],
)
def test_one_bad_field(build, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as caught:
        build()
    assert list(problems(caught)) == [field]


def test_a_cursor_belongs_to_its_sort() -> None:
    by_dpd = encode_cursor(Sort("days_past_due", True), Position(5, "loan_x"))
    f = loan_filter(vault=VAULT, as_of=TODAY, sort="-days_past_due", cursor=by_dpd)
    assert f.page.after == Position(5, "loan_x")
    for other in ("days_past_due", "-booked_on", None):
        with pytest.raises(Invalid) as caught:
            loan_filter(vault=VAULT, as_of=TODAY, sort=other, cursor=by_dpd)
        assert "belongs to sort -days_past_due" in problems(caught)["cursor"]
    # the key's value must be of the sort's kind: a date for booked_on
    wrong_kind = encode_cursor(Sort("booked_on", True), Position(5, "loan_x"))
    with pytest.raises(Invalid):
        loan_filter(vault=VAULT, as_of=TODAY, cursor=wrong_kind)


def test_a_malformed_customer_id_is_bad_input() -> None:
    with pytest.raises(Invalid):
        customer_view("cus_not-hex", None)  # type: ignore[arg-type]


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


API_CASES = [
    ("/v1/loans", {"status": "lost"}, "status", "pending_disbursement, active"),
    ("/v1/loans", {"dpd_min": 9, "dpd_max": 3}, "dpd_min", "above dpd_max"),
    ("/v1/loans", {"bucket": "M7"}, "bucket", "M0, M1, M2, M3, M3+"),
    ("/v1/applications", {"received_from": "03/02/2026"}, "received_from", "YYYY-MM-DD"),
    ("/v1/applications", {"outcome": "yes"}, "outcome", "approve, decline, refer, verify"),
    ("/v1/decisions", {"sort": "amount"}, "sort", "decided_at, score"),
    ("/v1/lines", {"status": "open"}, "status", "active, frozen, closed"),
    ("/v1/customers", {"cursor": "garbage"}, "cursor", "not a cursor"),
    ("/v1/applications", {"limit": 501}, "limit", "between 1 and 500"),
    ("/v1/loans", {"customer_id": "cus_xyz"}, "customer", "not a customer id"),
]


def test_the_api_answers_422_problem_json(client: TestClient) -> None:
    for path, params, field, allowed in API_CASES:
        response = client.get(path, params=params)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        (error,) = response.json()["errors"]
        assert error["loc"] == [field] and allowed in error["msg"], (path, params)


def test_the_api_refuses_a_search_without_an_id_number_or_phone(client: TestClient) -> None:
    response = client.post("/v1/customers/search", json={})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    unknown = client.get("/v1/customers/cus_" + "0" * 64)
    assert unknown.status_code == 404
    assert client.get("/v1/decisions/dec_nope").status_code == 404
