"""One open entry per list and key, held by the database, on SQLite and PostgreSQL.

`list_admin` refused a key already active on the same list by a read before the insert, with no
index behind it: two people adding the same key at the same moment both read nothing and both
inserted. Now the second insert is refused by a partial unique index, and the add reads again and
answers the same `Conflict` as the read; an import reports the row as rejected. (An entry that
expired but was never removed is closed when its key is added again: see
`test_list_admin_use_cases.py`.) Migration 0028 closes the duplicates an old database holds
before it builds the index."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from fengkong.core.clock import FakeClock, SystemClock
from fengkong.core.errors import Conflict
from fengkong.db.database import Database
from fengkong.db.fraud_tables import fraud_list_entries
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.fraud.keys import Hasher, KeyType
from fengkong.fraud.list_admin import ListAdmin, add_entry, import_entries
from fengkong.fraud.lists import ListEntry, ListEntryTaken, ListKind, NewListEntry

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PHONE = "13812345678"
HEADER = "list,key_type,value,reason,source,expires_at\n"


def _entry(**changes: Any) -> NewListEntry:
    values: dict[str, Any] = {
        "list": ListKind.BLACK,
        "key_type": KeyType.MOBILE,
        "value": PHONE,
        "reason": "confirmed fraud",
        "source": "case-17",
    }
    return NewListEntry(**{**values, **changes})


class _Blind:
    """The real store, whose first `open_on` of each thread waits at `meet` and sees nothing
    open: as if the other add committed between this one's read and its insert."""

    def __init__(self, store: Any, seen: set[int], meet: Callable[[], None] | None) -> None:
        self.store, self.seen, self.meet = store, seen, meet

    def open_on(self, keys: Sequence[tuple[KeyType, str]]) -> list[ListEntry]:
        found = list(self.store.open_on(keys))
        me = threading.get_ident()
        if me in self.seen:
            return found
        self.seen.add(me)
        if self.meet is not None:
            self.meet()
            return found  # read before the other's insert: nothing there yet, really
        return []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


class _BlindUnitOfWork(SqlUnitOfWork):
    def __init__(self, db: Database, seen: set[int], meet: Callable[[], None] | None) -> None:
        super().__init__(db)
        self._seen, self._meet = seen, meet

    def __enter__(self) -> _BlindUnitOfWork:
        super().__enter__()
        self.list_entries = _Blind(self.list_entries, self._seen, self._meet)  # type: ignore[assignment]
        return self


def _admin(db: Database, hasher: Hasher, clock: FakeClock | None = None) -> ListAdmin:
    return ListAdmin(lambda: SqlUnitOfWork(db), hasher, clock or FakeClock(T))


def _racing_admin(
    db: Database, hasher: Hasher, meet: Callable[[], None] | None = None
) -> ListAdmin:
    seen: set[int] = set()
    return ListAdmin(lambda: _BlindUnitOfWork(db, seen, meet), hasher, FakeClock(T))


def _open_rows(db: Database) -> list[Any]:
    e = fraud_list_entries.c
    with db.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(e.id, e.list, e.key_type).where(e.removed_at.is_(None)).order_by(e.id)
            )
        )


def _audited(db: Database, action: str) -> list[str]:
    with SqlUnitOfWork(db) as uow:
        return [r.subject_id for r in uow.audit.stream() if r.action == action]


def test_the_database_refuses_a_second_open_entry(fraud_db: Database, hasher: Hasher) -> None:
    first = add_entry(_entry(), "officer.li", _admin(fraud_db, hasher))
    twin = ListEntry(
        "lst_twin", first.list, first.key_type, first.display, "again", "x", "officer.wang", T,
        None, key_hash=first.key_hash,
    )  # fmt: skip
    with SqlUnitOfWork(fraud_db) as uow, pytest.raises(ListEntryTaken):
        uow.list_entries.add((twin,))
    # another list, or the same key once the first is removed, is no clash
    add_entry(_entry(list=ListKind.GREY), "officer.li", _admin(fraud_db, hasher))
    with SqlUnitOfWork(fraud_db) as uow:
        assert uow.list_entries.mark_removed(first.id, "officer.wang", T, "cleared")
        uow.list_entries.add((twin,))
        uow.commit()
    assert {r.id for r in _open_rows(fraud_db)} >= {"lst_twin"}


def test_an_add_that_missed_a_concurrent_add_is_the_same_conflict(
    fraud_db: Database, hasher: Hasher
) -> None:
    first = add_entry(_entry(), "officer.li", _admin(fraud_db, hasher))

    with pytest.raises(Conflict, match=f"already on the black list as {first.id}"):
        add_entry(_entry(reason="seen again"), "officer.wang", _racing_admin(fraud_db, hasher))

    assert [r.id for r in _open_rows(fraud_db)] == [first.id]
    assert _audited(fraud_db, "list.entry_added") == [first.id]  # nothing of the refused one


