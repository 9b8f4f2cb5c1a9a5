"""Receipts after a payout, and the line rule that freezes on missing ones (SQLite and
PostgreSQL). The business line pays ¥400,000 to 华东建材 on 2026-03-02; its receipts are due
within 5 days (a test product), so by 2026-03-07.

| date | what happens | line |
| --- | --- | --- |
| 03-02 | a receipt dated 03-01, one for ¥400,000.01, one naming another payee | refused (422) |
| 03-03 | receipt A-1 of ¥150,000 | active; 37.5 % covered |
| 03-07 | end of day: due today, not yet past | active |
| 03-08 | end of day: past due, ¥250,000 uncovered | frozen (RECEIPTS_MISSING), notice, audit |
| 03-09 | receipt A-2 of ¥250,000 | frozen until an officer reinstates (or at once, when the product says so) |
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from fengkong.core.clock import FakeClock
from fengkong.core.errors import Invalid, NotFound
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.blacklist_trigger import bind_line_borrower
from fengkong.lending.catalogue import BUSINESS_LINE, DEFAULT_PRODUCTS
from fengkong.lending.config import LendingConfig
from fengkong.lending.credit_lines import draw, get_line, open_line
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.funds import AUTO_REINSTATER, ReceiptIn, attach_receipt, fund_use_view
from fengkong.lending.line import LineChangeKind, LineStatus
from fengkong.lending.line_notices import line_notices, reinstate
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.receipts_trigger import add_receipt
from fengkong.lending.servicing import ServicingConfig, ServicingServices
from fengkong.lending.servicing_steps import servicing_steps
from fengkong.lending.use_of_funds import Payee
from lending.test_collections_support import VAULT, Recorder, audit_actions, evening, person
from lending.test_service_support import lending_services, migrated, new_clock

YUAN = 100
PAID = 400_000 * YUAN
PAYEE = Payee("华东建材有限公司", "6222021234567890123", "中国工商银行上海分行")
OFFICER = "user:li.wei"


def _services(db: Database, clock: FakeClock, *, unfreeze: bool = False) -> ServicingServices:
    terms = replace(BUSINESS_LINE.use_of_funds, receipts_within_days=5)
    if unfreeze:
        terms = replace(terms, unfreeze_on_receipts=True)
    business = replace(BUSINESS_LINE, use_of_funds=terms)
    products = tuple(business if p is BUSINESS_LINE else p for p in DEFAULT_PRODUCTS)
    lending = replace(
        lending_services(db, clock, SimulatedGateway(), LendingConfig(products=products)),
        vault=VAULT,
    )
    return ServicingServices(
        lending=lending,
        vault=VAULT,
        channel=Recorder(),
        config=ServicingConfig(),
        uow=lambda: SqlUnitOfWork(db),
    )


def _drawn(svc: ServicingServices) -> tuple[str, str]:
    line = open_line(
        1_000_000 * YUAN, Decimal("0.12"), "open", svc.lending, product_code="business_line"
    )
    _, _, phone = person(11)
    bind_line_borrower(line.line_id, svc, phone=phone, language="en")
    drawn = draw(line.line_id, PAID, 6, "d1", svc.lending, purpose="purchase_of_goods", payee=PAYEE)
    return line.line_id, drawn.loan.record.loan_id


def _receipt(number: str, on: date, amount: int, payee: str = PAYEE.name) -> ReceiptIn:
    digest = hashlib.sha256(number.encode()).hexdigest()
    return ReceiptIn(number, on, amount, payee, f"{number}.pdf", digest)


def test_receipts_are_checked_and_their_cover_tracked(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock(date(2026, 3, 2))
    svc = _services(db, clock)
    line_id, loan_id = _drawn(svc)
    paid_on = date(2026, 3, 2)

    with pytest.raises(Invalid) as early:
        attach_receipt(loan_id, _receipt("A-0", paid_on - timedelta(days=1), 1), svc.lending)
    assert [e.type for e in early.value.errors] == ["before_payout"]
    with pytest.raises(Invalid) as over:
        attach_receipt(loan_id, _receipt("A-0", paid_on, PAID + 1), svc.lending)
    assert [e.loc for e in over.value.errors] == [("amount",)]
    with pytest.raises(Invalid) as other:
        attach_receipt(loan_id, _receipt("A-0", paid_on, 100, "另一家公司"), svc.lending)
    assert [e.type for e in other.value.errors] == ["payee_mismatch"]
    with pytest.raises(NotFound):
        attach_receipt(loan_id, _receipt("A-0", paid_on, 100), svc.lending, line_id="line_x")

    # the payee as paid, written with full-width brackets and spaces, is the same payee
    clock.set(clock.now() + timedelta(days=1))
    view = attach_receipt(
        loan_id,
        _receipt("A-1", paid_on, 150_000 * YUAN, f" {PAYEE.name} "),
        svc.lending,
        line_id=line_id,
    )
    assert view.coverage.covered == 150_000 * YUAN
    assert view.coverage.share == Decimal("0.3750") and not view.coverage.complete
    with pytest.raises(Invalid) as again:
        attach_receipt(loan_id, _receipt("A-1", paid_on, 1), svc.lending)
    assert again.value.errors[0].type == "duplicate"
    with pytest.raises(Invalid) as beyond:
        attach_receipt(loan_id, _receipt("A-2", paid_on, 250_000 * YUAN + 1), svc.lending)
    assert "not yet covered" in beyond.value.errors[0].msg
    [stored] = fund_use_view(loan_id, svc.lending).receipts
    assert stored.payee_name != PAYEE.name  # masked as read back
    assert audit_actions(db, loan_id).count("funds.receipt_attached") == 1


def _night(svc: ServicingServices, clock: FakeClock, day: date) -> None:
    evening(clock, day)
    run_end_of_day(day, svc.lending, steps=servicing_steps(svc))


def test_missing_receipts_freeze_the_line_until_an_officer_reinstates(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock(date(2026, 3, 2))
    svc = _services(db, clock)
    line_id, loan_id = _drawn(svc)
    attach_receipt(loan_id, _receipt("A-1", date(2026, 3, 2), 150_000 * YUAN), svc.lending)

    _night(svc, clock, date(2026, 3, 7))  # the due date itself: not yet past
    assert get_line(line_id, svc.lending).status is LineStatus.ACTIVE
    _night(svc, clock, date(2026, 3, 8))
    line = get_line(line_id, svc.lending)
    assert line.status is LineStatus.FROZEN
    assert line.history[-1].reason.startswith("RECEIPTS_MISSING")
    assert audit_actions(db, line_id).count("line.freeze") == 1
    [notice] = line_notices(line_id, svc)
    assert (notice.kind, notice.detail["reason"]) == ("line_frozen", "RECEIPTS_MISSING")
    _night(svc, clock, date(2026, 3, 9))  # already frozen: nothing more
    assert audit_actions(db, line_id).count("line.freeze") == 1

    clock.set(clock.now() + timedelta(hours=1))
    attach_receipt(loan_id, _receipt("A-2", date(2026, 3, 5), 250_000 * YUAN), svc.lending)
    assert fund_use_view(loan_id, svc.lending).coverage.complete
    assert get_line(line_id, svc.lending).status is LineStatus.FROZEN  # the officer's call
    reinstated = reinstate(line_id, "receipts provided late", svc, officer=OFFICER)
    assert reinstated.status is LineStatus.ACTIVE
    _night(svc, clock, date(2026, 3, 10))
    assert get_line(line_id, svc.lending).status is LineStatus.ACTIVE


def test_the_product_may_unfreeze_the_line_when_receipts_arrive(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock(date(2026, 3, 2))
    svc = _services(db, clock, unfreeze=True)
    line_id, loan_id = _drawn(svc)
    _night(svc, clock, date(2026, 3, 8))
    assert get_line(line_id, svc.lending).status is LineStatus.FROZEN
    with pytest.raises(NotFound):
        attach_receipt("loan_unknown", _receipt("A-1", date(2026, 3, 3), 1), svc.lending)
    add_receipt(loan_id, _receipt("A-1", date(2026, 3, 3), PAID), svc)
    line = get_line(line_id, svc.lending)
    assert line.status is LineStatus.ACTIVE
    assert (line.history[-1].kind, line.history[-1].officer) == (
        LineChangeKind.REINSTATED,
        AUTO_REINSTATER,
    )
    assert [n.kind for n in line_notices(line_id, svc)] == ["line_frozen", "line_reinstated"]
    _night(svc, clock, date(2026, 3, 9))
    assert get_line(line_id, svc.lending).status is LineStatus.ACTIVE


def test_two_receipts_at_once_never_cover_more_than_the_payout(database_url: str) -> None:
    """Two receipts of ¥300,000 for the ¥400,000 payout, sent at the same moment from two
    threads: the loan's lock checks them in turn, so one is attached and the other refused."""
    db = migrated(database_url)
    clock = new_clock(date(2026, 3, 2))
    svc = _services(db, clock)
    _, loan_id = _drawn(svc)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def send(number: str) -> None:
        start.wait()
        try:
            attach_receipt(loan_id, _receipt(number, date(2026, 3, 2), 300_000 * YUAN), svc.lending)
            outcomes.append("attached")
        except Invalid:
            outcomes.append("refused")

    threads = [threading.Thread(target=send, args=(n,)) for n in ("B-1", "B-2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["attached", "refused"]
    view = fund_use_view(loan_id, svc.lending)
    assert view.use.covered == 300_000 * YUAN and len(view.receipts) == 1
