"""The console shows approve-if-secured and the use of funds (English asserted):

- the review form offers the referring policy's security requirements (a referral re-pointed
  at retail-v4): approving on condition of collateral shows the condition on the officer's
  decision and the application's security standing (awaiting, to be secured by);
- a draw's page shows its use of funds — purpose, entrusted payee (masked), receipts attached
  with their check, what they cover and the receipts deadline — and its line's page the same
  per draw."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import sqlalchemy as sa
from fastapi.testclient import TestClient

from factories import body
from fakes.access import bearer
from fengkong.bootstrap import Context
from fengkong.db.tables import decisions
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.lending.credit_lines import draw, open_line
from fengkong.lending.funds import ReceiptIn, attach_receipt
from fengkong.lending.use_of_funds import Payee
from web.conftest import as_staff, csrf_of

V4 = read_shipped_bundle("retail-v4.yaml")


def _english(console: TestClient, secret: str) -> TestClient:
    as_staff(console, secret)
    console.cookies.set("fengkong_lang", "en")
    return console


def _referred_under_v4(console: TestClient, context: Context) -> tuple[str, str]:
    payload = {k: v for k, v in body().items() if k != "existing_monthly_debt"}
    decision = console.post("/v1/applications", json=payload, headers=bearer("fks_all")).json()
    assert decision["outcome"] == "refer", decision
    with context.uow() as uow:  # as if retail-v4 had referred it
        uow.policy_bundles.remember(V4.sha256, "retail-v4", V4.as_dict(), context.clock.now())
        uow.commit()
    with context.db.engine.begin() as conn:
        conn.execute(
            sa.update(decisions)
            .where(decisions.c.id == decision["decision_id"])
            .values(policy_sha256=V4.sha256)
        )
    items = console.get("/v1/review/items", headers=bearer("fks_all")).json()
    (item,) = [i for i in items if i["application_id"] == decision["application_id"]]
    return decision["application_id"], item["id"]


def test_an_officer_approves_on_condition_of_collateral(
    console: TestClient, context: Context
) -> None:
    _, item = _referred_under_v4(console, context)
    _english(console, "fks_officer")
    page = console.get(f"/console/review/{item}").text
    claimed = console.post(f"/console/review/{item}/claim", data={"csrf": csrf_of(page)})
    assert claimed.status_code == 303
    form = console.get(f"/console/review/{item}").text
    assert '<select id="f-security" name="security">' in form
    assert '<option value="guarantor_or_collateral">' in form
    assert "None: approve without security" in form

    data = {"limit": "2000", "annual_rate": "12", "term_months": "12", "comment": "thin file"}
    unknown = console.post(
        f"/console/review/{item}/approve", data={**data, "security": "horse", "csrf": csrf_of(form)}
    )
    assert unknown.status_code == 422
    assert "Choose one of the security requirements" in unknown.text
    done = console.post(
        f"/console/review/{item}/approve",
        data={**data, "security": "collateral", "csrf": csrf_of(form)},
    )
    assert done.status_code == 303, done.text
    shown = console.get(f"/console/review/{item}").text
    assert re.search(r'data-testid="approved-security"><code>collateral</code>', shown)
    assert 'data-testid="security-condition" data-status="awaiting"' in shown
    assert "An officer approved the referral on condition of security" in shown
    assert "To be secured by" in shown


def test_a_draws_use_of_funds_on_its_page_and_its_lines(
    console: TestClient, context: Context
) -> None:
    svc = context.lending
    line = open_line(100_000_000, Decimal("0.12"), "open-1", svc, product_code="business_line")
    payee = Payee("华东建材有限公司", "6222021234567890123", "中国工商银行上海分行")
    drawn = draw(line.line_id, 40_000_000, 6, "d-1", svc, purpose="purchase_of_goods", payee=payee)
    loan_id = drawn.loan.record.loan_id
    paid_on = drawn.loan.record.booked_on
    digest = hashlib.sha256(b"A-1").hexdigest()
    receipt = ReceiptIn("A-1", paid_on, 15_000_000, payee.name, "A-1.pdf", digest)
    attach_receipt(loan_id, receipt, svc, line_id=line.line_id)

    _english(console, "fks_officer")
    page = console.get(f"/console/loans/{loan_id}")
    assert page.status_code == 200
    html = page.text
    assert 'data-testid="fund-purpose">purchase of goods<' in html
    payee_cell = re.search(r'data-testid="fund-payee">([^<]+)<', html)
    assert payee_cell is not None and "Entrusted payment to" in payee_cell.group(1)
    assert "6222021234567890123" not in html and "0123" in payee_cell.group(1)  # masked
    assert 'data-status="awaiting"' in html and "150,000.00 of CN¥400,000.00 covered" in html
    assert 'data-testid="fund-due"' in html
    assert 'data-receipt="A-1"' in html and "Checked: amount, date and payee hold" in html

    line_page = console.get(f"/console/lines/{line.line_id}").text
    row = re.search(rf'<tr data-draw="{loan_id}">.*?</tr>', line_page, re.S)
    assert row is not None
    assert "purchase of goods" in row.group(0) and "Awaiting receipts" in row.group(0)