def test_an_import_that_missed_a_concurrent_add_rejects_the_row(
    fraud_db: Database, hasher: Hasher
) -> None:
    first = add_entry(_entry(), "officer.li", _admin(fraud_db, hasher))
    text = HEADER + (
        f"black,mobile,{PHONE},ring,ops,\n"  # line 2: added by someone else meanwhile
        "black,device,dev-1,ring,ops,\n"  # line 3
        "black,device,dev-1,ring again,ops,\n"  # line 4: repeats line 3
        f"grey,mobile,{PHONE},ring,ops,\n"  # line 5: another list
    )

    report = import_entries(text, "import:batch-1", _racing_admin(fraud_db, hasher))

    assert [r.line for r in report.rejected] == [2, 4]
    assert report.rejected[0].errors[0].msg == f"already on the black list as {first.id}"
    assert report.rejected[1].errors[0].msg == "repeats line 3"
    assert [(e.list, e.key_type) for e in report.accepted] == [
        (ListKind.BLACK, KeyType.DEVICE),
        (ListKind.GREY, KeyType.MOBILE),
    ]
    assert len(_open_rows(fraud_db)) == 3


@pytest.mark.postgres
def test_two_simultaneous_adds_on_postgresql_exactly_one_succeeds(
    postgres_url: str, hasher: Hasher
) -> None:
    db = Database(postgres_url)
    upgrade(db)
    try:
        meet = threading.Barrier(2, timeout=60)  # both have read before either inserts
        admin = _racing_admin(db, hasher, meet=meet.wait)
        results: dict[str, object] = {}

        def add(who: str) -> None:
            try:
                results[who] = add_entry(_entry(reason=f"by {who}"), who, admin)
            except Exception as exc:  # the verdict is read below
                results[who] = exc

        threads = [threading.Thread(target=add, args=(who,)) for who in ("li", "wang")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)

        added = [r for r in results.values() if isinstance(r, ListEntry)]
        refused = [r for r in results.values() if not isinstance(r, ListEntry)]
        assert len(added) == 1 and len(refused) == 1, results
        assert isinstance(refused[0], Conflict)
        assert str(refused[0]) == f"already on the black list as {added[0].id}"
        assert [r.id for r in _open_rows(db)] == [added[0].id]
    finally:
        db.dispose()


def test_migration_0028_closes_duplicates_before_it_builds_the_index(
    empty_database_url: str,
) -> None:
    db = Database(empty_database_url)
    upgrade(db, "0018_links_merge_when_needed")  # the fraud tables before the index
    now = SystemClock().now()  # the migration's own time decides what has expired
    e = fraud_list_entries

    def row(id_: str, list_: str, key: str, added: datetime, **more: Any) -> dict[str, Any]:
        return {
            "id": id_, "list": list_, "key_type": "mobile", "key_hash": key, "display": None,
            "reason": "r", "source": "s", "added_by": "x", "added_at": added, "expires_at": None,
            "removed_by": None, "removed_at": None, "removal_reason": None, **more,
        }  # fmt: skip

    day = timedelta(days=1)
    rows = [
        # two active in a race: the older stays
        row("lst_a1", "black", "k1", now - 3 * day),
        row("lst_a2", "black", "k1", now - 2 * day),
        # an expired entry re-listed: the active one stays, though younger
        row("lst_b1", "grey", "k2", now - 9 * day, expires_at=now - 5 * day),
        row("lst_b2", "grey", "k2", now - 4 * day),
        # all expired: the oldest stays
        row("lst_c1", "grey", "k3", now - 9 * day, expires_at=now - 6 * day),
        row("lst_c2", "grey", "k3", now - 8 * day, expires_at=now - 5 * day),
        # no clash: another list; a removed one
        row("lst_d1", "grey", "k1", now - 3 * day),
        row("lst_e1", "black", "k4", now - 3 * day),
        row("lst_e2", "black", "k4", now - 2 * day, removed_by="y", removed_at=now - day),
    ]
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.insert(e), rows)
        upgrade(db)
        with db.engine.connect() as conn:
            after = {
                r.id: r for r in conn.execute(sa.select(e.c.id, e.c.removed_by, e.c.removal_reason))
            }
        open_ids = {i for i, r in after.items() if r.removed_by is None}
        assert open_ids == {"lst_a1", "lst_b2", "lst_c1", "lst_d1", "lst_e1"}
        assert after["lst_e2"].removed_by == "y"  # already removed: untouched
        for closed, kept in (("lst_a2", "lst_a1"), ("lst_b1", "lst_b2"), ("lst_c2", "lst_c1")):
            assert after[closed].removed_by == "system:migration-0028"
            assert after[closed].removal_reason.startswith(f"duplicate of {kept}")
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.insert(e), [row("lst_a3", "black", "k1", now)])
    finally:
        db.dispose()
