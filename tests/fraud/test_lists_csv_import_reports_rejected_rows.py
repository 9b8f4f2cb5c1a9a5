"""A CSV import accepts the good rows, reports each bad row with why, and on a fatal error
(a bad header, a database failure) imports nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from fengkong.core.clock import FakeClock
from fengkong.core.errors import Invalid
from fengkong.db import list_entries
from fengkong.db.fraud_lists import SqlFraudLists
from fengkong.db.fraud_tables import fraud_list_entries
from fengkong.db.uow import SqlUnitOfWork
from fengkong.fraud.keys import KeyType
from fengkong.fraud.list_admin import ListAdmin, import_entries
from fengkong.fraud.lists import ListKind

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)

CSV = """list,key_type,value,reason,source,expires_at
black,resident_id,11010519491231002x,stolen identity,police-notice-3,
grey,mobile,138 1234 5678,ring member,rule-R12,2026-12-31
white,device,staff-test-phone,QA device,ops,
purple,mobile,13812345678,whatever,ops,
black,passport,E12345678,whatever,ops,
black,resident_id,110105194912310022,bad check digit,ops,
grey,bank_card,6222021234567890124,luhn fails,ops,
grey,ip,203.0.113.9,bad date,ops,31/12/2026
grey,ip,203.0.113.9,expired,ops,2026-01-01
black,mobile,13912345678,,ops,
"""


def _admin(db, hasher) -> ListAdmin:  # type: ignore[no-untyped-def]
    return ListAdmin(lambda: SqlUnitOfWork(db), hasher, FakeClock(T))


def test_good_rows_imported_bad_rows_reported(fraud_db, hasher) -> None:  # type: ignore[no-untyped-def]
    lists = SqlFraudLists(fraud_db, hasher, FakeClock(T))
    report = import_entries(CSV, "import:batch-9", _admin(fraud_db, hasher))

    assert [(e.list, e.key_type) for e in report.accepted] == [
        (ListKind.BLACK, KeyType.RESIDENT_ID),
        (ListKind.GREY, KeyType.MOBILE),
        (ListKind.WHITE, KeyType.DEVICE),
    ]
    assert report.accepted[1].expires_at == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    rejected = {r.line: {(e.loc[0], e.type) for e in r.errors} for r in report.rejected}
    assert rejected == {
        5: {("list", "enum")},
        6: {("key_type", "enum")},
        7: {("value", "check_digit")},
        8: {("value", "check_digit")},
        9: {("expires_at", "date")},
        10: {("expires_at", "date")},
        11: {("reason", "missing")},
    }
    hits = lists.lookup({KeyType.RESIDENT_ID: "11010519491231002X", KeyType.MOBILE: "13812345678"})
    assert {h.list for h in hits} == {ListKind.BLACK, ListKind.GREY}


def test_a_bad_header_imports_nothing(fraud_db, hasher) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as caught:
        import_entries(
            "list,kind,value\nblack,mobile,13812345678\n", "ops", _admin(fraud_db, hasher)
        )
    assert "key_type" in caught.value.errors[0].msg
    with fraud_db.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(fraud_list_entries)).scalar() == 0
        )


def test_a_database_failure_mid_import_leaves_nothing(  # type: ignore[no-untyped-def]
    fraud_db, hasher, monkeypatch
) -> None:
    text = CSV.splitlines()[0] + "\nblack,mobile,13812345678,r,s,\nblack,device,dev-9,r,s,\n"
    # Both rows pass the parser; make the database refuse the second, in the same insert.
    original = list_entries.entry_row

    def failing_row(entry):  # type: ignore[no-untyped-def]
        row = original(entry)
        if entry.key_type is KeyType.DEVICE:
            row["list"] = "purple"  # breaks the check constraint on insert
        return row

    monkeypatch.setattr(list_entries, "entry_row", failing_row)
    with pytest.raises(sa.exc.IntegrityError):
        import_entries(text, "ops", _admin(fraud_db, hasher))
    with fraud_db.engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(fraud_list_entries)).scalar() == 0
        )
    with SqlUnitOfWork(fraud_db) as uow:
        assert list(uow.audit.stream()) == []  # nor any audit record of it
