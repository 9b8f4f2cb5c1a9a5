"""Every automatic action on a credit line tells its borrower, once, in their language, through
the reminder channel, and an officer's reinstatement tells them too (SQLite and PostgreSQL).

| step | what happens | notices to the line's borrower |
| --- | --- | --- |
| a draw's first instalment is missed | end of day freezes the line (DPD over 0) | one `line_frozen`, in the language bound |
| end of day for that date again | nothing new | none more |
| the channel is down | the line is frozen all the same; the notice is `failed` | none delivered |
| an unmet margin call | the collateral step freezes the draw's line | one `line_frozen` (margin call) |
| an officer reinstates | the line is active; the rule stays quiet for the cooldown | one `line_reinstated` |
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest

from fengkong.core.clock import FakeClock
from fengkong.core.errors import Invalid
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.blacklist_trigger import bind_line_borrower
from fengkong.lending.collateral import CollateralPolicy
from fengkong.lending.collateral_service import add_collateral
from fengkong.lending.config import LendingConfig
from fengkong.lending.credit_lines import change_line, draw, get_line, open_line
from fengkong.lending.eod import run_business_date, run_end_of_day
from fengkong.lending.errors import LineNotFound
from fengkong.lending.line import LineChangeKind, LineRules, LineStatus
from fengkong.lending.line_notices import line_notices, reinstate
from fengkong.lending.line_reinstate import NothingToReinstate
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.servicing import Delivery, ReminderMessage, ServicingConfig, ServicingServices
from fengkong.lending.servicing_steps import servicing_steps
from lending.test_collections_support import (
    VAULT,
    Recorder,
    audit_actions,
    evening,
    first_due,
    person,
)
from lending.test_service_support import lending_services, migrated, new_clock

OFFICER = "user:li.wei"


class Down(Recorder):
    """A channel that answers every send with a failure, as a gateway that is down."""

    def send(self, message: ReminderMessage) -> Delivery:
        self.sent.append(message)
        return Delivery(False, "HTTP 503")


def _services(
    db: Database,
    clock: FakeClock,
    channel: Recorder,
    *,
    rules: LineRules | None = None,
    config: ServicingConfig | None = None,
) -> ServicingServices:
    lending = LendingConfig() if rules is None else LendingConfig(line_rules=rules)
    return ServicingServices(
        lending=lending_services(db, clock, SimulatedGateway(), config=lending),
        vault=VAULT,
        channel=channel,
        config=config or ServicingConfig(),
        uow=lambda: SqlUnitOfWork(db),
    )


def _drawn_line(svc: ServicingServices, key: str, language: str | None) -> tuple[str, str]:
    line = open_line(1_000_000, Decimal("0.12"), f"line-{key}", svc.lending)
    _, _, phone = person(len(key) + 7)
    bind_line_borrower(line.line_id, svc, phone=phone, language=language)
    drawn = draw(line.line_id, 500_000, 6, f"draw-{key}", svc.lending)
    return line.line_id, drawn.loan.record.loan_id


def _night(svc: ServicingServices, clock: FakeClock, day: date) -> None:
    evening(clock, day)
    run_end_of_day(day, svc.lending, steps=servicing_steps(svc))


def _line_notices(channel: Recorder, line_id: str) -> list[ReminderMessage]:
    return [m for m in channel.sent if m.subject_id == line_id]


def _missed(db: Database, svc: ServicingServices, loan_id: str) -> date:
    """The day after the draw's first due date, its instalment unpaid."""
    return first_due(db, loan_id) + timedelta(days=1)


