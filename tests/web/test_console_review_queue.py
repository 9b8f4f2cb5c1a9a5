"""The review queue at the console, on SQLite and PostgreSQL: referred applications (submitted
through the API's decision service, as a channel does) listed and filtered; one item with its
application masked, its signals, score, reasons and trace; claimed, approved within the
referring policy's bounds into an offer, or declined for a reason; a bad or out-of-bounds term
shown beside its field with what was typed; maker-checker above the four-eyes amount (an
officer, then a different approver); 403 for roles without the permission, 404 for an unknown
item."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from factories import VALID_BODY, body
from fakes.access import bearer
from fengkong.bootstrap import Context
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Invalid
from fengkong.core.settings import Settings
from fengkong.decision.review_board import BoardFilter, review_board
from web.conftest import as_staff, csrf_of

FOUR_EYES_ABOVE_FEN = 300_000  # 3,000 yuan: the tests' 5,000 yuan applications need two people


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        env="test",
        home=tmp_path / "home",
        database_url=database_url,
        review_four_eyes_above_fen=FOUR_EYES_ABOVE_FEN,
    )


def refer(console: TestClient, **changes: Any) -> tuple[dict[str, Any], str]:
    """An application the demo policy refers (it lacks the applicant's other debts), submitted
    as the API takes it, and its review item."""
    payload = {k: v for k, v in body(**changes).items() if k != "existing_monthly_debt"}
    decision = console.post("/v1/applications", json=payload, headers=bearer("fks_all")).json()
    assert decision["outcome"] == "refer", decision
    items = console.get("/v1/review/items", headers=bearer("fks_all")).json()
    (item,) = [i for i in items if i["application_id"] == decision["application_id"]]
    return decision, item["id"]


def english(console: TestClient, secret: str) -> TestClient:
    as_staff(console, secret)
    console.cookies.set("fengkong_lang", "en")
    return console


def act(
    console: TestClient, item: str, action: str, data: dict[str, str] | None = None, **headers: str
):
    token = csrf_of(console.get(f"/console/review/{item}").text)
    return console.post(
        f"/console/review/{item}/{action}", data={**(data or {}), "csrf": token}, headers=headers
    )


def beside(html: str, field: str) -> str:
    found = re.search(rf'<small id="e-{field}" class="field-error">([^<]+)</small>', html)
    assert found, f"no error beside {field}"
    return found.group(1)


def status_of(console: TestClient, item: str) -> str:
    return console.get(f"/v1/review/items/{item}", headers=bearer("fks_all")).json()["status"]


def test_the_queue_lists_referrals_and_filters_them(console: TestClient, clock: FakeClock) -> None:
    _, small = refer(console, amount="2000.00")
    clock.advance(timedelta(minutes=5))
    _, large = refer(console, amount="5000.00")
    english(console, "fks_officer")
    page = console.get("/console/review")
    assert page.status_code == 200
    assert small in page.text and large in page.text
    assert 'href="/console/review"' in page.text  # the menu entry
    assert "an officer must review it" in page.text  # why it was referred, in English
    assert page.text.index(large) < page.text.index(small)  # newest first
    oldest = console.get("/console/review?order=oldest").text
    assert oldest.index(small) < oldest.index(large)
    over = console.get("/console/review?min_amount=3000").text
    assert large in over and small not in over
    assert small not in console.get("/console/review?product=no_such_product").text
    assert large in console.get("/console/review?channel=api").text
    assert large not in console.get("/console/review?channel=branch").text
    assert large not in console.get("/console/review?status=mine").text
    act(console, large, "claim")
    mine = console.get("/console/review?status=mine").text
    assert large in mine and small not in mine
    assert large not in console.get("/console/review?status=open").text


def test_a_malformed_amount_filter_shows_its_error(console: TestClient) -> None:
    english(console, "fks_officer")
    shown = console.get("/console/review?min_amount=lots&max_amount=10")
    assert shown.status_code == 422
    assert "in yuan" in beside(shown.text, "min_amount")
    assert 'value="lots"' in shown.text
    upside_down = console.get("/console/review?min_amount=10&max_amount=5")
    assert upside_down.status_code == 422 and beside(upside_down.text, "max_amount")


def test_the_item_shows_the_application_masked_with_its_signals_and_bounds(
    console: TestClient,
) -> None:
    decision, item = refer(console)
    api = console.get(
        f"/v1/applications/{decision['application_id']}", headers=bearer("fks_all")
    ).json()
    page = english(console, "fks_officer").get(f"/console/review/{item}").text
    applicant = VALID_BODY["applicant"]
    for clear in (applicant["name"], applicant["id_number"], applicant["phone"]):
        assert clear not in page
    for masked in ("applicant_name", "applicant_id_number", "applicant_phone"):
        assert api[masked] in page  # as the API shows it
    assert "POL_MISSING_FACT" in page and "an officer must review it" in page  # reason, in English
    assert "FRAUD_DEVICE_UNKNOWN" in page  # a fraud signal
    assert "Blacklist" in page and "Policy trace" in page
    assert "the amount applied for" in page  # the limit's bound beside the field
    chinese = console.get(f"/console/review/{item}", cookies={"fengkong_lang": "zh-CN"}).text
    assert "需人工审核" in chinese


def test_claim_then_approve_within_bounds_ends_in_an_offer(console: TestClient) -> None:
    decision, item = refer(console, amount="2000.00")
    english(console, "fks_officer")
    claimed = act(console, item, "claim")
    assert claimed.status_code == 303 and claimed.headers["location"] == f"/console/review/{item}"
    assert status_of(console, item) == "claimed"
    approved = act(
        console,
        item,
        "approve",
        {"limit": "1,800", "annual_rate": "12", "term_months": "12", "comment": "payslips ok"},
        **{"HX-Request": "true"},
    )
    assert approved.status_code == 200, approved.text
    assert approved.text.lstrip().startswith('<section id="review-item"')  # the partial
    assert 'data-status="approved"' in approved.text
    assert 'data-testid="offer"' in approved.text and "¥1,800.00" in approved.text
    offer = console.get(f"/v1/loans/offers/{decision['application_id']}", headers=bearer("fks_all"))
    assert offer.status_code == 200 and offer.json()["amount"] == "1800.00"
    assert status_of(console, item) == "approved"
    booked = console.post(
        f"/v1/loans/offers/{decision['application_id']}/accept",
        headers={**bearer("fks_all"), "Idempotency-Key": "accept-1"},
    )
    assert booked.status_code == 201, booked.text
    shown = console.get(f"/console/review/{item}").text
    assert f"Loan {booked.json()['loan_id']} booked" in shown and "awaiting payout" in shown


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"limit": "2000.01"}, "limit", "the amount applied for"),
        ({"limit": "12abc"}, "limit", "in yuan"),
        ({"limit": "1000.001"}, "limit", "in yuan"),
        ({"annual_rate": "40"}, "annual_rate", "Enter a rate from"),
        ({"annual_rate": "24"}, "annual_rate", "legal cap"),
        ({"annual_rate": "twelve"}, "annual_rate", "in percent"),
        ({"term_months": "17"}, "term_months", "terms the product offers"),
        ({"comment": "  "}, "comment", "audit log"),
    ],
)
def test_bad_terms_show_the_error_beside_the_field_keeping_what_was_typed(
    console: TestClient, fields: dict[str, str], field: str, message: str
) -> None:
    _, item = refer(console, amount="2000.00")
    english(console, "fks_officer")
    act(console, item, "claim")
    typed = {"limit": "1500", "annual_rate": "12", "term_months": "12", "comment": "ok", **fields}
    refused = act(console, item, "approve", typed)
    assert refused.status_code == 422
    assert message in beside(refused.text, field)
    if field in ("limit", "annual_rate"):
        assert f'value="{typed[field]}"' in refused.text
    assert status_of(console, item) == "claimed"  # nothing changed


def test_decline_with_a_reason(console: TestClient) -> None:
    _, item = refer(console)
    english(console, "fks_officer")
    act(console, item, "claim")
    no_note = act(console, item, "decline", {"reason_code": "REV_NOT_AFFORDABLE", "note": ""})
    assert no_note.status_code == 422 and "audit log" in beside(no_note.text, "note")
    unknown = act(console, item, "decline", {"reason_code": "REV_NOPE", "note": "x"})
    assert unknown.status_code == 422 and beside(unknown.text, "reason_code")
    done = act(console, item, "decline", {"reason_code": "REV_NOT_AFFORDABLE", "note": "debts"})
    assert done.status_code == 303
    page = console.get(f"/console/review/{item}").text
    assert 'data-status="declined"' in page
    assert "would not be affordable" in page
    assert status_of(console, item) == "declined"


def test_maker_checker_above_the_four_eyes_amount(console: TestClient) -> None:
    decision, item = refer(console, amount="5000.00")
    english(console, "fks_officer")
    act(console, item, "claim")
    first = act(
        console,
        item,
        "approve",
        {"limit": "4000", "annual_rate": "12", "term_months": "12", "comment": "first look"},
    )
    assert first.status_code == 303
    waiting = console.get(f"/console/review/{item}").text
    assert 'data-status="awaiting_second"' in waiting and "Awaiting a second approval" in waiting
    assert "user:olivia approved first" in waiting
    assert (
        console.get(
            "/v1/loans/offers/" + decision["application_id"], headers=bearer("fks_all")
        ).status_code
        == 409
    )

    # the approver sees it in the queue, claims it and confirms it
    english(console, "fks_approver")
    assert item in console.get("/console/review?status=awaiting_second").text
    assert act(console, item, "claim").status_code == 303
    confirmed = act(console, item, "approve", {"comment": "agreed"})
    assert confirmed.status_code == 303
    page = console.get(f"/console/review/{item}").text
    assert 'data-status="approved"' in page and "first approval: user:olivia" in page
    offer = console.get(f"/v1/loans/offers/{decision['application_id']}", headers=bearer("fks_all"))
    assert offer.status_code == 200 and offer.json()["amount"] == "4000.00"


def test_the_first_approver_cannot_be_the_checker(console: TestClient) -> None:
    _, item = refer(console, amount="5000.00")
    english(console, "fks_approver")
    act(console, item, "claim")
    act(
        console,
        item,
        "approve",
        {"limit": "4000", "annual_rate": "12", "term_months": "12", "comment": "ok"},
    )
    assert status_of(console, item) == "awaiting_second"
    page = console.get(f"/console/review/{item}").text
    assert "a different approver must give the second" in page
    refused = act(console, item, "claim")
    assert refused.status_code == 409
    assert "a different approver must give the second" in refused.text
    assert status_of(console, item) == "awaiting_second"
    english(console, "fks_approver2")
    assert act(console, item, "claim").status_code == 303
    assert act(console, item, "approve", {"comment": "agreed"}).status_code == 303
    assert status_of(console, item) == "approved"


def test_someone_elses_claim_is_a_conflict(console: TestClient) -> None:
    _, item = refer(console)
    english(console, "fks_officer")
    act(console, item, "claim")
    english(console, "fks_approver")
    assert "Held by user:olivia" in console.get(f"/console/review/{item}").text
    taken = act(console, item, "claim", **{"HX-Request": "true"})
    assert taken.status_code == 409 and "Another officer holds this item" in taken.text
    not_held = act(console, item, "approve", {"comment": "x"})
    assert not_held.status_code == 409


@pytest.mark.parametrize(
    ("secret", "read", "work"),
    [
        ("fks_officer", 200, True),
        ("fks_approver", 200, True),
        ("fks_auditor", 200, False),
        ("fks_risk", 403, False),
        ("fks_admin", 403, False),
        ("fks_channel", 403, False),
    ],
)
def test_each_role_sees_and_works_only_what_it_may(
    console: TestClient, secret: str, read: int, work: bool
) -> None:
    _, item = refer(console)
    english(console, secret)
    for path in ("/console/review", f"/console/review/{item}"):
        shown = console.get(path)
        assert shown.status_code == read
        assert "Traceback" not in shown.text
    home = console.get("/console/dashboard" if secret != "fks_officer" else "/console/review")
    assert ('href="/console/review"' in home.text) == (read == 200)
    token = csrf_of(home.text)
    claimed = console.post(f"/console/review/{item}/claim", data={"csrf": token})
    assert claimed.status_code == (303 if work else 403)
    if read == 200 and not work:
        assert 'action="/console/review/' not in console.get(f"/console/review/{item}").text


def test_an_unknown_item_is_404(console: TestClient) -> None:
    english(console, "fks_officer")
    assert console.get("/console/review/rev_nope").status_code == 404
    token = csrf_of(console.get("/console/review").text)
    assert console.post("/console/review/rev_nope/claim", data={"csrf": token}).status_code == 404
    assert (
        console.post(
            "/console/review/rev_nope/approve", data={"csrf": token, "comment": "x"}
        ).status_code
        == 404
    )


def test_review_pages_admit_no_inline_script_or_style(console: TestClient) -> None:
    _, item = refer(console)
    english(console, "fks_officer")
    act(console, item, "claim")
    pages = [console.get("/console/review"), console.get(f"/console/review/{item}")]
    pages.append(act(console, item, "approve", {"limit": "x", "comment": "y"}))
    for page in pages:
        for tag in re.findall(r"<script[^>]*>", page.text):
            assert "src=" in tag or 'type="application/json"' in tag, tag
        assert not re.search(r"<[^>]*\s(style|on[a-z]+)=", page.text)
        assert page.headers["cache-control"] == "no-store"


def test_the_queue_pages(
    console: TestClient, context: Context, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = []
    for _ in range(3):
        items.append(refer(console)[1])
        clock.advance(timedelta(minutes=1))
    with context.uow() as uow:
        first = review_board(uow, context.clock, BoardFilter(officer="user:x", per_page=2))
        second = review_board(uow, context.clock, BoardFilter("user:x", per_page=2, page=2))
        with pytest.raises(Invalid):
            review_board(uow, context.clock, BoardFilter("user:x", status="lost"))
    assert (first.total, first.pages, second.page) == (3, 2, 2)
    assert [r.item.id for r in first.rows + second.rows] == items[::-1]  # newest first
    assert {r.product for r in first.rows} == {"cash_loan"}

    monkeypatch.setattr("fengkong.web.pages.review.PER_PAGE", 2)
    english(console, "fks_officer")
    page_one = console.get("/console/review").text
    assert "Page 1 of 2" in page_one and 'rel="next"' in page_one and items[0] not in page_one
    page_two = console.get("/console/review?page=2").text
    assert items[0] in page_two and 'rel="prev"' in page_two


def test_a_refused_htmx_form_swaps_in_the_item_with_the_error_in_chinese(
    console: TestClient,
) -> None:
    _, item = refer(console, amount="2000.00")
    as_staff(console, "fks_officer").cookies.set("fengkong_lang", "zh-CN")
    act(console, item, "claim")
    typed = {"limit": "2500", "annual_rate": "12", "term_months": "12", "comment": "好"}
    refused = act(console, item, "approve", typed, **{"HX-Request": "true"})
    assert refused.status_code == 422
    assert refused.text.lstrip().startswith('<section id="review-item"')  # the partial alone
    assert "申请金额" in beside(refused.text, "limit")
    assert 'value="2500"' in refused.text and ">好</textarea>" in refused.text
