"""Guarantees (保证担保): guarantors, joint-guarantee groups (联保), exposure, calls and payments.

- A guarantor is a person (resident ID) or a company (USCC); the identity is kept only as vault
  ciphertext plus a blind index, and registering the same identity again returns the same
  guarantor.
- A guarantee binds a guarantor to a loan for a `share` of what is owed (0 < share ≤ 1), capped
  at `cap` fen when one is given. A joint-guarantee group (联保小组) is attached to a loan with one
  share: every member but the borrower guarantees it, the group's amount split evenly among them
  (largest remainder, so the parts sum to the group's amount exactly).
- Exposure of a guarantor = Σ over its live guarantees of its part of share × what is outstanding
  on the loan (an active loan; a settled or written-off one counts nothing).
- Once a loan is `guarantee_call_dpd` days past due, its live guarantees are called: status
  `called`, amount called = its part of overdue × share, audited, and the guarantor notified.
- A guarantor pays through the normal repayment path (`post_repayment`, idempotency key prefixed
  `g:`), and the payment is recorded against the guarantee.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.fraud.keys import KeyType, canonical_key
from fengkong.lending.guarantee_rules import (
    Exposure,
    Guarantee,
    GuaranteeGroup,
    GuaranteeStatus,
    Guarantor,
    GuarantorIdentity,
    GuarantorKind,
    check_share,
    exposure_of,
    guaranteed_parts,
)
from fengkong.lending.service import LoanStage, RepaymentPosted, post_repayment
from fengkong.lending.servicing import (
    SYSTEM,
    Contact,
    ServicingServices,
    overdue_amount,
    require_loan,
    require_text,
)
from fengkong.onboarding.masking import mask
from fengkong.onboarding.normalize import FieldKind
from fengkong.onboarding.validators import validate_uscc

MAX_KEY = 90


# ---- use cases ----------------------------------------------------------------------------------


def _canonical_identity(identity: GuarantorIdentity, on: date) -> tuple[str, str, str | None]:
    """(canonical id number, vault field, canonical phone) or `Invalid` naming the field."""
    require_text(identity.name, "name", 200)
    kind = GuarantorKind(identity.kind)
    if kind is GuarantorKind.INDIVIDUAL:
        number, index_field = (
            canonical_key(KeyType.RESIDENT_ID, identity.id_number, on),
            "id_number",
        )
    else:
        try:
            number, index_field = validate_uscc(identity.id_number), "uscc"
        except Invalid as exc:
            raise Invalid(
                tuple(FieldError(("id_number",), e.msg, e.type) for e in exc.errors)
            ) from None
    phone = None if not identity.phone else canonical_key(KeyType.MOBILE, identity.phone, on)
    return number, index_field, phone


def register_guarantor(
    identity: GuarantorIdentity, svc: ServicingServices, *, actor: str = SYSTEM
) -> Guarantor:
    """A guarantor, sealed as applications are; the same identity again is the same guarantor."""
    number, index_field, phone = _canonical_identity(identity, svc.clock.business_date())
    vault = svc.vault
    bidx = vault.blind_index(index_field, number)
    with svc.uow() as uow:
        existing = uow.servicing.guarantor_by_identity(identity.kind, bidx)
        if existing is not None:
            return existing  # type: ignore[no-any-return]
        guarantor = Guarantor(
            guarantor_id=new_id("gtr", svc.clock),
            kind=GuarantorKind(identity.kind),
            name_enc=vault.encrypt("name", identity.name.strip()),
            id_number_enc=vault.encrypt(index_field, number),
            id_number_bidx=bidx,
            phone_enc=None if phone is None else vault.encrypt("phone", phone),
            phone_bidx=None if phone is None else vault.blind_index("phone", phone),
        )
        now = svc.clock.now()
        uow.servicing.add_guarantor(guarantor, now)
        uow.audit.append(
            at=now,
            actor=actor,
            action="guarantor.registered",
            subject_type="guarantor",
            subject_id=guarantor.guarantor_id,
            payload={
                "kind": guarantor.kind.value,
                "id_number": mask(
                    FieldKind.RESIDENT_ID if index_field == "id_number" else FieldKind.USCC, number
                ),
            },
        )
        uow.commit()
        return guarantor


def get_guarantor(guarantor_id: str, svc: ServicingServices) -> Guarantor:
    with svc.uow() as uow:
        return _guarantor(uow, guarantor_id)


def _guarantor(uow: Any, guarantor_id: str) -> Guarantor:
    found: Guarantor | None = uow.servicing.get_guarantor(guarantor_id)
    if found is None:
        raise NotFound(f"no guarantor {guarantor_id!r}")
    return found


def create_group(
    name: str, members: Sequence[str], svc: ServicingServices, *, actor: str = SYSTEM
) -> GuaranteeGroup:
    """A 联保 group of at least two registered guarantors."""
    label = require_text(name, "name", 120)
    unique = tuple(dict.fromkeys(members))
    if len(unique) < 2:
        raise Invalid((FieldError(("members",), "a joint-guarantee group needs two members"),))
    with svc.uow() as uow:
        for member in unique:
            _guarantor(uow, member)
        group = GuaranteeGroup(new_id("grp", svc.clock), label, unique)
        now = svc.clock.now()
        uow.servicing.add_group(group, now)
        uow.audit.append(
            at=now,
            actor=actor,
            action="guarantee_group.created",
            subject_type="guarantee_group",
            subject_id=group.group_id,
            payload={"members": list(unique)},
        )
        uow.commit()
        return group


def _guaranteeable(uow: Any, loan_id: str) -> None:
    record = require_loan(uow, loan_id)
    if record.stage not in (LoanStage.PENDING_DISBURSEMENT, LoanStage.ACTIVE):
        raise Conflict(f"loan {loan_id} is {record.stage.value}: it cannot take a guarantee")


def _add(uow: Any, guarantees: Sequence[Guarantee], svc: ServicingServices, actor: str) -> None:
    taken = {g.guarantor_id for g in uow.servicing.guarantees_for_loan(guarantees[0].loan_id)}
    clash = [g.guarantor_id for g in guarantees if g.guarantor_id in taken]
    if clash:
        raise Conflict(f"already guarantees loan {guarantees[0].loan_id}: {', '.join(clash)}")
    now = svc.clock.now()
    for g in guarantees:
        uow.servicing.add_guarantee(g, now)
        uow.audit.append(
            at=now,
            actor=actor,
            action="guarantee.added",
            subject_type="loan",
            subject_id=g.loan_id,
            payload={
                "guarantee_id": g.guarantee_id,
                "guarantor_id": g.guarantor_id,
                "group_id": g.group_id,
                "share": str(g.share),
                "cap_fen": g.cap,
            },
        )


def add_guarantee(
    loan_id: str,
    guarantor_id: str,
    share: Decimal,
    svc: ServicingServices,
    *,
    cap: int | None = None,
    actor: str = SYSTEM,
) -> Guarantee:
    check_share(share, cap)
    with svc.uow() as uow:
        _guaranteeable(uow, loan_id)
        _guarantor(uow, guarantor_id)
        guarantee = Guarantee(
            new_id("gte", svc.clock),
            loan_id,
            guarantor_id,
            share,
            None if cap is None else Fen(cap),
        )
        _add(uow, (guarantee,), svc, actor)
        uow.commit()
        return guarantee


def add_group_guarantee(
    loan_id: str,
    group_id: str,
    share: Decimal,
    svc: ServicingServices,
    *,
    borrower_member: str | None = None,
    actor: str = SYSTEM,
) -> tuple[Guarantee, ...]:
    """联保: every member of the group but the borrower guarantees the loan, jointly."""
    check_share(share)
    with svc.uow() as uow:
        _guaranteeable(uow, loan_id)
        group: GuaranteeGroup | None = uow.servicing.get_group(group_id)
        if group is None:
            raise NotFound(f"no guarantee group {group_id!r}")
        if borrower_member is not None and borrower_member not in group.members:
            raise Invalid((FieldError(("borrower_member",), "not a member of the group"),))
        guarantors = [m for m in group.members if m != borrower_member]
        made = tuple(
            Guarantee(new_id("gte", svc.clock), loan_id, m, share, group_id=group_id)
            for m in guarantors
        )
        _add(uow, made, svc, actor)
        uow.commit()
        return made


def guarantees_for_loan(loan_id: str, svc: ServicingServices) -> tuple[Guarantee, ...]:
    with svc.uow() as uow:
        require_loan(uow, loan_id)
        return tuple(uow.servicing.guarantees_for_loan(loan_id))


def guarantor_exposure(guarantor_id: str, svc: ServicingServices) -> Exposure:
    with svc.uow() as uow:
        _guarantor(uow, guarantor_id)
        mine = uow.servicing.guarantees_of(guarantor_id)
        by_loan: dict[str, list[Guarantee]] = {}
        outstanding: dict[str, int] = {}
        for g in mine:
            if g.loan_id in by_loan:
                continue
            by_loan[g.loan_id] = list(uow.servicing.guarantees_for_loan(g.loan_id))
            record = uow.lending.get_loan(g.loan_id)
            active = record is not None and record.stage is LoanStage.ACTIVE
            outstanding[g.loan_id] = int(record.state.outstanding.total) if active else 0
    return exposure_of(guarantor_id, by_loan, outstanding)


def _guarantor_contact(uow: Any, guarantor_id: str, svc: ServicingServices) -> Contact:
    g = uow.servicing.get_guarantor(guarantor_id)
    return Contact(None if g is None else g.phone_enc, svc.config.language)


def guarantee_step(day: date, svc: ServicingServices) -> Mapping[str, int]:
    """Call the live guarantees of every loan at or past the configured DPD; release those of
    settled loans. A called guarantee is never called again."""
    from fengkong.lending.reminders import notify

    with svc.uow() as uow:
        to_call = uow.servicing.loans_with_live_guarantees(min_dpd=svc.config.guarantee_call_dpd)
        to_release = uow.servicing.settled_loans_with_live_guarantees()
    called = released = 0
    notices: list[tuple[Guarantee, int, Contact]] = []
    for loan_id in to_call:
        with svc.uow() as uow:
            record = uow.lending.get_loan(loan_id)
            live = [
                g
                for g in uow.servicing.guarantees_for_loan(loan_id)
                if g.status is GuaranteeStatus.ACTIVE
            ]
            if record is None or not live or record.stage is not LoanStage.ACTIVE:
                continue
            overdue = overdue_amount(record.state, day)
            parts = guaranteed_parts(overdue, live)
            now = svc.clock.now()
            for g in live:
                done = replace(
                    g,
                    status=GuaranteeStatus.CALLED,
                    called_on=day,
                    amount_called=parts[g.guarantee_id],
                )
                uow.servicing.save_guarantee(done, now)
                uow.audit.append(
                    at=now,
                    actor=SYSTEM,
                    action="guarantee.called",
                    subject_type="loan",
                    subject_id=loan_id,
                    payload={
                        "guarantee_id": g.guarantee_id,
                        "guarantor_id": g.guarantor_id,
                        "business_date": day.isoformat(),
                        "days_past_due": record.days_past_due,
                        "overdue_fen": int(overdue),
                        "share": str(g.share),
                        "amount_called_fen": int(done.amount_called),
                    },
                )
                notices.append(
                    (done, record.days_past_due, _guarantor_contact(uow, g.guarantor_id, svc))
                )
                called += 1
            uow.commit()
    for loan_id in to_release:
        with svc.uow() as uow:
            now = svc.clock.now()
            for g in uow.servicing.guarantees_for_loan(loan_id):
                if g.status is GuaranteeStatus.RELEASED:
                    continue
                uow.servicing.save_guarantee(replace(g, status=GuaranteeStatus.RELEASED), now)
                uow.audit.append(
                    at=now,
                    actor=SYSTEM,
                    action="guarantee.released",
                    subject_type="loan",
                    subject_id=loan_id,
                    payload={"guarantee_id": g.guarantee_id, "business_date": day.isoformat()},
                )
                released += 1
            uow.commit()
    for g, dpd, contact in notices:
        notify(
            svc,
            subject_type="guarantee",
            subject_id=g.guarantee_id,
            kind="guarantee_called",
            on=day,
            contact=contact,
            params={"loan_id": g.loan_id, "dpd": dpd, "amount": g.amount_called},
        )
    return {"guarantees_called": called, "guarantees_released": released}


@dataclass(frozen=True, slots=True)
class GuarantorPayment:
    guarantee_id: str
    repayment: RepaymentPosted
    amount_paid: Fen  # on the guarantee, all payments so far


def pay_as_guarantor(
    guarantee_id: str,
    amount: int,
    idempotency_key: str,
    svc: ServicingServices,
    *,
    actor: str | None = None,
) -> GuarantorPayment:
    """代偿: the guarantor's money goes through `post_repayment` (the same waterfall, ledger and
    idempotency), then is recorded against the guarantee; a retry with the key does neither twice."""
    if not isinstance(idempotency_key, str) or not 0 < len(idempotency_key.strip()) <= MAX_KEY:
        raise Invalid((FieldError(("idempotency_key",), f"required, 1-{MAX_KEY} characters"),))
    key = f"g:{idempotency_key.strip()}"
    with svc.uow() as uow:
        guarantee: Guarantee | None = uow.servicing.get_guarantee(guarantee_id)
    if guarantee is None:
        raise NotFound(f"no guarantee {guarantee_id!r}")
    if guarantee.status is GuaranteeStatus.RELEASED:
        raise Conflict(f"guarantee {guarantee_id} is released: the loan is repaid")
    who = actor or f"guarantor:{guarantee.guarantor_id}"
    posted = post_repayment(guarantee.loan_id, amount, key, svc.lending, actor=who)
    with svc.uow() as uow:
        recorded = uow.servicing.guarantor_payment(posted.repayment_id)
        current: Guarantee = uow.servicing.get_guarantee(guarantee_id)
        if recorded is not None:
            if recorded != guarantee_id:
                raise Conflict(f"idempotency key {idempotency_key!r} paid another guarantee")
            return GuarantorPayment(guarantee_id, posted, current.amount_paid)
        now = svc.clock.now()
        paid = replace(current, amount_paid=Fen(current.amount_paid + posted.amount))
        uow.servicing.add_guarantor_payment(
            posted.repayment_id, guarantee_id, key, posted.amount, posted.business_date, now
        )
        uow.servicing.save_guarantee(paid, now)
        uow.audit.append(
            at=now,
            actor=who,
            action="guarantee.paid",
            subject_type="loan",
            subject_id=guarantee.loan_id,
            payload={
                "guarantee_id": guarantee_id,
                "repayment_id": posted.repayment_id,
                "amount_fen": int(posted.amount),
                "amount_paid_fen": int(paid.amount_paid),
            },
        )
        uow.commit()
        return GuarantorPayment(guarantee_id, posted, paid.amount_paid)