def test_an_eod_freeze_sends_one_notice_in_the_borrowers_language(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    channel = Recorder()
    svc = _services(db, clock, channel, config=ServicingConfig(dispute_contact="95188"))
    english, en_draw = _drawn_line(svc, "en", "en")
    chinese, _ = _drawn_line(svc, "zh", None)  # the configured language: zh-CN

    day = _missed(db, svc, en_draw)
    _night(svc, clock, day)
    assert get_line(english, svc.lending).status is LineStatus.FROZEN
    assert get_line(chinese, svc.lending).status is LineStatus.FROZEN
    [en] = _line_notices(channel, english)
    [zh] = _line_notices(channel, chinese)
    assert (en.kind, en.language, zh.kind, zh.language) == (
        "line_frozen",
        "en",
        "line_frozen",
        "zh-CN",
    )
    assert en.phone_masked is not None and en.phone is not None
    assert f"line {english} was frozen on {day.isoformat()}" in en.text
    assert "past due" in en.text and "customer service (95188)" in en.text
    assert "DPD_OVER_THRESHOLD" not in en.text + zh.text
    assert "冻结" in zh.text and "逾期" in zh.text and "人工复核" in zh.text
    lender = svc.lending.config.lender_name
    assert not re.search(r"[A-Za-z]", zh.text.replace(chinese, "").replace(lender, ""))

    run_business_date(day, svc.lending, steps=servicing_steps(svc))  # done: changes nothing
    from fengkong.lending.line_notices import line_notice_step

    assert line_notice_step(day, svc) == {"line_notices_sent": 0}  # recorded once per date
    assert len(_line_notices(channel, english)) == 1
    [stored] = line_notices(english, svc)
    assert (stored.kind, stored.status, stored.business_date) == ("line_frozen", "sent", day)
    assert stored.detail["reason"] == "DPD_OVER_THRESHOLD"
    assert audit_actions(db, english).count("line.freeze") == 1


def test_a_channel_that_fails_loses_no_action(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    channel = Down()
    svc = _services(db, clock, channel)
    line_id, loan_id = _drawn_line(svc, "down", "en")
    day = _missed(db, svc, loan_id)
    _night(svc, clock, day)
    assert get_line(line_id, svc.lending).status is LineStatus.FROZEN
    assert audit_actions(db, line_id).count("line.freeze") == 1
    [stored] = line_notices(line_id, svc)
    assert (stored.status, stored.error) == ("failed", "HTTP 503")
    _night(svc, clock, day + timedelta(days=1))  # as a failed reminder: not sent again
    assert len(_line_notices(channel, line_id)) == 1


def test_a_margin_call_freeze_tells_the_borrower(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    channel = Recorder()
    policy = CollateralPolicy(ltv_threshold=Decimal("0.70"), cure_days=3)
    svc = _services(db, clock, channel, config=ServicingConfig(collateral=policy))
    line_id, loan_id = _drawn_line(svc, "margin", "en")
    add_collateral(loan_id, "listed_shares", 900_000, svc)
    today = clock.business_date()
    for offset in range(6):
        _night(svc, clock, today + timedelta(days=offset))
    assert get_line(line_id, svc.lending).status is LineStatus.FROZEN
    [notice] = _line_notices(channel, line_id)
    assert notice.kind == "line_frozen" and "add collateral or repay" in notice.text
    assert line_notices(line_id, svc)[0].detail["reason"] == "MARGIN_CALL_UNMET"


def test_an_officer_reinstates_and_the_rule_keeps_quiet_for_the_cooldown(
    database_url: str,
) -> None:
    db = migrated(database_url)
    clock = new_clock()
    channel = Recorder()
    svc = _services(db, clock, channel, rules=LineRules(reinstate_cooldown_days=3))
    line_id, loan_id = _drawn_line(svc, "dispute", "en")
    day = _missed(db, svc, loan_id)
    _night(svc, clock, day)
    assert get_line(line_id, svc.lending).status is LineStatus.FROZEN

    line = reinstate(line_id, "bank outage on the due date", svc, officer=OFFICER)
    assert line.status is LineStatus.ACTIVE
    assert (line.history[-1].kind, line.history[-1].officer) == (
        LineChangeKind.REINSTATED,
        OFFICER,
    )
    assert [m.kind for m in _line_notices(channel, line_id)] == ["line_frozen", "line_reinstated"]
    assert "after an officer's review" in _line_notices(channel, line_id)[-1].text
    assert audit_actions(db, line_id)[-1] == "line.reinstated"

    for offset in (1, 2):  # still past due, the same signal: the freeze is not taken again
        _night(svc, clock, day + timedelta(days=offset))
        assert get_line(line_id, svc.lending).status is LineStatus.ACTIVE
    _night(svc, clock, day + timedelta(days=3))  # the cooldown is over
    assert get_line(line_id, svc.lending).status is LineStatus.FROZEN
    kinds = [n.kind for n in line_notices(line_id, svc)]
    assert kinds == ["line_frozen", "line_reinstated", "line_frozen"]


def test_a_reinstatement_refuses_what_it_cannot_reverse(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    channel = Recorder()
    svc = _services(db, clock, channel)
    line = open_line(1_000_000, Decimal("0.12"), "line-refuse", svc.lending)
    with pytest.raises(LineNotFound):
        reinstate("line_nope", "disputed", svc, officer=OFFICER)
    with pytest.raises(NothingToReinstate):
        reinstate(line.line_id, "disputed", svc, officer=OFFICER)
    change_line(line.line_id, "freeze", "suspected fraud", svc.lending, officer=OFFICER)
    with pytest.raises(NothingToReinstate):  # an officer's freeze is lifted by unfreezing
        reinstate(line.line_id, "disputed", svc, officer=OFFICER)

    closed = open_line(1_000_000, Decimal("0.12"), "line-black", svc.lending)
    change_line(closed.line_id, "close", "BLACKLIST_HIT: mobile on the black list", svc.lending)
    with pytest.raises(Invalid):
        reinstate(closed.line_id, " ", svc, officer=OFFICER)
    with pytest.raises(Invalid) as unacknowledged:
        reinstate(closed.line_id, "not the same person", svc, officer=OFFICER)
    assert unacknowledged.value.errors[0].loc == ("acknowledge_blacklist",)
    assert get_line(closed.line_id, svc.lending).status is LineStatus.CLOSED
    assert channel.sent == []
    reopened = reinstate(
        closed.line_id, "not the same person", svc, officer=OFFICER, acknowledge_blacklist=True
    )
    assert reopened.status is LineStatus.ACTIVE
    # the close (a rule's, made here without end of day to notify it) is told with the reversal
    kinds = [n.kind for n in line_notices(closed.line_id, svc)]
    assert kinds == ["line_closed", "line_reinstated"]
    with SqlUnitOfWork(db) as uow:
        [record] = [
            r
            for r in uow.audit.for_subject("credit_line", closed.line_id)
            if r.action == "line.reinstated"
        ]
    assert record.payload["acknowledge_blacklist"] is True
    assert record.actor == OFFICER
