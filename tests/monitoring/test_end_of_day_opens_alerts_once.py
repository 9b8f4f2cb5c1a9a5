"""End of day runs the early-warning rules after the snapshot (SQLite and PostgreSQL): a rule
that fires opens one alert and sends it once, in Chinese and English; the next day's repeat
only moves its last-seen date, value and count; acknowledging records who, when and the note
and is audited, and the condition lasting after it opens nothing new; a date where the rule no
longer fires marks the alert cleared, and the next firing opens a new one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from fengkong.core.errors import Invalid
from fengkong.db.database import Database
from fengkong.lending.config import LendingConfig
from fengkong.lending.delinquency import WriteOffPolicy
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.lending.servicing import Delivery, ReminderMessage
from fengkong.monitoring.alert_rules import Rule, Scope
from fengkong.monitoring.early_warning import (
    AlertNotFound,
    AlertNotOpen,
    AlertStatus,
    EarlyWarningServices,
    acknowledge_alert,
    alert_step,
    list_alerts,
    run_rules,
)
from fengkong.monitoring.snapshots import MonitoringServices, snapshot_step
from lending.test_service_support import (
    lending_services,
    migrated,
    new_clock,
    seed_approved,
    unit_of_work,
)

DAY = date(2026, 7, 10)
CONFIG = LendingConfig(write_off=WriteOffPolicy(min_days_past_due=150))
# Booked 2026-05-01 and never repaid: 40 days past due on DAY (M1+); booked 2026-06-20: current.
BOOKINGS = ((date(2026, 5, 1), 400_000), (date(2026, 6, 20), 600_000))
M1_ABOVE_5PCT = Rule("m1_above_5pct", "m1_plus_rate", "level", Scope(), "above", Decimal("0.05"))
QUIET = Rule("cover_below_0", "coverage", "level", Scope(), "below", Decimal("0"))


class Recorded:
    """A channel that keeps what it is given."""

    name = "recorded"

    def __init__(self) -> None:
        self.sent: list[ReminderMessage] = []

    def send(self, message: ReminderMessage) -> Delivery:
        self.sent.append(message)
        return Delivery(True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Database]:
    url = (
        f"sqlite:///{tmp_path / 'a.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    books = migrated(url)
    for k, (day, amount) in enumerate(BOOKINGS):
        clock = new_clock(day)
        svc = lending_services(books, clock, config=CONFIG)
        app = seed_approved(books, clock, amount=amount, score=620, pd="0.05")
        disburse(accept_offer(app, f"a{k}", svc).record.loan_id, f"d{k}", svc)
    yield books
    books.dispose()


def _warning(db: Database, day: date, channel: Recorded, *rules: Rule) -> EarlyWarningServices:
    return EarlyWarningServices(
        uow=unit_of_work(db), clock=new_clock(day), rules=rules, channel=channel, lender="FK"
    )


def _end_of_day(db: Database, day: date, channel: Recorded, *rules: Rule) -> dict[str, int]:
    clock = new_clock(day)
    monitoring = MonitoringServices(uow=unit_of_work(db), clock=clock)
    steps = (snapshot_step(monitoring), alert_step(_warning(db, day, channel, *rules)))
    report = run_end_of_day(day, lending_services(db, clock, config=CONFIG), steps=steps)
    return dict(report.totals[day.isoformat()])


def test_end_of_day_opens_an_alert_once_and_repeats_it(db: Database) -> None:
    channel = Recorded()
    totals = _end_of_day(db, DAY, channel, M1_ABOVE_5PCT, QUIET)
    assert (totals["alerts_opened"], totals["alerts_repeated"]) == (1, 0)
    [alert] = list_alerts(_warning(db, DAY, channel))
    # 400 000 of 1 000 000 fen is 40+ days past due (less what accrual moved: read it back)
    assert alert.rule_id == "m1_above_5pct" and (alert.dimension, alert.segment) == ("all", "all")
    assert alert.status is AlertStatus.OPEN and alert.value > Decimal("0.05")
    assert (alert.opened_on, alert.last_seen_on, alert.times_seen) == (DAY, DAY, 1)
    assert alert.delivery == "sent"
    [message] = channel.sent
    assert message.reminder_id == alert.alert_id
    assert "风险预警" in message.text and "early warning" in message.text

    following = DAY + timedelta(days=1)
    totals = _end_of_day(db, following, channel, M1_ABOVE_5PCT, QUIET)
    assert (totals["alerts_opened"], totals["alerts_repeated"]) == (0, 1)
    [again] = list_alerts(_warning(db, following, channel))
    assert again.alert_id == alert.alert_id and again.opened_on == DAY
    assert (again.last_seen_on, again.times_seen) == (following, 2)
    assert len(channel.sent) == 1  # sent when opened, not again


def test_acknowledging_records_who_and_the_note_and_is_audited(db: Database) -> None:
    channel = Recorded()
    _end_of_day(db, DAY, channel, M1_ABOVE_5PCT)
    svc = _warning(db, DAY, channel, M1_ABOVE_5PCT)
    [alert] = list_alerts(svc, "open")
    with pytest.raises(Invalid):
        acknowledge_alert(alert.alert_id, "  ", "user:risk", svc)
    with pytest.raises(AlertNotFound):
        acknowledge_alert("alr_nope", "seen", "user:risk", svc)
    done = acknowledge_alert(alert.alert_id, "collections told", "user:risk", svc)
    assert (done.status, done.acknowledged_by, done.note) == (
        AlertStatus.ACKNOWLEDGED,
        "user:risk",
        "collections told",
    )
    [stored] = list_alerts(svc, "acknowledged")
    assert stored.acknowledged_by == "user:risk" and stored.acknowledged_at is not None
    assert list_alerts(svc, "open") == ()
    with pytest.raises(AlertNotOpen):
        acknowledge_alert(alert.alert_id, "again", "user:other", svc)
    with db.engine.connect() as conn:
        audited = conn.execute(
            sa.text("select actor, subject_id from audit_log where action = 'alert.acknowledged'")
        ).all()
    assert [tuple(r) for r in audited] == [("user:risk", alert.alert_id)]

    # the condition lasts: the acknowledged alert absorbs it, nothing new is opened or sent
    following = DAY + timedelta(days=1)
    totals = _end_of_day(db, following, channel, M1_ABOVE_5PCT)
    assert (totals["alerts_opened"], totals["alerts_repeated"]) == (0, 1)
    assert len(channel.sent) == 1


def test_a_cleared_alert_makes_way_for_a_new_one(db: Database) -> None:
    channel = Recorded()
    _end_of_day(db, DAY, channel, M1_ABOVE_5PCT)
    svc = _warning(db, DAY, channel, M1_ABOVE_5PCT)
    [alert] = list_alerts(svc)
    acknowledge_alert(alert.alert_id, "watching", "user:risk", svc)
    # the same snapshot under a threshold it does not pass: the rule no longer fires
    higher = Rule("m1_above_5pct", "m1_plus_rate", "level", Scope(), "above", Decimal("0.9"))
    done = run_rules(DAY, _warning(db, DAY, channel, higher), actor="user:risk")
    assert (len(done.opened), done.repeated, done.cleared) == (0, 0, 1)
    [cleared] = list_alerts(svc)
    assert cleared.cleared_on == DAY
    done = run_rules(DAY, _warning(db, DAY, channel, M1_ABOVE_5PCT), actor="user:risk")
    assert len(done.opened) == 1 and done.opened[0].alert_id != alert.alert_id
    assert len(channel.sent) == 2
