"""A loan priced by a policy, booked and paid out through the lending services, charges the fee
its agreement states: in the stored schedule, the positions, the loan view, the settlement quote
and the ledger, on SQLite and PostgreSQL.

The configured catalogue once held a `cash_loan@1` charging 0.5 % beside the shipped policies'
`cash_loan@1` charging 1 %; the payout used to look the product up again by code and version,
so positions and ledger showed half the agreement's fee (¥2.08 an instalment instead of ¥4.17
on ¥5,000 over 12 months), and the configured product's grace days and late fee besides. The
policies now offer `cash_loan@2` and `cash_loan@3`, the catalogue's products of their terms
(docs/adr/0006); the payout still books from the loan, whatever the catalogue holds."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fengkong.api.loan_schemas import LoanOut
from fengkong.core.clock import FakeClock
from fengkong.core.ids import new_id
from fengkong.core.money import Fen, format_fen
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.bundle import PolicyBundle, read_shipped_bundle
from fengkong.decision.outcome import Outcome
from fengkong.decision.pricing import PriceCap, make_offer, within_cap
from fengkong.decision.record import DecisionRecord
from fengkong.ledger.accounts import AccountKey
from fengkong.lending.disbursement import disburse
from fengkong.lending.origination import accept_offer, get_loan, quote_offer
from fengkong.lending.product import Product
from fengkong.lending.repayment import quote_settlement
from fengkong.onboarding.application import StoredApplication
from lending.fee_agreement import contract_amount, contract_rows, shipped_bundles
from lending.test_service_support import assert_books_balance, lending_services, new_clock

_SPREAD = 'origination_fee: {rate: "0.01", collection: spread}'


def financed_variant(bundle: PolicyBundle) -> PolicyBundle:
    """The policy with its fee financed into the principal instead of spread: other terms, so
    a product version of its own (one code@version means one set of terms)."""
    assert _SPREAD in bundle.document and "  version: 3\n" in bundle.document
    document = bundle.document.replace(
        _SPREAD, 'origination_fee: {rate: "0.008", collection: financed}'
    ).replace("  version: 3\n", "  version: 90\n", 1)
    return PolicyBundle(f"financed-{bundle.source}", document, bundle.tables, bundle.cap)


BUNDLES = (*shipped_bundles(), financed_variant(read_shipped_bundle("demo-german.yaml")))
PRODUCTS: dict[str, Product] = {}
for _bundle in BUNDLES:
    _product = _bundle.compile().product
    assert _product is not None
    PRODUCTS[_bundle.sha256] = _product


def seed_priced(
    db: Database, clock: FakeClock, bundle: PolicyBundle, amount: int, term: int, rate: Decimal
) -> str:
    """An approved application whose decision `bundle` priced, stored as the decision service
    stores it (the bundle too), so the offer is quoted under the policy's product."""
    application_id = new_id("app", clock)
    with SqlUnitOfWork(db) as uow:
        uow.policy_bundles.remember(bundle.sha256, bundle.source, bundle.as_dict(), clock.now())
        uow.applications.add(
            StoredApplication(
                id=application_id,
                received_at=clock.now(),
                product="cash_loan",
                amount=Fen(amount),
                term_months=term,
                purpose="test",
                monthly_income=Fen(2_000_000),
                name_enc="x",
                id_number_enc="x",
                id_number_bidx=new_id("b", clock),
                phone_enc="x",
                phone_bidx=new_id("b", clock),
            )
        )
        uow.decisions.add(
            DecisionRecord(
                id=new_id("dec", clock),
                application_id=application_id,
                decided_at=clock.now(),
                outcome=Outcome.APPROVE,
                score=600,
                pd="0.05",
                approved_amount=Fen(amount),
                reasons=(),
                policy_version=bundle.source,
                model_version=None,
                model_sha256=None,
                inputs={},
                features={},
                input_hash="0" * 64,
                policy_sha256=bundle.sha256,
                annual_rate=str(rate),
                term_months=term,
            )
        )
        uow.commit()
    return application_id


