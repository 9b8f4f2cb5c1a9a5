"""List administration on the in-memory unit of work: an add is audited and refused while the key
is active on that list, a lapsed entry is closed when its key comes back, a removal is audited
once, and a CSV import adds its good rows and reports each bad one. The store as kept in the
database is held to the same answers by `tests/contracts/test_list_entry_store.py`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fakes import MemoryStore, MemoryUnitOfWork
from fengkong.audit.verify import verify
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict, Invalid, NotFound
from fengkong.fraud.keys import Hasher, KeyType
from fengkong.fraud.list_admin import (
    ListAdmin,
    ListEntryQuery,
    add_entry,
    export_entries,
    find_entries,
    import_entries,
    key_of,
    remove_entry,
)
from fengkong.fraud.lists import ListEntry, ListKind, NewListEntry

NewUow = Callable[[], MemoryUnitOfWork]
T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PHONE = "13812345678"
HEADER = "list,key_type,value,reason,source,expires_at\n"
EVERY = ListEntryQuery(include_inactive=True, limit=None)


def _entry(**changes: Any) -> NewListEntry:
    values: dict[str, Any] = {
        "list": ListKind.BLACK,
        "key_type": KeyType.MOBILE,
        "value": PHONE,
        "reason": "confirmed fraud",
        "source": "case-17",
    }
    return NewListEntry(**{**values, **changes})


@pytest.fixture
def admin(memory_uow: NewUow, hasher: Hasher) -> ListAdmin:
    return ListAdmin(memory_uow, hasher, FakeClock(T))


def _open_ids(admin: ListAdmin) -> list[str]:
    return sorted(e.id for e in find_entries(EVERY, admin) if e.removed_at is None)


def _audited(memory_uow: NewUow) -> list[tuple[str, str]]:
    with memory_uow() as uow:
        assert verify(uow.audit.stream(), head=uow.audit.head()) == ()
        return [(r.action, r.subject_id) for r in uow.audit.stream()]


def test_an_add_is_audited_and_refused_while_the_key_is_active(
    admin: ListAdmin, memory_uow: NewUow
) -> None:
    first = add_entry(_entry(), " officer.li ", admin)
    assert (first.added_by, first.added_at, first.display) == ("officer.li", T, "138****5678")
    assert first.key_hash == key_of(KeyType.MOBILE, PHONE, admin) and PHONE not in repr(first)

    with pytest.raises(Conflict, match=f"already on the black list as {first.id}"):
        add_entry(_entry(reason="seen again"), "officer.wang", admin)
    grey = add_entry(_entry(list=ListKind.GREY), "officer.wang", admin)  # another list: no clash

    assert _open_ids(admin) == sorted([first.id, grey.id])
    assert _audited(memory_uow) == [("list.entry_added", first.id), ("list.entry_added", grey.id)]
    with pytest.raises(Invalid, match="already past"):
        add_entry(_entry(expires_at=T), "officer.li", admin)


def test_a_removal_is_kept_and_audited_once(admin: ListAdmin, memory_uow: NewUow) -> None:
    entry = add_entry(_entry(), "officer.li", admin)

    removed = remove_entry(entry.id, "officer.wang", "  cleared by review ", admin)

    assert (removed.removed_by, removed.removed_at, removed.removal_reason) == (
        "officer.wang",
        T,
        "cleared by review",
    )
    assert find_entries(EVERY, admin) == (removed,)
    assert find_entries(ListEntryQuery(), admin) == ()  # active ones only
    with pytest.raises(Conflict, match="already removed"):
        remove_entry(entry.id, "officer.wang", "again", admin)
    with pytest.raises(NotFound):
        remove_entry("lst_missing", "officer.wang", "x", admin)
    with pytest.raises(Invalid, match="reason"):
        remove_entry(entry.id, "officer.wang", "   ", admin)
    assert _audited(memory_uow) == [
        ("list.entry_added", entry.id),
        ("list.entry_removed", entry.id),
    ]
    again = add_entry(_entry(reason="back"), "officer.li", admin)  # removed: the key is free
    assert _open_ids(admin) == [again.id]


def test_adding_a_lapsed_key_again_closes_the_lapsed_entry(
    memory_uow: NewUow, hasher: Hasher
) -> None:
    clock = FakeClock(T)
    admin = ListAdmin(memory_uow, hasher, clock)
    lapsed = add_entry(_entry(expires_at=T + timedelta(days=1)), "officer.li", admin)
    clock.advance(timedelta(days=2))

    again = add_entry(_entry(reason="back again"), "officer.wang", admin)

    assert _open_ids(admin) == [again.id]
    with memory_uow() as uow:
        closed = uow.list_entries.get(lapsed.id)
        removals = [r for r in uow.audit.stream() if r.action == "list.entry_removed"]
    assert closed is not None
    assert (closed.removed_by, closed.removed_at) == ("officer.wang", clock.now())
    assert closed.removal_reason is not None and again.id in closed.removal_reason
    assert [(r.subject_id, r.payload["replaced_by"]) for r in removals] == [(lapsed.id, again.id)]
    # an import does the same
    clock.advance(timedelta(days=1))
    expiring = add_entry(
        _entry(key_type=KeyType.DEVICE, value="dev-9", expires_at=clock.now() + timedelta(hours=1)),
        "officer.li",
        admin,
    )
    clock.advance(timedelta(hours=2))
    report = import_entries(HEADER + "black,device,dev-9,back,ops,\n", "import:2", admin)
    assert report.rejected == () and len(report.accepted) == 1
    with memory_uow() as uow:
        gone = uow.list_entries.get(expiring.id)
    assert gone is not None and gone.removed_at == clock.now()


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
black,resident_id,11010519491231002X,same person again,ops,
"""


