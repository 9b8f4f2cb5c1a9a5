"""The black-list trigger: once a line's borrower's phone is black-listed, the next end of day
closes the line (or freezes it, as configured) with the reason recorded and the borrower notified;
running again does nothing more."""

from __future__ import annotations

from decimal import Decimal

from fengkong.db.fraud_lists import SqlFraudLists
from fengkong.fraud.keys import KeyType
from fengkong.fraud.lists import ListKind, NewListEntry
from fengkong.lending.blacklist_trigger import bind_line_borrower
from fengkong.lending.credit_lines import get_line, open_line
from fengkong.lending.eod import run_business_date
from fengkong.lending.line import LineStatus
from fengkong.lending.servicing import BlacklistAction, ServicingConfig
from fengkong.lending.servicing_steps import servicing_steps
from lending.test_collections_support import (
    VAULT,
    Recorder,
    audit_actions,
    live,
    person,
    servicing,
)
from lending.test_service_support import migrated, new_clock


def _setup(database_url: str, action: BlacklistAction):  # type: ignore[no-untyped-def]
    db = migrated(database_url)
    clock = new_clock()
    channel = Recorder()
    svc = servicing(db, clock, channel=channel, config=ServicingConfig(blacklist_action=action))
    _, id_number, phone = person(3)
    lines = [open_line(1_000_000, Decimal("0.12"), f"line-{k}", svc.lending) for k in range(2)]
    bind_line_borrower(lines[0].line_id, svc, id_number=id_number, phone=phone, language="en")
    bind_line_borrower(lines[1].line_id, svc, phone="13900001111")
    today = clock.business_date()
    live(svc, clock, today, today)
    SqlFraudLists(db, VAULT.blind_index, clock).add(
        NewListEntry(ListKind.BLACK, KeyType.MOBILE, phone, "confirmed fraud", "ops"), "ops"
    )
    return db, clock, svc, channel, lines, today


def test_close(database_url: str) -> None:
    db, clock, svc, channel, lines, today = _setup(database_url, BlacklistAction.CLOSE)
    from datetime import timedelta

    live(svc, clock, today + timedelta(days=1), today + timedelta(days=1))
    assert get_line(lines[0].line_id, svc.lending).status is LineStatus.CLOSED
    assert get_line(lines[1].line_id, svc.lending).status is LineStatus.ACTIVE
    assert audit_actions(db, lines[0].line_id)[-1] == "line.close"
    notice = [m for m in channel.sent if m.subject_id == lines[0].line_id]
    assert len(notice) == 1 and notice[0].kind == "line_closed" and notice[0].language == "en"
    assert "risk list" in notice[0].text and "review by an officer" in notice[0].text
    run_business_date(today + timedelta(days=1), svc.lending, steps=servicing_steps(svc))
    live(svc, clock, today + timedelta(days=2), today + timedelta(days=2))
    assert audit_actions(db, lines[0].line_id).count("line.close") == 1


def test_freeze(database_url: str) -> None:
    db, clock, svc, channel, lines, today = _setup(database_url, BlacklistAction.FREEZE)
    from datetime import timedelta

    live(svc, clock, today + timedelta(days=1), today + timedelta(days=2))
    assert get_line(lines[0].line_id, svc.lending).status is LineStatus.FROZEN
    assert audit_actions(db, lines[0].line_id).count("line.freeze") == 1
    assert [m.kind for m in channel.sent if m.subject_id == lines[0].line_id] == ["line_frozen"]
