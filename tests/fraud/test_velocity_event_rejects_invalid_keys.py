"""Invalid keys are field errors naming every bad field, not a crash and not a silent pass."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.fraud.keys import KeyType
from fengkong.fraud.velocity import velocity_event

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_every_bad_key_is_reported() -> None:
    with pytest.raises(Invalid) as caught:
        velocity_event(
            "e1",
            T,
            Fen(1),
            T.date(),
            resident_id="110105194912310022",  # wrong check digit
            mobile="12345",
            ip="300.1.1.1",
            bank_card="6222021234567890124",
            employer="91350100M000100Y4X",  # 18 code characters, bad check character
        )
    fields = {e.loc[0] for e in caught.value.errors}
    assert fields == {"resident_id", "mobile", "ip", "bank_card", "employer"}


def test_canonical_values_and_derived_prefix() -> None:
    event = velocity_event(
        "e2",
        T,
        Fen(1),
        T.date(),
        resident_id="11010519491231002x",
        mobile="+86 138-1234-5678",
        ip=" 203.0.113.77 ",
        employer="  Acme  Trading ",
    )
    assert event.keys[KeyType.RESIDENT_ID] == "11010519491231002X"
    assert event.keys[KeyType.MOBILE] == "13812345678"
    assert event.keys[KeyType.IP] == "203.0.113.77"
    assert event.keys[KeyType.IP_PREFIX] == "203.0.113.0/24"
    assert event.keys[KeyType.EMPLOYER] == "name:acme trading"
    assert "138" not in repr(event)


def test_ipv6_prefix_is_a_64() -> None:
    event = velocity_event("e3", T, Fen(1), T.date(), ip="2001:db8::1:2:3:4")
    assert event.keys[KeyType.IP_PREFIX] == "2001:db8::/64"
