"""The console's collections work list and a loan's case (recording actions and promises), the
black/grey/white lists (searching by a posted value, asking for additions and removals) and the
approvals page where a second person approves or rejects (maker-checker), through the same use
cases as the API; refusals per role, unknown ids, errors beside the fields, no personal data in
URLs."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from fakes.access import bearer
from fengkong.access.approvals import ApprovalQuery, find_requests
from fengkong.bootstrap import Context
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending import collections
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.servicing_steps import servicing_steps
from fengkong.sim.identity import identity
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


# ---- lists and approvals -------------------------------------------------------------------------

WHO = identity(40, date(2026, 3, 1), random.Random(5))


def ask_addition(console: TestClient, secret: str = "fks_risk", **fields: str) -> object:
    as_staff(console, secret)
    token = csrf_of(console.get("/console/lists").text)
    data = {
        "list": "black",
        "key_type": "mobile",
        "value": WHO.phone,
        "reason": "fraud ring",
        "source": "case 42",
        "expires_at": "",
        **fields,
        "csrf": token,
    }
    return console.post("/console/lists/entries", data=data)


def pending_id(context: Context) -> str:
    with context.uow() as uow:
        found = find_requests(uow, ApprovalQuery())
    assert len(found) == 1
    return found[0].id


def test_a_risk_manager_asks_and_an_approver_approves_an_addition(
    console: TestClient, context: Context
) -> None:
    console.cookies.set("fengkong_lang", "en")
    asked = ask_addition(console)
    request_id = pending_id(context)
    assert asked.status_code == 303  # type: ignore[attr-defined]
    assert asked.headers["location"] == f"/console/lists?asked={request_id}"  # type: ignore[attr-defined]
    assert WHO.phone not in asked.headers["location"]  # type: ignore[attr-defined]
    assert f'data-request="{request_id}"' not in console.get("/console/lists").text

    as_staff(console, "fks_approver")
    queue = console.get("/console/approvals")
    assert queue.status_code == 200 and f'data-request="{request_id}"' in queue.text
    assert "Add to a list" in queue.text and "user:rita" in queue.text
    assert "Black list" in queue.text and "Mobile number" in queue.text  # labels, not codes
    assert WHO.phone not in queue.text  # masked
    done = console.post(
        f"/console/approvals/{request_id}/approve",
        data={"csrf": csrf_of(queue.text)},
        headers=HTMX,
    )
    assert done.status_code == 200 and 'data-status="approved"' in done.text
    assert done.text.lstrip().startswith("<tr") and "user:alan" in done.text

    as_staff(console, "fks_officer")
    shown = console.get("/console/lists?list=black")
    assert shown.status_code == 200 and "fraud ring" in shown.text
    assert WHO.phone not in shown.text
    entry_id = re.search(r'data-entry="([^"]+)"', shown.text).group(1)  # type: ignore[union-attr]
    assert console.get(f"/console/lists/entries/{entry_id}").status_code == 200


def test_a_search_posts_the_value_and_finds_the_entry(
    console: TestClient, context: Context
) -> None:
    ask_addition(console)
    as_staff(console, "fks_approver")
    page = console.get("/console/approvals")
    console.post(
        f"/console/approvals/{pending_id(context)}/approve", data={"csrf": csrf_of(page.text)}
    )
    as_staff(console, "fks_risk")
    page = console.get("/console/lists")
    found = console.post(
        "/console/lists/search",
        data={"key_type": "mobile", "value": WHO.phone, "csrf": csrf_of(page.text)},
    )
    assert found.status_code == 200
    assert found.text.count('data-entry="') == 2  # on that key, and in the whole list
    for link in re.findall(r'(?:href|action|hx-post)="([^"]+)"', found.text):
        assert WHO.phone not in link and WHO.phone[-4:] not in link
    missing = console.post(
        "/console/lists/search",
        data={"key_type": "mobile", "value": "", "csrf": csrf_of(page.text)},
    )
    assert missing.status_code == 422 and error_beside(missing.text, "value")


def test_removal_is_asked_then_rejected_with_a_reason(
    console: TestClient, context: Context
) -> None:
    console.cookies.set("fengkong_lang", "en")
    ask_addition(console)
    as_staff(console, "fks_approver")
    page = console.get("/console/approvals")
    console.post(
        f"/console/approvals/{pending_id(context)}/approve", data={"csrf": csrf_of(page.text)}
    )
    as_staff(console, "fks_risk")
    listed = console.get("/console/lists")
    entry_id = re.search(r'data-entry="([^"]+)"', listed.text).group(1)  # type: ignore[union-attr]
    page = console.get(f"/console/lists/entries/{entry_id}")
    no_reason = console.post(
        f"/console/lists/entries/{entry_id}/remove",
        data={"reason": " ", "csrf": csrf_of(page.text)},
    )
    assert no_reason.status_code == 422 and error_beside(no_reason.text, "reason")
    asked = console.post(
        f"/console/lists/entries/{entry_id}/remove",
        data={"reason": "court order lifted", "csrf": csrf_of(page.text)},
        headers=HTMX,
    )
    assert asked.status_code == 200 and "awaits an approver" in asked.text
    request_id = pending_id(context)

    as_staff(console, "fks_approver")
    page = console.get(f"/console/approvals/{request_id}")
    assert page.status_code == 200 and "Remove from a list" in page.text
    empty = console.post(
        f"/console/approvals/{request_id}/reject", data={"reason": "", "csrf": csrf_of(page.text)}
    )
    assert empty.status_code == 422 and error_beside(empty.text, "reason")
    done = console.post(
        f"/console/approvals/{request_id}/reject",
        data={"reason": "no court order attached", "csrf": csrf_of(page.text)},
    )
    assert done.status_code == 303
    assert 'data-status="rejected"' in console.get(done.headers["location"]).text
    as_staff(console, "fks_officer")
    assert "Active" in console.get(f"/console/lists/entries/{entry_id}").text


def test_the_maker_is_refused_as_checker(console: TestClient, context: Context) -> None:
    console.cookies.set("fengkong_lang", "en")
    ask_addition(console, "fks_all")
    request_id = pending_id(context)
    page = console.get("/console/approvals")
    refused = console.post(
        f"/console/approvals/{request_id}/approve", data={"csrf": csrf_of(page.text)}
    )
    assert refused.status_code == 403
    assert "an approver other than you must decide it" in refused.text
    swapped = console.post(
        f"/console/approvals/{request_id}/approve", data={"csrf": csrf_of(page.text)}, headers=HTMX
    )
    assert swapped.status_code == 409 and "data-refusal" in swapped.text
    with context.uow() as uow:
        assert find_requests(uow, ApprovalQuery())[0].status.value == "pending"


@pytest.mark.parametrize(
    ("fields", "field", "status"),
    [
        ({"value": "12ab"}, "value", 422),
        ({"value": ""}, "value", 422),
        ({"reason": ""}, "reason", 422),
        ({"source": ""}, "source", 422),
        ({"list": "purple"}, "list", 422),
        ({"expires_at": "2000-01-01"}, "expires_at", 422),
        ({"expires_at": "soon"}, "expires_at", 422),
    ],
)
def test_a_bad_addition_shows_the_error_beside_the_field(
    console: TestClient, fields: dict[str, str], field: str, status: int
) -> None:
    shown = ask_addition(console, **fields)
    assert shown.status_code == status  # type: ignore[attr-defined]
    assert error_beside(shown.text, field)  # type: ignore[attr-defined]


def test_the_same_addition_twice_is_refused_beside_the_value(console: TestClient) -> None:
    assert ask_addition(console).status_code == 303  # type: ignore[attr-defined]
    again = ask_addition(console)
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert error_beside(again.text, "value")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("secret", "lists", "add", "approvals", "decide"),
    [
        ("fks_officer", 200, 403, 200, 403),
        ("fks_risk", 200, 303, 200, 403),
        ("fks_approver", 403, 403, 200, 404),
        ("fks_auditor", 200, 403, 200, 403),
        ("fks_admin", 403, 403, 403, 403),
    ],
)
def test_who_may_see_and_change_the_lists(
    console: TestClient, secret: str, lists: int, add: int, approvals: int, decide: int
) -> None:
    as_staff(console, secret)
    assert console.get("/console/lists").status_code == lists
    assert console.get("/console/approvals").status_code == approvals
    token = csrf_of(console.get("/console/lists").text)  # a refusal's page carries it too
    data = {"list": "black", "key_type": "mobile", "value": WHO.phone, "reason": "r", "source": "s"}
    assert console.post("/console/lists/entries", data={**data, "csrf": token}).status_code == add
    decided = console.post("/console/approvals/apr_nope/approve", data={"csrf": token})
    assert decided.status_code == decide


def test_unknown_entries_and_requests_are_not_found(console: TestClient) -> None:
    as_staff(console, "fks_risk")
    assert console.get("/console/lists/entries/lst_nope").status_code == 404
    token = csrf_of(console.get("/console/lists").text)
    gone = console.post(
        "/console/lists/entries/lst_nope/remove", data={"reason": "x", "csrf": token}
    )
    assert gone.status_code == 404
    as_staff(console, "fks_approver")
    assert console.get("/console/approvals/apr_nope").status_code == 404
    token = csrf_of(console.get("/console/approvals").text)
    assert (
        console.post(
            "/console/approvals/apr_nope/reject", data={"reason": "x", "csrf": token}
        ).status_code
        == 404
    )


def test_an_officer_finds_the_work_list_in_chinese(console: TestClient, overdue: str) -> None:
    as_staff(console, "fks_officer")
    home = console.get("/console/")  # the first section of the menu: the review queue
    assert home.status_code == 303 and home.headers["location"] == "/console/review"
    console.cookies.set("fengkong_lang", "zh-CN")
    page = console.get("/console/collections")
    assert "催收工作台" in page.text and 'href="/console/lists"' in page.text
    assert 'href="/console/approvals"' in page.text and 'href="/console/audit"' not in page.text
    case = console.get(f"/console/collections/{overdue}")
    assert "登记承诺还款" in case.text and "电话催收" in case.text


def test_a_write_off_asked_through_the_api_is_approved_in_the_console(
    console: TestClient, overdue: str, context: Context
) -> None:
    asked = console.post(
        f"/v1/loans/{overdue}/write-off",
        json={"reason": "fraud confirmed by police"},
        headers=bearer("fks_officer"),
    )
    assert asked.status_code == 202, asked.text
    request_id = asked.json()["id"]
    console.cookies.set("fengkong_lang", "en")
    as_staff(console, "fks_approver")
    queue = console.get("/console/approvals?kind=loan.write_off")
    assert f'data-request="{request_id}"' in queue.text and "Loan write-off" in queue.text
    assert overdue in queue.text and "fraud confirmed by police" in queue.text
    done = console.post(
        f"/console/approvals/{request_id}/approve",
        data={"csrf": csrf_of(queue.text)},
        headers=HTMX,
    )
    assert done.status_code == 200 and 'data-status="approved"' in done.text
    with SqlUnitOfWork(context.db) as uow:
        assert uow.lending.get_loan(overdue).stage.value == "written_off"  # type: ignore[union-attr]
