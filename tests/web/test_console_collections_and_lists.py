"""The console's collections work list and a loan's case (recording actions and promises), the
black/grey/white lists (searching by a posted value, asking for additions and removals) and the
approvals page where a second person approves or rejects (maker-checker), through the same use
cases as the API; refusals per role, unknown ids, errors beside the fields, no personal data in
URLs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from fakes.access import bearer
from fengkong.bootstrap import Context
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending import collections
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.servicing_steps import servicing_steps
from lending.test_service_support import seed_approved
from web.conftest import as_staff, csrf_of

HTMX = {"HX-Request": "true"}


def error_beside(html: str, field: str) -> str:
    found = re.search(rf'<small id="e-{field}" class="field-error">([^<]+)</small>', html)
    assert found, f"no error beside {field}"
    return found.group(1)


@pytest.fixture
def overdue(console: TestClient, context: Context) -> str:
    """A loan two days behind its first instalment, in the collections queue."""
    application = seed_approved(
        context.db, context.clock, amount=600_000, terms=6, vault=context.vault
    )  # type: ignore[arg-type]
    key = {"Idempotency-Key": "acc-1", **bearer("fks_all")}
    accepted = console.post(f"/v1/loans/offers/{application}/accept", headers=key)
    loan_id: str = accepted.json()["loan_id"]
    paid = {"Idempotency-Key": "pay-1", **bearer("fks_all")}
    console.post(f"/v1/loans/{loan_id}/disburse", headers=paid)
    with SqlUnitOfWork(context.db) as uow:
        due = uow.lending.instalments(loan_id)[0].due
    target = due + timedelta(days=2)
    context.clock.set(context.clock.now() + (target - context.clock.business_date()))  # type: ignore[attr-defined]
    svc = context.servicing
    run_end_of_day(target, svc.lending, steps=servicing_steps(svc))
    return loan_id


# ---- collections ---------------------------------------------------------------------------------


def test_the_work_list_shows_each_case_by_bucket(console: TestClient, overdue: str) -> None:
    console.cookies.set("fengkong_lang", "en")
    page = as_staff(console, "fks_officer").get("/console/collections")
    assert page.status_code == 200
    assert f'data-loan="{overdue}"' in page.text
    assert f'href="/console/collections/{overdue}"' in page.text
    assert 'data-bucket="' in page.text and "None yet" in page.text
    assert 'href="/console/collections"' in page.text  # in the menu
    closed = console.get("/console/collections?status=closed")
    assert closed.status_code == 200 and overdue not in closed.text


def test_an_officer_records_an_action_and_a_promise(
    console: TestClient, overdue: str, context: Context
) -> None:
    console.cookies.set("fengkong_lang", "en")
    as_staff(console, "fks_officer")
    page = console.get(f"/console/collections/{overdue}")
    assert page.status_code == 200 and 'data-figure="dpd">2<' in page.text
    token = csrf_of(page.text)
    done = console.post(
        f"/console/collections/{overdue}/actions",
        data={"kind": "call", "note": "no answer, left a message", "csrf": token},
    )
    assert done.status_code == 303 and done.headers["location"] == f"/console/collections/{overdue}"
    promised_on = (context.clock.business_date() + timedelta(days=3)).isoformat()
    swapped = console.post(
        f"/console/collections/{overdue}/promises",
        data={"amount": "100.5", "promised_on": promised_on, "csrf": token},
        headers=HTMX,
    )
    assert swapped.status_code == 200
    assert swapped.text.lstrip().startswith('<section id="case-work"')
    assert "¥100.50" in swapped.text and "<html" not in swapped.text
    view = collections.get_case(overdue, context.servicing)
    assert [(a.kind.value, a.officer) for a in view.actions] == [("call", "user:olivia")]
    assert [(int(p.amount), p.promised_on.isoformat()) for p in view.promises] == [
        (10_050, promised_on)
    ]
    listed = console.get("/console/collections")
    assert "Phone call" in listed.text and "user:olivia" in listed.text


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "call", "note": "  "}, "note"),
        ({"kind": "fax", "note": "sent a fax"}, "kind"),
        ({"amount": "12.345", "promised_on": "2099-01-01"}, "amount"),
        ({"amount": "abc", "promised_on": "2099-01-01"}, "amount"),
        ({"amount": "-5", "promised_on": "2099-01-01"}, "amount"),
        ({"amount": "100", "promised_on": "tomorrow"}, "promised_on"),
        ({"amount": "100", "promised_on": "2000-01-01"}, "promised_on"),
    ],
)
def test_bad_input_shows_the_error_beside_the_field(
    console: TestClient, overdue: str, data: dict[str, str], field: str
) -> None:
    as_staff(console, "fks_officer")
    page = console.get(f"/console/collections/{overdue}")
    action = "actions" if "kind" in data else "promises"
    shown = console.post(
        f"/console/collections/{overdue}/{action}", data={**data, "csrf": csrf_of(page.text)}
    )
    assert shown.status_code == 422
    assert error_beside(shown.text, field)
    typed = data.get("note") or data.get("amount") or ""
    assert typed.strip() == "" or typed in shown.text  # what was typed is kept


@pytest.mark.parametrize(
    ("secret", "read", "work"),
    [
        ("fks_officer", 200, 303),
        ("fks_risk", 200, 403),
        ("fks_auditor", 200, 403),
        ("fks_approver", 403, 403),
        ("fks_admin", 403, 403),
    ],
)
def test_who_may_read_and_work_the_cases(
    console: TestClient, overdue: str, secret: str, read: int, work: int
) -> None:
    as_staff(console, secret)
    assert console.get("/console/collections").status_code == read
    assert console.get(f"/console/collections/{overdue}").status_code == read
    token = csrf_of(console.get("/console/collections").text)
    acted = console.post(
        f"/console/collections/{overdue}/actions", data={"kind": "sms", "note": "x", "csrf": token}
    )
    assert acted.status_code == work


def test_an_unknown_loan_is_not_found(console: TestClient) -> None:
    as_staff(console, "fks_officer")
    assert console.get("/console/collections/loan_nope").status_code == 404
    token = csrf_of(console.get("/console/collections").text)
    posted = console.post(
        "/console/collections/loan_nope/actions", data={"kind": "sms", "note": "x", "csrf": token}
    )
    assert posted.status_code == 404 and 'data-status="404"' in posted.text