def book_and_check(
    db: Database, clock: FakeClock, bundle: PolicyBundle, amount: int, term: int, rate: Decimal
) -> str:
    """Book and pay out the loan, compare every place its fee shows; the loan's id."""
    product = PRODUCTS[bundle.sha256]
    svc = lending_services(db, clock)
    application_id = seed_priced(db, clock, bundle, amount, term, rate)

    offer = quote_offer(application_id, svc).quote
    disclosed = make_offer(
        product, Fen(amount), term, rate, clock.business_date(), PriceCap.default()
    )
    assert disclosed.schedule == offer.schedule
    assert (
        disclosed.origination_fee
        == offer.origination_fee
        == product.origination_fee.amount(Fen(amount))
    )
    assert abs(disclosed.apr - offer.apr) < Decimal("0.000001")

    booked = accept_offer(application_id, f"acc-{application_id}", svc)
    assert booked.contract is not None
    text = booked.contract.text
    rows = contract_rows(text)
    fees = [r[4] for r in rows]
    assert fees == [i.fee for i in offer.schedule]
    assert contract_amount(text, "服务费") == offer.origination_fee

    loan_id = booked.record.loan_id
    paid = disburse(loan_id, f"pay-{loan_id}", svc)
    assert paid.stage.value == "active"
    view = get_loan(loan_id, svc)
    state = view.record.state
    assert [i.fee for i in view.schedule] == fees
    assert [p.charged.fee for p in state.positions] == fees
    assert [p.instalment.principal for p in state.positions] == [r[2] for r in rows]
    assert state.terms.principal == offer.principal
    assert state.terms.grace_days == product.grace_days
    assert state.terms.late_fee == product.late_fee
    shown = LoanOut.of(view)
    assert [p.fee_outstanding for p in shown.positions] == [
        format_fen(f, symbol=False).replace(",", "") for f in fees
    ]

    spread = sum(fees)
    assert quote_settlement(loan_id, svc).fee == spread
    with SqlUnitOfWork(db) as uow:
        held = uow.journal.balances(loan_id)
        entries = [
            e for e in uow.journal.entries() if any(p.loan_id == loan_id for p in e.postings)
        ]
    assert held.get(AccountKey("122101", loan_id), 0) == spread
    fee_income = sum(
        p.signed_amount for e in entries for p in e.postings if p.account.code == "6021"
    )
    assert fee_income == offer.origination_fee
    assert_books_balance(db)
    return loan_id


def test_five_thousand_over_twelve_months_is_4_17_an_instalment_everywhere(db: Database) -> None:
    """The reported loan: ¥50 over 12 months is ¥4.17 (the last ¥4.13) in every view."""
    bundle = read_shipped_bundle("demo-german.yaml")
    clock = new_clock()
    loan_id = book_and_check(db, clock, bundle, 500_000, 12, Decimal("0.15"))
    state = get_loan(loan_id, lending_services(db, clock)).record.state
    assert [p.charged.fee for p in state.positions] == [417] * 11 + [413]


def test_a_payout_days_after_booking_keeps_the_agreements_fee(db: Database) -> None:
    bundle = read_shipped_bundle("retail-v3.yaml")
    clock = new_clock()
    svc = lending_services(db, clock)
    application_id = seed_priced(db, clock, bundle, 1_000_000, 12, Decimal("0.12"))
    booked = accept_offer(application_id, "acc", svc)
    assert booked.contract is not None
    fees = [r[4] for r in contract_rows(booked.contract.text)]
    clock.advance(timedelta(days=9))
    disburse(booked.record.loan_id, "pay", svc)
    view = get_loan(booked.record.loan_id, svc)
    assert view.record.state.terms.disbursed_on == clock.business_date()
    assert view.schedule[0].due == view.record.state.positions[0].due > clock.business_date()
    assert [i.fee for i in view.schedule] == fees
    assert [p.charged.fee for p in view.record.state.positions] == fees
    assert_books_balance(db)


@settings(
    max_examples=6,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fee_agrees_for_policy_products(db: Database, data: st.DataObject) -> None:
    bundle = data.draw(st.sampled_from(BUNDLES))
    product = PRODUCTS[bundle.sha256]
    amount = data.draw(st.integers(product.min_amount, product.max_amount))
    term = data.draw(st.sampled_from(product.terms))
    rate = data.draw(st.decimals(product.min_annual_rate, Decimal("0.18"), places=4))
    clock = new_clock()
    assume(within_cap(product, Fen(amount), term, rate, clock.business_date(), Decimal("0.24")))
    book_and_check(db, clock, bundle, amount, term, rate)
