"""Velocity: how many applications, and how much money, one key has seen over sliding windows.

The pure core: windows, events, snapshots and the `VelocityStore` port. The SQL store
(`db.fraud_velocity`) is the default; the Redis store (`db.redis_velocity`) holds hot counters in
production. A window counts the events at instants in `(at - duration, at]`; a key the event
does not carry (no device id, no IP) is *unknown*, which is not the same as zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Literal, Protocol

from fengkong.core.errors import FieldError, Invalid, Unavailable
from fengkong.core.money import Fen
from fengkong.fraud.keys import Hasher, KeyType, canonical_key, hash_keys, ip_prefix

__all__ = [
    "DEFAULT_WINDOWS",
    "KeyVelocity",
    "OnRedisError",
    "VelocityEvent",
    "VelocitySnapshot",
    "VelocityStore",
    "VelocityUnavailable",
    "Window",
    "WindowCount",
    "parse_window",
    "velocity_event",
]

OnRedisError = Literal["fail_closed", "fallback_db"]


class VelocityUnavailable(Unavailable):
    """The velocity counters could not be read or written: the decision must refer, not guess."""


@dataclass(frozen=True, slots=True)
class Window:
    name: str  # "24h": how features and reasons refer to it
    duration: timedelta

    def __post_init__(self) -> None:
        if self.duration <= timedelta(0):
            raise ValueError("a velocity window has a positive duration")


_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def parse_window(text: str) -> Window:
    """`"90m"`, `"24h"`, `"7d"` → a `Window` of that name."""
    unit = _UNITS.get(text[-1:])
    if unit is None or not text[:-1].isdigit() or int(text[:-1]) <= 0:
        raise Invalid((FieldError(("windows",), f"not a window like 1h, 24h or 7d: {text!r}"),))
    return Window(text, unit * int(text[:-1]))


DEFAULT_WINDOWS: tuple[Window, ...] = tuple(parse_window(w) for w in ("1h", "24h", "7d", "30d"))


@dataclass(frozen=True, slots=True)
class VelocityEvent:
    """One application as velocity sees it. Key values are canonical and in clear, held only in
    memory: stores hash them before anything leaves the process."""

    event_id: str
    at: datetime
    amount: Fen
    keys: Mapping[KeyType, str | None] = field(repr=False)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("a velocity event needs a timezone-aware instant")
        if not self.event_id or len(self.event_id) > 64:
            raise ValueError("a velocity event id is 1 to 64 characters")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError("a velocity amount is a non-negative integer of fen")
        object.__setattr__(self, "keys", MappingProxyType(dict(self.keys)))

    def hashed(self, hasher: Hasher) -> tuple[tuple[KeyType, str | None], ...]:
        return hash_keys(self.keys, hasher)


def velocity_event(
    event_id: str,
    at: datetime,
    amount: Fen,
    as_of: date,
    *,
    resident_id: str | None = None,
    mobile: str | None = None,
    device: str | None = None,
    ip: str | None = None,
    bank_card: str | None = None,
    employer: str | None = None,
) -> VelocityEvent:
    """An event from raw values: each is canonicalized (an invalid one is a field error listing
    every bad key), blanks count as missing, and the IP's /24 is derived from the IP."""
    raw: dict[KeyType, str | None] = {
        KeyType.RESIDENT_ID: resident_id,
        KeyType.MOBILE: mobile,
        KeyType.DEVICE: device,
        KeyType.IP: ip,
        KeyType.BANK_CARD: bank_card,
        KeyType.EMPLOYER: employer,
    }
    keys: dict[KeyType, str | None] = {}
    errors: list[FieldError] = []
    for key_type, value in raw.items():
        if value is None or not value.strip():
            keys[key_type] = None
            continue
        try:
            keys[key_type] = canonical_key(key_type, value, as_of)
        except Invalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise Invalid(tuple(errors))
    address = keys[KeyType.IP]
    keys[KeyType.IP_PREFIX] = None if address is None else ip_prefix(address)
    return VelocityEvent(event_id, at, amount, keys)


@dataclass(frozen=True, slots=True)
class WindowCount:
    window: Window
    count: int
    amount: Fen  # the sum of the events' amounts


@dataclass(frozen=True, slots=True)
class KeyVelocity:
    key_type: KeyType
    windows: tuple[WindowCount, ...] | None  # None: the key was missing, the signal is unknown

    @property
    def known(self) -> bool:
        return self.windows is not None

    def window(self, name: str) -> WindowCount | None:
        for wc in self.windows or ():
            if wc.window.name == name:
                return wc
        return None


@dataclass(frozen=True, slots=True)
class VelocitySnapshot:
    at: datetime
    windows: tuple[Window, ...]
    keys: tuple[KeyVelocity, ...]
    backend: str  # "sql" or "redis": which store answered

    def for_key(self, key_type: KeyType) -> KeyVelocity | None:
        for kv in self.keys:
            if kv.key_type is key_type:
                return kv
        return None

    def count(self, key_type: KeyType, window: str) -> int | None:
        """The count, or `None` when the key is unknown (or was not asked about)."""
        kv = self.for_key(key_type)
        wc = kv.window(window) if kv is not None else None
        return None if wc is None else wc.count

    def amount(self, key_type: KeyType, window: str) -> Fen | None:
        kv = self.for_key(key_type)
        wc = kv.window(window) if kv is not None else None
        return None if wc is None else wc.amount


class VelocityStore(Protocol):
    def record_and_count(
        self, event: VelocityEvent, windows: tuple[Window, ...] = DEFAULT_WINDOWS
    ) -> VelocitySnapshot:
        """Record the event under each of its keys and return the counts and sums per key and
        window, this event included, as of `event.at`. Atomic per key: concurrent writers on one
        key see distinct counts, and none is lost. Recording an event id again counts it once."""
        ...

    def count(
        self,
        keys: Mapping[KeyType, str | None],
        windows: tuple[Window, ...] = DEFAULT_WINDOWS,
        at: datetime | None = None,
    ) -> VelocitySnapshot:
        """Read-only counts for canonical key values as of `at` (default: the store's clock)."""
        ...


def check_windows(windows: tuple[Window, ...]) -> tuple[Window, ...]:
    if not windows:
        raise ValueError("at least one velocity window is needed")
    if len({w.name for w in windows}) != len(windows):
        raise ValueError("velocity window names must be distinct")
    return windows


def snapshot_from_rows(
    at: datetime,
    windows: tuple[Window, ...],
    hashed: tuple[tuple[KeyType, str | None], ...],
    totals: Mapping[KeyType, tuple[tuple[int, int], ...]],
    backend: str,
) -> VelocitySnapshot:
    """Assemble a snapshot: `totals[key_type]` holds `(count, amount)` per window, in order; a
    known key absent from `totals` had no events."""
    zero = tuple((0, 0) for _ in windows)
    keys: list[KeyVelocity] = []
    for key_type, digest in hashed:
        if digest is None:
            keys.append(KeyVelocity(key_type, None))
            continue
        rows = totals.get(key_type, zero)
        keys.append(
            KeyVelocity(
                key_type,
                tuple(
                    WindowCount(w, int(c), Fen(int(s)))
                    for w, (c, s) in zip(windows, rows, strict=True)
                ),
            )
        )
    return VelocitySnapshot(at, windows, tuple(keys), backend)
