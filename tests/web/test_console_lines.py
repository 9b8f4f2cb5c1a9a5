"""A credit line's page at the console: its figures, draws, history, scores, notices and audit
trail; an officer freezes it with a reason (recorded on the line and audited) and unfreezes it;
a freeze without a reason comes back with the error beside the field; roles without the
permission are refused; an unknown line is a 404 page. On a book seeded through the real
services (`search.book`)."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient

from fengkong.bootstrap import Context
from fengkong.lending.credit_lines import get_line
from fengkong.lending.line import LineStatus
from fengkong.lending.trail import line_trail
from fengkong.web.i18n import COOKIE
from search.book import Book, seed_book
from web.conftest import as_staff, csrf_of


@pytest.fixture
def book(context: Context, console: TestClient) -> Book:
    console.cookies.set(COOKIE, "en")  # the English texts are asserted
    return seed_book(context)


def _form(html: str, action: str) -> str:
    found = re.search(rf'<form[^>]*data-action="{action}".*?</form>', html, re.S)
    assert found, f"no {action} form"
    return found.group(0)


def test_an_officer_freezes_a_line_with_a_reason_and_unfreezes_it(
    console: TestClient, context: Context, book: Book
) -> None:
    line_id = book.lines["zhao"]
    page = as_staff(console, "fks_officer").get(f"/console/lines/{line_id}")
    assert page.status_code == 200
    html = page.text
    assert 'data-figure="limit">¥4,000.00' in html or "4,000.00" in html
    assert "1,000.00" in html  # drawn
    assert f'href="/console/loans/{book.loans["draw"]}"' in html
    assert "Freeze line" in _form(html, "freeze")

    token = csrf_of(html)
    missing = console.post(f"/console/lines/{line_id}/freeze", data={"reason": "  ", "csrf": token})
    assert missing.status_code == 422
    form = _form(missing.text, "freeze")
    assert 'class="field-error"' in form and 'aria-invalid="true"' in form
    assert get_line(line_id, context.lending).status is LineStatus.ACTIVE

    done = console.post(
        f"/console/lines/{line_id}/freeze",
        data={"reason": "borrower reported fraud", "csrf": token},
    )
    assert done.status_code == 303 and done.headers["location"] == f"/console/lines/{line_id}"
    line = get_line(line_id, context.lending)
    assert line.status is LineStatus.FROZEN
    assert line.history[-1].reason == "borrower reported fraud"
    assert line.history[-1].officer == "user:olivia"
    trail = line_trail(line_id, context.uow)
    assert (trail[-1].action, trail[-1].actor) == ("line.freeze", "user:olivia")
    assert trail[-1].payload["reason"] == "borrower reported fraud"

    shown = console.get(f"/console/lines/{line_id}").text
    assert 'data-status="frozen"' in shown and "borrower reported fraud" in shown
    assert 'data-action="freeze"' not in shown  # only unfreeze is offered now

    # htmx: the file is swapped in place
    again = console.post(
        f"/console/lines/{line_id}/unfreeze",
        data={"reason": "fraud report withdrawn"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert again.status_code == 200
    assert again.text.lstrip().startswith('<div id="line-file"')
    assert 'data-status="active"' in again.text
    assert get_line(line_id, context.lending).status is LineStatus.ACTIVE


def test_an_htmx_freeze_without_reason_keeps_what_was_typed(
    console: TestClient, context: Context, book: Book
) -> None:
    line_id = book.lines["bare"]
    token = csrf_of(as_staff(console, "fks_officer").get(f"/console/lines/{line_id}").text)
    refused = console.post(
        f"/console/lines/{line_id}/freeze",
        data={"reason": "   "},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert refused.status_code == 422
    form = _form(refused.text, "freeze")
    assert 'id="freeze-reason-error"' in form and ">   </textarea>" in form
    # reinstating when no rule acted is refused in words, not a stack trace
    stale = console.post(
        f"/console/lines/{line_id}/reinstate",
        data={"reason": "dispute upheld"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert stale.status_code == 409
    assert 'role="alert"' in _form(stale.text, "reinstate")
    assert "dispute upheld" in _form(stale.text, "reinstate")


@pytest.mark.parametrize(
    ("secret", "view", "act"),
    [
        ("fks_officer", 200, True),
        ("fks_risk", 200, False),
        ("fks_approver", 200, False),
        ("fks_auditor", 200, False),
        ("fks_admin", 403, False),
    ],
)
def test_each_role_sees_and_acts_as_it_may(
    console: TestClient, context: Context, book: Book, secret: str, view: int, act: bool
) -> None:
    line_id = book.lines["zhao"]
    page = as_staff(console, secret).get(f"/console/lines/{line_id}")
    assert page.status_code == view
    assert ('data-action="freeze"' in page.text) is act
    token = csrf_of(page.text)
    tried = console.post(f"/console/lines/{line_id}/freeze", data={"reason": "x", "csrf": token})
    assert tried.status_code == (303 if act else 403)
    if not act:
        assert get_line(line_id, context.lending).status is LineStatus.ACTIVE


def test_an_unknown_line_is_a_404_page(console: TestClient, book: Book) -> None:
    as_staff(console, "fks_officer")
    missing = console.get("/console/lines/lin_nope")
    assert missing.status_code == 404 and 'data-status="404"' in missing.text
    token = csrf_of(missing.text)
    posted = console.post("/console/lines/lin_nope/freeze", data={"reason": "x", "csrf": token})
    assert posted.status_code == 404


def test_an_officer_reinstates_what_a_rule_did(
    console: TestClient, context: Context, book: Book
) -> None:
    from fengkong.lending.credit_lines import change_line

    frozen, closed = book.lines["bare"], book.lines["zhao"]
    # as end of day acts: a change with no officer
    change_line(frozen, "freeze", "DPD_OVER_THRESHOLD: 3 days past due > 0", context.lending)
    change_line(closed, "close", "BLACKLIST_HIT: mobile on the black list", context.lending)
    page = as_staff(console, "fks_officer").get(f"/console/lines/{frozen}")
    assert "A rule" in page.text and "Line frozen" in page.text
    token = csrf_of(page.text)

    def reinstate(line_id: str, **data: str) -> httpx.Response:
        return console.post(f"/console/lines/{line_id}/reinstate", data={**data, "csrf": token})

    assert reinstate(frozen).status_code == 422
    refused = reinstate(closed, reason="not the same person")
    assert refused.status_code == 422
    form = _form(refused.text, "reinstate")
    assert 'id="reinstate-ack-error"' in form and "not the same person" in form
    assert get_line(closed, context.lending).status is LineStatus.CLOSED

    assert reinstate(frozen, reason="bank outage on the due date").status_code == 303
    line = get_line(frozen, context.lending)
    assert line.status is LineStatus.ACTIVE and line.history[-1].officer == "user:olivia"
    reopened = reinstate(closed, reason="not the same person", acknowledge_blacklist="yes")
    assert reopened.status_code == 303
    assert get_line(closed, context.lending).status is LineStatus.ACTIVE

    shown = console.get(f"/console/lines/{frozen}").text
    assert "Line reinstated" in shown and "bank outage on the due date" in shown
    notices = re.search(r'<table class="notices">.*?</table>', shown, re.S)
    assert notices and "Line frozen" in notices.group(0) and "Line reinstated" in notices.group(0)
