"""Auto-debit (自动代扣) of a loan's bound card on its due dates, with retries.

- A loan has at most one bound card, kept as vault ciphertext, a blind index and a masked form;
  the clear number exists only in memory, on its way to the payment channel.
- At end of day D, a loan whose instalment fell due on D − k for k in (0, *retry_days) is debited
  for what it owes on D (`amount_due`), attempt number = the position of k in that tuple; the
  most recent due date wins when two qualify.
- An attempt is stored (pending, with its amount) and committed before the channel is asked;
  the attempt id is the channel's idempotency key, and a success posts the repayment under the
  key `ad:<loan>:<due date>:<attempt>`. A crash anywhere in between is finished by the rerun with
  the same id, amount and key: the card is never charged twice, the repayment never posted twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

from fengkong.core.errors import FengkongError, NotFound
from fengkong.core.ids import new_id
from fengkong.fraud.keys import KeyType, canonical_key
from fengkong.lending.records import LoanStage
from fengkong.lending.repayment import post_repayment
from fengkong.lending.servicing import (
    SYSTEM,
    ServicingServices,
    amount_due,
    lending_on,
    require_loan,
)
from fengkong.lending.servicing_records import BoundCard, CardStatus, DebitAttempt, DebitStatus
from fengkong.onboarding.masking import mask
from fengkong.onboarding.normalize import FieldKind

ACTOR = "system:autodebit"


def debit_trigger(
    due_dates: Sequence[date], on: date, retry_days: Sequence[int]
) -> tuple[date, int] | None:
    """(due date, attempt number) a debit on `on` is for, or None when no due date calls for one."""
    offsets = (0, *retry_days)
    for due in sorted(due_dates, reverse=True):
        lag = (on - due).days
        if lag in offsets:
            return due, offsets.index(lag) + 1
    return None


def debit_key(loan_id: str, due: date, attempt: int) -> str:
    return f"ad:{loan_id}:{due.isoformat()}:{attempt}"


# ---- cards --------------------------------------------------------------------------------------


def bind_card(
    loan_id: str, card_number: str, svc: ServicingServices, *, actor: str = SYSTEM
) -> BoundCard:
    """Bind (or replace) the card a loan is debited from."""
    number = canonical_key(KeyType.BANK_CARD, card_number, svc.clock.business_date())
    card = BoundCard(
        loan_id,
        svc.vault.encrypt("bank_card", number),
        svc.vault.blind_index("bank_card", number),
        mask(FieldKind.BANK_CARD, number),
    )
    with svc.uow() as uow:
        require_loan(uow, loan_id)
        now = svc.clock.now()
        uow.servicing.bind_card(card, now)
        uow.audit.append(
            at=now,
            actor=actor,
            action="card.bound",
            subject_type="loan",
            subject_id=loan_id,
            payload={"card": card.display},
        )
        uow.commit()
    return card


def unbind_card(loan_id: str, svc: ServicingServices, *, actor: str = SYSTEM) -> BoundCard:
    with svc.uow() as uow:
        require_loan(uow, loan_id)
        card: BoundCard | None = uow.servicing.card(loan_id)
        if card is None or card.status is CardStatus.UNBOUND:
            raise NotFound(f"loan {loan_id!r} has no bound card")
        now = svc.clock.now()
        gone = replace(card, status=CardStatus.UNBOUND)
        uow.servicing.bind_card(gone, now)
        uow.audit.append(
            at=now,
            actor=actor,
            action="card.unbound",
            subject_type="loan",
            subject_id=loan_id,
            payload={"card": card.display},
        )
        uow.commit()
        return gone


def get_card(loan_id: str, svc: ServicingServices) -> BoundCard:
    with svc.uow() as uow:
        require_loan(uow, loan_id)
        card: BoundCard | None = uow.servicing.card(loan_id)
    if card is None:
        raise NotFound(f"loan {loan_id!r} has no bound card")
    return card


def debit_attempts(loan_id: str, svc: ServicingServices) -> tuple[DebitAttempt, ...]:
    """Every auto-debit attempt of a loan (`LoanNotFound` if there is no such loan)."""
    with svc.uow() as uow:
        require_loan(uow, loan_id)
        return tuple(uow.servicing.attempts_for_loan(loan_id))


# ---- end of day ---------------------------------------------------------------------------------


def autodebit_step(day: date, svc: ServicingServices) -> Mapping[str, int]:
    """Finish attempts a crash left pending, then debit every loan due (or retrying) on `day`."""
    counts = {"debits_attempted": 0, "debits_succeeded": 0, "debits_failed": 0}
    with svc.uow() as uow:
        pending = list(uow.servicing.pending_attempts())
        candidates = uow.servicing.debit_candidates(
            day, tuple(day - timedelta(days=k) for k in (0, *svc.config.debit_retry_days))
        )
    for attempt in pending:
        _tally(counts, _finish(attempt, svc))
    for loan_id in candidates:
        started = _start(loan_id, day, svc)
        if started is not None:
            _tally(counts, _finish(started, svc))
    return counts


def _tally(counts: dict[str, int], done: DebitAttempt) -> None:
    counts["debits_attempted"] += 1
    if done.status is DebitStatus.SUCCEEDED:
        counts["debits_succeeded"] += 1
    else:
        counts["debits_failed"] += 1


def _start(loan_id: str, day: date, svc: ServicingServices) -> DebitAttempt | None:
    with svc.uow() as uow:
        record = uow.lending.get_loan(loan_id)
        card: BoundCard | None = uow.servicing.card(loan_id)
        if record is None or record.stage is not LoanStage.ACTIVE:
            return None
        if card is None or card.status is not CardStatus.ACTIVE:
            return None
        trigger = debit_trigger(
            [p.due for p in record.state.positions], day, svc.config.debit_retry_days
        )
        if trigger is None:
            return None
        due, number = trigger
        if uow.servicing.attempt(loan_id, due, number) is not None:
            return None  # this date's attempt is done (or being finished from `pending`)
        owed = amount_due(record.state, day)
        if owed <= 0:
            return None
        attempt = DebitAttempt(
            attempt_id=new_id("dbt", svc.clock),
            loan_id=loan_id,
            due_date=due,
            attempt=number,
            business_date=day,
            amount=owed,
            status=DebitStatus.PENDING,
            idempotency_key=debit_key(loan_id, due, number),
        )
        now = svc.clock.now()
        uow.servicing.add_attempt(attempt, now)
        uow.audit.append(
            at=now,
            actor=ACTOR,
            action="autodebit.requested",
            subject_type="loan",
            subject_id=loan_id,
            payload={
                "attempt_id": attempt.attempt_id,
                "due_date": due.isoformat(),
                "attempt": number,
                "amount_fen": int(owed),
                "card": card.display,
            },
        )
        uow.commit()
        return attempt


def _finish(attempt: DebitAttempt, svc: ServicingServices) -> DebitAttempt:
    with svc.uow() as uow:
        card: BoundCard | None = uow.servicing.card(attempt.loan_id)
    if card is None:
        done = replace(attempt, status=DebitStatus.FAILED, error="no bound card")
    else:
        number = svc.vault.decrypt("bank_card", card.card_enc)
        result = svc.lending.channel.debit(
            attempt.attempt_id, attempt.loan_id, number, attempt.amount
        )
        done = replace(attempt, reference=result.reference or None, error=result.error or None)
        if not result.succeeded:
            done = replace(done, status=DebitStatus.FAILED)
        else:
            try:
                posted = post_repayment(
                    attempt.loan_id,
                    attempt.amount,
                    attempt.idempotency_key,
                    lending_on(svc, attempt.business_date),
                    actor=ACTOR,
                )
                done = replace(done, status=DebitStatus.SUCCEEDED, repayment_id=posted.repayment_id)
            except FengkongError as exc:
                done = replace(done, status=DebitStatus.UNPOSTED, error=exc.detail)
    with svc.uow() as uow:
        now = svc.clock.now()
        uow.servicing.save_attempt(done, now)
        uow.audit.append(
            at=now,
            actor=ACTOR,
            action=f"autodebit.{done.status.value}",
            subject_type="loan",
            subject_id=attempt.loan_id,
            payload={
                "attempt_id": done.attempt_id,
                "due_date": done.due_date.isoformat(),
                "attempt": done.attempt,
                "amount_fen": int(done.amount),
                "reference": done.reference,
                "error": done.error,
                "repayment_id": done.repayment_id,
            },
        )
        uow.commit()
    return done
