"""Identifiers: a prefix naming the kind and a ULID, so ids sort by creation time and say what they are."""

from __future__ import annotations

import secrets

from fengkong.core.clock import Clock

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _ulid(ms: int, randomness: int) -> str:
    value = (ms << 80) | randomness
    return "".join(_CROCKFORD[(value >> shift) & 0x1F] for shift in range(125, -1, -5))


def new_id(prefix: str, clock: Clock) -> str:
    """`app_01JD…`: 48 bits of milliseconds from the injected clock, 80 random bits."""
    ms = int(clock.now().timestamp() * 1000)
    return f"{prefix}_{_ulid(ms, secrets.randbits(80))}"
