"""Builders for the servicing tests (no tests here): wired servicing services over a migrated
database, a disbursed loan, a recording reminder channel, and a way to live through days of end
of day with a fake clock."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from fengkong.core.clock import FakeClock
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.records import LoanRecord
from fengkong.lending.servicing import Delivery, ReminderMessage, ServicingConfig, ServicingServices
from fengkong.lending.servicing_steps import servicing_steps
from fengkong.onboarding.vault import Vault, generate_keyring
from fengkong.sim.identity import identity
from lending.test_service_support import lending_services, seed_approved

VAULT = Vault(generate_keyring())
CARD = "6222021234567890128"  # Luhn-valid


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.sent: list[ReminderMessage] = []

    def send(self, message: ReminderMessage) -> Delivery:
        self.sent.append(message)
        return Delivery(True)

    def kinds(self) -> list[tuple[str, str]]:
        return [(m.subject_id, m.kind) for m in self.sent]


def person(seed: int = 1) -> tuple[str, str, str]:
    who = identity(35, date(2026, 3, 1), random.Random(seed))
    return who.name, who.id_number, who.phone


def servicing(
    db: Database,
    clock: FakeClock,
    *,
    gateway: SimulatedGateway | None = None,
    channel: Recorder | None = None,
    config: ServicingConfig | None = None,
) -> ServicingServices:
    return ServicingServices(
        lending=lending_services(db, clock, gateway or SimulatedGateway()),
        vault=VAULT,
        channel=channel or Recorder(),
        config=config or ServicingConfig(),
        uow=lambda: SqlUnitOfWork(db),
    )


def disbursed_loan(
    db: Database, clock: FakeClock, svc: ServicingServices, amount: int = 600_000, terms: int = 6
) -> str:
    application = seed_approved(db, clock, amount=amount, terms=terms)
    _, _, phone = person(len(application))
    with db.engine.begin() as conn:
        conn.execute(
            sa.text("update applications set phone_enc = :p where id = :i"),
            {"p": VAULT.encrypt("phone", phone), "i": application},
        )
    loan_id = accept_offer(application, f"acc-{application}", svc.lending).record.loan_id
    disburse(loan_id, f"pay-{loan_id}", svc.lending)
    return loan_id


def first_due(db: Database, loan_id: str) -> date:
    with SqlUnitOfWork(db) as uow:
        return uow.lending.instalments(loan_id)[0].due


def evening(clock: FakeClock, day: date) -> None:
    """Move the clock to 20:00 in Beijing on `day` (never backwards)."""
    when = datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)
    if when > clock.now():
        clock.set(when)


def live(svc: ServicingServices, clock: FakeClock, first: date, last: date) -> None:
    """End of day with every servicing step, each date in turn from `first` to `last`."""
    day = first
    while day <= last:
        evening(clock, day)
        run_end_of_day(day, svc.lending, steps=servicing_steps(svc))
        day += timedelta(days=1)


def loan(db: Database, loan_id: str) -> LoanRecord:
    with SqlUnitOfWork(db) as uow:
        record = uow.lending.get_loan(loan_id)
    assert record is not None
    return record


def audit_actions(db: Database, subject_id: str) -> list[str]:
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text("select action from audit_log where subject_id = :s order by seq"),
            {"s": subject_id},
        )
        return [r.action for r in rows]
