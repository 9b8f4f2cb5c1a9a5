"""`fraud.list_admin.ListEntryStore`: one open entry per list and key, removal once, and the
look-ups the list administration makes."""

from __future__ import annotations

import pytest

from contracts.conftest import Backend
from contracts.rows import at, list_entry
from fengkong.fraud.keys import KeyType
from fengkong.fraud.list_admin import ListEntryQuery
from fengkong.fraud.lists import ListEntryTaken, ListKind

PHONE, CARD = "f" * 64, "e" * 64


def test_entries_read_back_as_stored(backend: Backend) -> None:
    black = list_entry("lst_1", expires_at=at(60))
    grey = list_entry("lst_2", list=ListKind.GREY)
    with backend.uow() as uow:
        uow.list_entries.add([black, grey])
        uow.list_entries.add([])
        uow.commit()
    with backend.uow() as uow:
        assert uow.list_entries.get("lst_1") == black
        assert uow.list_entries.get("lst_2") == grey
        assert uow.list_entries.get("lst_9") is None


def test_one_open_entry_per_list_and_key(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.list_entries.add([list_entry("lst_1")])
        uow.commit()
    with pytest.raises(ListEntryTaken), backend.uow() as uow:
        uow.list_entries.add([list_entry("lst_2", list=ListKind.GREY), list_entry("lst_3")])
    with backend.uow() as uow:
        assert uow.list_entries.get("lst_2") is None  # the whole add was refused
        assert uow.list_entries.mark_removed("lst_1", "li", at(5), "cleared") is True
        assert uow.list_entries.mark_removed("lst_1", "li", at(6), "again") is False
        assert uow.list_entries.mark_removed("lst_9", "li", at(6), "none") is False
        uow.list_entries.add([list_entry("lst_3", added_at=at(7))])
        uow.commit()
    with backend.uow() as uow:
        removed = uow.list_entries.get("lst_1")
        assert (removed.removed_by, removed.removed_at, removed.removal_reason) == (
            "li",
            at(5),
            "cleared",
        )
        assert uow.list_entries.get("lst_3") is not None


def test_open_on_finds_unremoved_entries_on_the_keys(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.list_entries.add(
            [
                list_entry("lst_b", expires_at=at(1)),  # expired, still open
                list_entry("lst_a", list=ListKind.WHITE),
                list_entry("lst_c", key_type=KeyType.BANK_CARD, key_hash=CARD),
                list_entry("lst_d", list=ListKind.GREY, key_type=KeyType.DEVICE),
            ]
        )
        uow.list_entries.mark_removed("lst_a", "li", at(2), "mistake")
        uow.commit()
    with backend.uow() as uow:
        found = uow.list_entries.open_on([(KeyType.MOBILE, PHONE), (KeyType.BANK_CARD, CARD)])
        assert [e.id for e in found] == ["lst_b", "lst_c"]
        assert uow.list_entries.open_on([(KeyType.BANK_CARD, PHONE)]) == []
        assert uow.list_entries.open_on([]) == []


def test_find_filters_and_orders_newest_first(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.list_entries.add(
            [
                list_entry("lst_1", added_at=at(0)),
                list_entry("lst_2", list=ListKind.GREY, added_at=at(1), expires_at=at(30)),
                list_entry("lst_3", key_type=KeyType.DEVICE, key_hash=CARD, added_at=at(2)),
                list_entry("lst_4", list=ListKind.WHITE, added_at=at(2)),
            ]
        )
        uow.list_entries.mark_removed("lst_4", "li", at(3), "left the company")
        uow.commit()
    with backend.uow() as uow:

        def found(now: int, **query: object) -> list[str]:
            return [e.id for e in uow.list_entries.find(ListEntryQuery(**query), at(now))]  # type: ignore[arg-type]

        assert found(10) == ["lst_3", "lst_2", "lst_1"]
        assert found(30) == ["lst_3", "lst_1"]
        assert found(30, include_inactive=True) == ["lst_4", "lst_3", "lst_2", "lst_1"]
        assert found(10, list=ListKind.GREY) == ["lst_2"]
        assert found(10, key_type=KeyType.DEVICE) == ["lst_3"]
        assert found(10, key_hash=PHONE) == ["lst_2", "lst_1"]
        assert found(10, limit=1) == ["lst_3"]
        assert found(10, limit=None) == ["lst_3", "lst_2", "lst_1"]
