"""A small readable graph: two applications joined by a third that shares a device with one and
a phone with the other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import IdentityLinks, LinkApplication

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _app(name: str, minutes: int, declined: bool = False, **keys: str) -> LinkApplication:
    typed = tuple(sorted((KeyType(k), v) for k, v in keys.items()))
    return LinkApplication(name, T + timedelta(minutes=minutes), typed, declined=declined)


def test_small_ring(identity_links: IdentityLinks) -> None:
    links = identity_links
    a = links.link(_app("A", 0, declined=True, resident_id="id1", device="d1", mobile="p1"))
    b = links.link(_app("B", 10, resident_id="id2", mobile="p2"))
    c = links.link(_app("C", 70, resident_id="id3", device="d1", mobile="p2"))

    assert (a.component_size, b.component_size, c.component_size) == (1, 1, 3)
    assert a.bad_neighbours == 0 and c.bad_neighbours == 1  # A was declined
    assert c.ids_sharing_device == 2  # id1 and id3 on d1
    assert c.ids_sharing_phone == 2  # id2 and id3 on p2
    assert b.ids_sharing_device is None  # no device: unknown
    assert c.age(KeyType.DEVICE) == 70 * 60
    assert c.age(KeyType.MOBILE) == 60 * 60
    assert c.age(KeyType.RESIDENT_ID) == 0
    assert c.age(KeyType.IP) is None

    links.mark_outcome("B", declined=False, defaulted=True)
    d = links.link(_app("D", 80, resident_id="id4", mobile="p2"))
    assert (d.component_size, d.bad_neighbours) == (4, 1)  # B defaulted; C is clean
    with pytest.raises(ValueError):
        links.link(_app("D", 90, resident_id="id4"))
    with pytest.raises(ValueError):
        links.mark_outcome("E", declined=True, defaulted=False)
    assert sum(links.component_sizes().values()) == 4
