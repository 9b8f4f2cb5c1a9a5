"""Origination: the offer an approved application can accept (`quote_offer`), booking it with
its schedule and contract (`accept_offer`), and the loan as people see it (`get_loan`). The
payout is `lending.disbursement`'s job. An approve-if-secured offer is quoted as any other and
booked only once its security is registered (`lending.secured_offers`), which then goes to the
loan.

An offer follows the decision that settles the application (`lending.approval`): its amount, and
the product, rate and term its policy priced, or else the configured rate card. The policy's
product comes from `Services.policy_products`, which `decision` implements: lending never
imports `decision`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from fengkong.core.errors import Conflict, NotFound, Unavailable
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.lending.approval import Settled, settled
from fengkong.lending.config import LendingConfig
from fengkong.lending.contract import Contract, ContractParty, render_contract
from fengkong.lending.delinquency import Delinquency
from fengkong.lending.errors import NotApproved, OfferOverCap, SecuredOfferNotForLines
from fengkong.lending.loan import book_loan
from fengkong.lending.ports import LoanFile, LoanFileUnitOfWork, OriginationUnitOfWork
from fengkong.lending.posting import refuse_deducted_fee
from fengkong.lending.product import Product, ProductKind
from fengkong.lending.provisioning import aged, with_state
from fengkong.lending.quote import Quote, quote
from fengkong.lending.records import LoanRecord, LoanStage, PayoutRecord
from fengkong.lending.schedule import Instalment
from fengkong.lending.secured_offer import SECURED
from fengkong.lending.secured_offers import hand_over_security, security_for_acceptance
from fengkong.lending.services import SYSTEM, Services, check_key, load_loan, retrying
from fengkong.onboarding.party import PartyTokens, masked_party


@dataclass(frozen=True, slots=True)
class Offer:
    application_id: str
    product: Product
    quote: Quote
    score: int | None
    approved_by: str = "system:decision"  # or "officer:<name>" after a referral
    decision_id: str | None = None  # the decision offered: automatic, or the officer's
    # approve if secured: accepted only once its security is registered (`secured_offers`)
    secured: bool = False


def _offer(
    uow: OriginationUnitOfWork, application_id: str, svc: Services[OriginationUnitOfWork]
) -> Offer:
    application = uow.applications.get(application_id)
    automatic = uow.decisions.for_application(application_id)
    if application is None or automatic is None:
        raise NotFound(f"no application {application_id!r}")
    decision = settled(automatic, uow.officer_decisions)
    if decision.outcome == "refer":
        raise NotApproved(f"application {application_id} is referred and awaits an officer")
    if decision.outcome not in ("approve", SECURED) or decision.approved_amount is None:
        raise NotApproved(f"application {application_id} was not approved ({decision.outcome})")
    product, rate, term = _priced_by(uow, decision, svc)
    if decision.outcome == SECURED and product.kind is ProductKind.REVOLVING_LINE:
        raise SecuredOfferNotForLines(application_id)
    offer = quote(
        product,
        Fen(decision.approved_amount),
        term or application.term_months,
        rate,
        svc.clock.business_date(),
    )
    if offer.apr > svc.config.apr_cap:
        raise OfferOverCap(
            f"the offer's APR {offer.apr} is over the cap {svc.config.apr_cap}; not offered"
        )
    return Offer(
        application_id,
        product,
        offer,
        decision.score,
        decision.decided_by,
        decision.decision_id,
        secured=decision.outcome == SECURED,
    )


def _priced_by(
    uow: OriginationUnitOfWork, decision: Settled, svc: Services[OriginationUnitOfWork]
) -> tuple[Product, Decimal, int | None]:
    """The product, rate and term the decision's policy priced; decisions made without a price
    fall back to the configured rate card."""
    if decision.annual_rate is not None and decision.policy_sha256 is not None:
        stored = uow.policy_bundles.get(decision.policy_sha256)
        if stored is not None:
            if svc.policy_products is None:
                raise Unavailable(
                    f"policy {decision.policy_sha256[:12]} priced this offer, and no policy "
                    "compiler is wired to read its product"
                )
            product = svc.policy_products.product_of(stored, decision.policy_sha256)
            return product, Decimal(decision.annual_rate), decision.term_months
    product = svc.config.product(svc.config.offer_product, svc.config.offer_product_version)
    return product, svc.config.rate_for(decision.score), None


def _contract_party(
    uow: OriginationUnitOfWork, application_id: str, svc: Services[OriginationUnitOfWork]
) -> ContractParty | None:
    """The borrower as the contract names them: masked name and resident ID number."""
    if svc.vault is None:
        return None
    application = uow.applications.get(application_id)
    if application is None:
        return None
    masked = masked_party(
        PartyTokens(
            application.id_number_bidx,
            application.name_enc,
            application.id_number_enc,
            application.phone_enc,
        ),
        svc.vault,
    )
    return ContractParty(name=masked.name, id_number=masked.id_number)


def quote_offer(application_id: str, svc: Services[OriginationUnitOfWork]) -> Offer:
    """The schedule, APR and total cost of the loan an approved application can accept."""
    with svc.uow() as uow:
        return _offer(uow, application_id, svc)


def booked_loan(application_id: str, svc: Services[OriginationUnitOfWork]) -> LoanRecord | None:
    """The loan booked on the application's accepted offer; None while it is not accepted."""
    with svc.uow() as uow:
        return uow.lending.loan_for_application(application_id)


