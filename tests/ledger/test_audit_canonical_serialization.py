"""The canonical body is JSON with sorted keys and no whitespace, instants in UTC ISO-8601,
Decimals as strings; whatever cannot be written exactly (floats, naive datetimes) is refused."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from fengkong.audit.chain import GENESIS_HASH, append, canonical_body, canonical_json, record_hash
from fengkong.core.errors import Invalid

SHANGHAI = timezone(timedelta(hours=8))


def test_body_is_sorted_compact_utc_and_decimal_strings() -> None:
    record = append(
        None,
        at=datetime(2025, 3, 31, 9, 30, tzinfo=SHANGHAI),
        actor="officer_1",
        action="loan.approved",
        subject_type="loan",
        subject_id="loan_01",
        payload={
            "rate": Decimal("0.1800"),
            "amount": 500000,
            "due": date(2025, 4, 30),
            "note": "人工复核",
        },
    )

    assert canonical_body(record) == (
        '{"action":"loan.approved","actor":"officer_1",'
        '"at":"2025-03-31T01:30:00.000000Z",'
        '"payload":{"amount":500000,"due":"2025-04-30","note":"人工复核","rate":"0.1800"},'
        '"seq":1,"subject_id":"loan_01","subject_type":"loan"}'
    )
    expected = hashlib.sha256((GENESIS_HASH + canonical_body(record)).encode()).hexdigest()
    assert record.hash == record_hash(record) == expected


def test_same_instant_in_another_zone_hashes_the_same() -> None:
    def at(when: datetime) -> str:
        return append(None, at=when, actor="a", action="b", subject_type="c", subject_id="d").hash

    assert at(datetime(2025, 3, 31, 9, 30, tzinfo=SHANGHAI)) == at(
        datetime(2025, 3, 31, 1, 30, tzinfo=UTC)
    )


def test_nested_payload_keys_are_sorted() -> None:
    assert canonical_json({"b": [1, {"z": 1, "a": None}], "a": True}) == (
        '{"a":true,"b":[1,{"a":null,"z":1}]}'
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"amount": 12.5},
        {"at": datetime(2025, 3, 31, 9, 0)},
        {"rate": Decimal("NaN")},
        {1: "non-string key"},
        {"ids": {"a", "b"}},
    ],
)
def test_values_that_cannot_be_written_exactly_are_refused(payload: Any) -> None:
    with pytest.raises(Invalid):
        append(
            None,
            at=datetime(2025, 3, 31, tzinfo=UTC),
            actor="a",
            action="b",
            subject_type="c",
            subject_id="d",
            payload=payload,
        )
