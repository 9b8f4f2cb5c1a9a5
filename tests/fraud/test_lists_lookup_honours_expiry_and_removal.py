"""A list entry matches by blind index while active: not after it expires, not after removal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict, NotFound
from fengkong.db.fraud_lists import SqlFraudLists
from fengkong.db.fraud_tables import fraud_list_entries
from fengkong.db.uow import SqlUnitOfWork
from fengkong.fraud.keys import KeyType
from fengkong.fraud.list_admin import ListAdmin, remove_entry
from fengkong.fraud.lists import ListKind, NewListEntry

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PHONE = "13812345678"
DEVICE = "dev-ring-1"


def test_lookup_expiry_and_removal(fraud_db, hasher) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(T)
    lists = SqlFraudLists(fraud_db, hasher, clock)
    black = lists.add(
        NewListEntry(ListKind.BLACK, KeyType.MOBILE, PHONE, "confirmed fraud", "case-17"),
        added_by="officer.li",
    )
    lists.add(
        NewListEntry(
            ListKind.GREY, KeyType.DEVICE, DEVICE, "ring suspect", "rule-R12", T + timedelta(days=7)
        ),
        added_by="officer.li",
    )
    assert (black.added_by, black.added_at, black.display) == ("officer.li", T, "138****5678")

    keys = {KeyType.MOBILE: PHONE, KeyType.DEVICE: DEVICE, KeyType.IP: None}
    assert {h.list for h in lists.lookup(keys)} == {ListKind.BLACK, ListKind.GREY}
    assert lists.lookup({KeyType.MOBILE: "13912345678"}) == ()

    clock.advance(timedelta(days=7))  # the grey entry expires exactly now
    assert [h.entry_id for h in lists.lookup(keys)] == [black.id]

    admin = ListAdmin(lambda: SqlUnitOfWork(fraud_db), hasher, clock)
    removed = remove_entry(black.id, "officer.wang", "cleared by review", admin)
    assert (removed.removed_by, removed.removed_at) == ("officer.wang", clock.now())
    assert lists.get(black.id) == removed
    assert lists.lookup(keys) == ()
    with pytest.raises(Conflict):
        remove_entry(black.id, "officer.wang", "again", admin)
    with pytest.raises(NotFound):
        remove_entry("lst_missing", "officer.wang", "x", admin)

    with fraud_db.engine.connect() as conn:
        dump = repr(conn.execute(sa.select(fraud_list_entries)).all())
    assert PHONE not in dump and DEVICE not in dump
