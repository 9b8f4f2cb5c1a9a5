"""A draw states its purpose; a purpose the product does not list, or a forbidden one, is refused
with nothing stored; above the business line's ¥300,000 the payee is required and the payout
instruction names the payee, while the ledger records the same money movement as a draw paid to
the borrower. The payee's account is stored sealed (SQLite and PostgreSQL).

| line | draw | purpose | payee | outcome |
| --- | --- | --- | --- | --- |
| business_line@1, ¥1,000,000 | ¥400,000 | business_working_capital | none | 422 payee, nothing stored |
| business_line@1 | ¥400,000 | house_purchase | 华东建材 | 422 purpose (forbidden) |
| business_line@1 | ¥400,000 | purchase_of_goods | 华东建材 | paid to the payee |
| business_line@1 | ¥100,000 | business_working_capital | none | paid to the borrower |
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fengkong.core.errors import Invalid
from fengkong.db.database import Database
from fengkong.db.funds_tables import fund_uses
from fengkong.lending.config import LendingConfig
from fengkong.lending.credit_lines import draw, get_line, open_line
from fengkong.lending.funds import fund_use_view
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.services import LendingServices
from fengkong.lending.use_of_funds import Payee
from lending.test_collections_support import VAULT
from lending.test_service_support import lending_services, migrated, new_clock

PAYEE = Payee("华东建材有限公司", "6222021234567890123", "中国工商银行上海分行")
YUAN = 100


def _services(url: str) -> tuple[Database, LendingServices, SimulatedGateway]:
    db = migrated(url)
    gateway = SimulatedGateway()
    svc = replace(lending_services(db, new_clock(), gateway, LendingConfig()), vault=VAULT)
    return db, svc, gateway


def _line(svc: LendingServices) -> str:
    line = open_line(
        1_000_000 * YUAN, Decimal("0.12"), "open-biz", svc, product_code="business_line"
    )
    return line.line_id


def _count(db: Database) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(fund_uses)).scalar_one())


def test_above_the_threshold_the_payee_is_required_and_nothing_is_stored(
    database_url: str,
) -> None:
    db, svc, _ = _services(database_url)
    line_id = _line(svc)
    with pytest.raises(Invalid) as caught:
        draw(line_id, 400_000 * YUAN, 6, "d1", svc, purpose="business_working_capital")
    assert [e.loc for e in caught.value.errors] == [("payee",)]
    with pytest.raises(Invalid) as forbidden:
        draw(line_id, 400_000 * YUAN, 6, "d2", svc, purpose="house_purchase", payee=PAYEE)
    assert forbidden.value.errors[0].loc == ("purpose",)
    assert "business_working_capital" in forbidden.value.errors[0].msg
    assert get_line(line_id, svc).draws == ()
    assert _count(db) == 0


def test_an_entrusted_draw_pays_the_payee_and_books_the_same_money(database_url: str) -> None:
    db, svc, gateway = _services(database_url)
    line_id = _line(svc)
    entrusted = draw(
        line_id, 400_000 * YUAN, 6, "d1", svc, purpose="purchase_of_goods", payee=PAYEE
    )
    own = draw(line_id, 100_000 * YUAN, 6, "d2", svc, purpose="business_working_capital")
    to_payee = gateway.instructions[entrusted.disbursement.payout.payout_id]
    to_borrower = gateway.instructions[own.disbursement.payout.payout_id]
    assert to_payee.payee == PAYEE and to_payee.amount == 400_000 * YUAN
    assert to_borrower.payee is None

    view = fund_use_view(entrusted.loan.record.loan_id, svc, line_id=line_id)
    assert view.use.purpose == "purchase_of_goods" and view.use.entrusted
    assert view.use.payee_account_mask == "6222 **** **** 0123"
    assert view.use.paid_out == 400_000 * YUAN
    assert view.use.receipts_due_on is not None
    assert (view.use.receipts_due_on - view.use.paid_on).days == 30  # type: ignore[operator]

    with db.engine.connect() as conn:
        stored = " ".join(str(v) for row in conn.execute(sa.select(fund_uses)) for v in row)
    assert PAYEE.account not in stored and PAYEE.name not in stored

    # the same money movement whoever is paid: the same accounts, in proportion to the amounts
    with svc.uow() as uow:
        to_them = uow.journal.balances(entrusted.loan.record.loan_id)
        to_self = uow.journal.balances(own.loan.record.loan_id)
    assert {k.code for k in to_them} == {k.code for k in to_self}
    by_account = {k.code: v for k, v in to_self.items()}
    assert all(v == 4 * by_account[k.code] for k, v in to_them.items())


def test_a_loan_paid_on_its_own_takes_its_applications_purpose(database_url: str) -> None:
    from fengkong.lending.disbursement import disburse
    from fengkong.lending.origination import accept_offer
    from lending.test_service_support import seed_approved

    db, svc, gateway = _services(database_url)
    application_id = seed_approved(db, svc.clock, vault=VAULT)  # type: ignore[arg-type]
    loan = accept_offer(application_id, "accept-1", svc)
    paid = disburse(loan.record.loan_id, "pay-1", svc)
    assert gateway.instructions[paid.payout.payout_id].payee is None
    use = fund_use_view(loan.record.loan_id, svc).use
    assert use.paid_out == loan.record.amount and not use.entrusted


def test_a_loans_payout_refuses_a_forbidden_purpose_and_may_name_a_payee(
    database_url: str,
) -> None:
    from fengkong.lending.disbursement import disburse
    from fengkong.lending.origination import accept_offer, get_loan
    from fengkong.lending.records import LoanStage
    from lending.test_service_support import seed_approved

    db, svc, gateway = _services(database_url)
    loan = accept_offer(seed_approved(db, svc.clock, vault=VAULT), "accept-1", svc)  # type: ignore[arg-type]
    loan_id = loan.record.loan_id
    with pytest.raises(Invalid) as caught:
        disburse(loan_id, "pay-1", svc, purpose="repay_other_loans")
    assert caught.value.errors[0].type == "forbidden"
    assert get_loan(loan_id, svc).payouts == () and _count(db) == 0

    # the product does not require entrusted payment; the borrower may still ask for it
    paid = disburse(loan_id, "pay-2", svc, purpose="home_renovation", payee=PAYEE)
    assert paid.stage is LoanStage.ACTIVE
    assert gateway.instructions[paid.payout.payout_id].payee == PAYEE
    assert fund_use_view(loan_id, svc).use.purpose == "home_renovation"
