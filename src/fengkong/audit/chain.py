"""Hash-chained audit log (审计日志): its records, their canonical form and hashes, and how a new
record is chained onto the last.

Each record carries the hash of the one before it, `hash = sha256(prev_hash + canonical body)`, so
editing, deleting, reordering or inserting a record breaks the chain somewhere after it. A
record written while serving a request carries that request's id, inside the hashed body (a
record without one hashes as records did before request ids were kept). `audit.verify` reads a
chain back and reports what broke it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from types import MappingProxyType
from typing import Any

from fengkong.core.errors import FieldError, Invalid

GENESIS_HASH = "0" * 64
FIRST_SEQ = 1

JsonValue = None | bool | int | str | list["JsonValue"] | dict[str, "JsonValue"]


@dataclass(frozen=True, slots=True)
class ChainPoint:
    """A place in the chain: a sequence number and the hash of the record holding it."""

    seq: int
    hash: str


GENESIS = ChainPoint(FIRST_SEQ - 1, GENESIS_HASH)


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit log entry; a row of the `audit_record` table.

    `payload` holds JSON-native values only (`append` converts Decimals, dates and enums), so a
    record read back from a JSON column hashes exactly as it did when written. `request_id` is
    the id of the API request it was written for (None from the CLI or a batch job).
    """

    seq: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str
    request_id: str | None = None

    @property
    def point(self) -> ChainPoint:
        return ChainPoint(self.seq, self.hash)


# ---- canonical form and hashing -------------------------------------------------------------


def utc_iso(at: datetime) -> str:
    """`2025-03-31T01:00:00.000000Z`: one spelling per instant, whatever zone it came in."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise Invalid((FieldError(("at",), "must be timezone-aware"),))
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def to_json_value(value: object, loc: tuple[str | int, ...] = ("payload",)) -> JsonValue:
    """The JSON-native form of `value`. Floats are refused: their text is not exact, and an
    amount in an audit payload is fen (int) or a Decimal (kept as its string)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):
        return to_json_value(value.value, loc)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise Invalid((FieldError(loc, f"not a finite number: {value}"),))
        return str(value)
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        out: dict[str, JsonValue] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise Invalid((FieldError(loc, f"keys must be strings, not {key!r}"),))
            out[key] = to_json_value(item, (*loc, key))
        return out
    if isinstance(value, list | tuple):
        return [to_json_value(item, (*loc, i)) for i, item in enumerate(value)]
    raise Invalid((FieldError(loc, f"{type(value).__name__} is not JSON-able here"),))


def canonical_json(value: object) -> str:
    """Sorted keys, no whitespace, UTF-8 text kept as is."""
    return json.dumps(
        to_json_value(value, ()),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def canonical_body(record: AuditRecord) -> str:
    """Everything the hash covers besides `prev_hash`, which is hashed in front of it."""
    head, tail = body_around_seq(record)
    return f"{head}{record.seq}{tail}"


def body_around_seq(
    entry: AuditEntry | AuditRecord, payload_json: str | None = None
) -> tuple[str, str]:
    """The canonical body cut where the sequence number goes: `head + str(seq) + tail`. A store
    that numbers records itself (PostgreSQL's `audit_append`) completes and hashes it there;
    it sends the payload's `canonical_json` too, and passes it here to write it once.

    A request id is a member of the body only when there is one: a record without it has the
    body records had before request ids were kept, so those verify unchanged, and adding,
    removing or changing a record's request id changes its hash all the same."""
    members = {
        "at": canonical_json(utc_iso(entry.at)),
        "actor": canonical_json(entry.actor),
        "action": canonical_json(entry.action),
        "subject_type": canonical_json(entry.subject_type),
        "subject_id": canonical_json(entry.subject_id),
        "payload": canonical_json(entry.payload) if payload_json is None else payload_json,
    }
    if entry.request_id is not None:
        members["request_id"] = canonical_json(entry.request_id)
    before = [_member(k, members[k]) for k in sorted(members) if k < "seq"]
    after = [_member(k, members[k]) for k in sorted(members) if k > "seq"]
    return "{" + "".join(m + "," for m in before) + '"seq":', "".join("," + m for m in after) + "}"


def _member(key: str, value_json: str) -> str:
    return canonical_json(key) + ":" + value_json


def record_hash(record: AuditRecord) -> str:
    """sha256(prev_hash + canonical body), hex; what `record.hash` must equal."""
    return hashlib.sha256((record.prev_hash + canonical_body(record)).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """A record before it joins the chain: what happened, without its place and hashes."""

    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    payload: Mapping[str, JsonValue]
    request_id: str | None = None


def entry(
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: Mapping[str, object] | None = None,
    request_id: str | None = None,
) -> AuditEntry:
    """A checked entry: every name given, the instant aware (kept in UTC), the payload
    JSON-native, the request id None or text."""
    errors = [
        FieldError((name,), "required")
        for name, text in (
            ("actor", actor),
            ("action", action),
            ("subject_type", subject_type),
            ("subject_id", subject_id),
        )
        if not isinstance(text, str) or not text
    ]
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        errors.append(FieldError(("at",), "must be a timezone-aware datetime"))
    if request_id is not None and (not isinstance(request_id, str) or not request_id):
        errors.append(FieldError(("request_id",), "must be None or non-empty text"))
    if errors:
        raise Invalid(tuple(errors))
    body = to_json_value(payload or {})
    assert isinstance(body, dict)
    return AuditEntry(
        at=at.astimezone(UTC),
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        payload=MappingProxyType(body),
        request_id=request_id,
    )


def chained(prev: AuditRecord | ChainPoint | None, new: AuditEntry) -> AuditRecord:
    """`new` as the record that follows `prev` (None: the first record, after the genesis hash).

    Appends must be serialised by the store (a unique `seq` makes a racing append fail and retry).
    """
    after = GENESIS if prev is None else ChainPoint(prev.seq, prev.hash)
    draft = AuditRecord(
        seq=after.seq + 1,
        at=new.at,
        actor=new.actor,
        action=new.action,
        subject_type=new.subject_type,
        subject_id=new.subject_id,
        payload=new.payload,
        prev_hash=after.hash,
        hash="",
        request_id=new.request_id,
    )
    return replace(draft, hash=record_hash(draft))


def append(
    prev: AuditRecord | ChainPoint | None,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: str,
    payload: Mapping[str, object] | None = None,
    request_id: str | None = None,
) -> AuditRecord:
    """The record that follows `prev`: `chained(prev, entry(...))`."""
    return chained(
        prev,
        entry(
            at=at,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            payload=payload,
            request_id=request_id,
        ),
    )