@dataclass(frozen=True, slots=True)
class LoanView:
    record: LoanRecord
    schedule: tuple[Instalment, ...]
    contract: Contract | None
    delinquency: Delinquency  # the same answer the record's stored columns hold
    payouts: tuple[PayoutRecord, ...] = ()


def loan_view(loans: LoanFile, record: LoanRecord, config: LendingConfig) -> LoanView:
    """The loan as people see it: its record, schedule, contract, delinquency and payouts."""
    return LoanView(
        record,
        loans.instalments(record.loan_id),
        loans.contract(record.loan_id),
        aged(record.state, config),
        loans.payouts_for_loan(record.loan_id),
    )


def get_loan(loan_id: str, svc: Services[LoanFileUnitOfWork]) -> LoanView:
    with svc.uow() as uow:
        return loan_view(uow.lending, load_loan(uow.lending, loan_id), svc.config)


def accept_offer(
    application_id: str,
    idempotency_key: str,
    svc: Services[OriginationUnitOfWork],
    actor: str = SYSTEM,
) -> LoanView:
    """Book the offered loan and its contract; the payout is `disburse`'s job."""
    key = check_key(idempotency_key)

    def attempt() -> LoanView:
        with svc.uow() as uow:
            existing = uow.lending.loan_for_application(application_id)
            if existing is not None:
                if existing.acceptance_key != key:
                    raise Conflict(f"application {application_id} is already accepted")
                return loan_view(uow.lending, existing, svc.config)
            offer = _offer(uow, application_id, svc)
            refuse_deducted_fee(offer.product)
            today = svc.clock.business_date()
            security = None
            if offer.secured:
                security = security_for_acceptance(uow, application_id, today)
            loan_id = new_id("loan", svc.clock)
            booked = book_loan(loan_id, offer.product, offer.quote, today)
            contract = render_contract(
                loan_id,
                offer.quote,
                today,
                borrower_ref=application_id,
                borrower=_contract_party(uow, application_id, svc),
                lender=svc.config.lender_name,
            )
            record = with_state(
                LoanRecord(
                    loan_id=loan_id,
                    state=booked.state,
                    stage=LoanStage.PENDING_DISBURSEMENT,
                    booked_on=today,
                    amount=offer.quote.amount,
                    application_id=application_id,
                    acceptance_key=key,
                ),
                booked.state,
                svc.config,
            )
            record = replace(record, stage=LoanStage.PENDING_DISBURSEMENT)
            now = svc.clock.now()
            uow.lending.add_loan(record, now)
            uow.lending.set_instalments(loan_id, offer.quote.schedule)
            uow.lending.add_contract(contract, now)
            uow.audit.append(
                at=now,
                actor=actor,
                action="loan.booked",
                subject_type="loan",
                subject_id=loan_id,
                payload={
                    "application_id": application_id,
                    "decision_id": offer.decision_id,
                    "approved_by": offer.approved_by,
                    "product": f"{offer.product.code}@{offer.product.version}",
                    "amount_fen": int(offer.quote.amount),
                    "principal_fen": int(offer.quote.principal),
                    "annual_rate": str(offer.quote.annual_rate),
                    "apr": str(offer.quote.apr),
                    "total_cost_fen": int(offer.quote.total_cost),
                    "terms": len(offer.quote.schedule),
                    "contract_template": contract.template_version,
                    "contract_sha256": contract.sha256,
                },
            )
            if security is not None:
                hand_over_security(uow, security, loan_id, svc.clock, actor)
            uow.commit()
            return loan_view(uow.lending, record, svc.config)

    return retrying(svc, attempt)


__all__ = ["LoanView", "Offer", "accept_offer", "get_loan", "loan_view", "quote_offer"]