def test_an_import_adds_the_good_rows_and_reports_each_bad_one(
    admin: ListAdmin, memory_uow: NewUow
) -> None:
    report = import_entries(CSV, "import:batch-9", admin)

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
        12: {("value", "duplicate")},
    }
    assert sorted(e.id for e in report.accepted) == _open_ids(admin)
    assert [a for a, _ in _audited(memory_uow)] == ["list.entry_added"] * 3
    text, count = export_entries(ListEntryQuery(list=ListKind.GREY), admin)
    assert count == 1 and "11010519491231002" not in text


def test_a_bad_header_imports_nothing(admin: ListAdmin, memory_uow: NewUow) -> None:
    with pytest.raises(Invalid) as caught:
        import_entries("list,kind,value\nblack,mobile,13812345678\n", "ops", admin)
    assert "key_type" in caught.value.errors[0].msg
    assert find_entries(EVERY, admin) == ()
    assert _audited(memory_uow) == []


class _Blind:
    """The store, whose first `open_on` of the test sees nothing open: as if the other add
    committed between this one's read and its insert."""

    def __init__(self, store: Any, fooled: list[bool]) -> None:
        self.store, self.fooled = store, fooled

    def open_on(self, keys: Sequence[tuple[KeyType, str]]) -> list[ListEntry]:
        if not self.fooled:
            self.fooled.append(True)
            return []
        return list(self.store.open_on(keys))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


class _BlindUnitOfWork(MemoryUnitOfWork):
    def __init__(self, store: MemoryStore, fooled: list[bool]) -> None:
        super().__init__(store)
        self._fooled = fooled

    def __enter__(self) -> _BlindUnitOfWork:
        super().__enter__()
        self.list_entries = _Blind(self.list_entries, self._fooled)  # type: ignore[assignment]
        return self


def test_an_add_that_missed_a_concurrent_add_is_the_same_conflict(
    admin: ListAdmin, memory_store: MemoryStore, memory_uow: NewUow, hasher: Hasher
) -> None:
    first = add_entry(_entry(), "officer.li", admin)
    fooled: list[bool] = []
    racing = ListAdmin(lambda: _BlindUnitOfWork(memory_store, fooled), hasher, FakeClock(T))

    with pytest.raises(Conflict, match=f"already on the black list as {first.id}"):
        add_entry(_entry(reason="seen again"), "officer.wang", racing)

    assert fooled == [True]  # the add was refused by the store, and read again
    assert _open_ids(admin) == [first.id]
    assert _audited(memory_uow) == [("list.entry_added", first.id)]  # nothing of the refused one
