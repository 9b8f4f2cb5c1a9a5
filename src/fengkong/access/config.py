"""How access control is tuned: lock-out, session lifetimes, password hashing cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class PasswordCost:
    """Argon2id parameters; None takes argon2-cffi's defaults (RFC 9106's low-memory profile),
    which production keeps. Tests lower them: hashing at full cost is slow by design."""

    time_cost: int | None = None
    memory_cost_kib: int | None = None
    parallelism: int | None = None


@dataclass(frozen=True, slots=True)
class AccessConfig:
    """`lockout_after` consecutive failed logins lock a user for `lockout_for`. A session ends
    after `session_idle` without use or `session_absolute` after login, whichever is first.
    `channels` are the sales channels a channel key may submit for."""

    lockout_after: int = 5
    lockout_for: timedelta = timedelta(minutes=15)
    session_idle: timedelta = timedelta(hours=8)
    session_absolute: timedelta = timedelta(hours=12)
    password_cost: PasswordCost = PasswordCost()
    totp_issuer: str = "Fengkong"
    channels: tuple[str, ...] = ()
    key_lifetime: timedelta | None = timedelta(days=365)
    # A session's or key's last use is written at most this often: a write per request would
    # make every read a write, and the idle deadline needs no finer grain.
    touch_every: timedelta = timedelta(minutes=1)

    def __post_init__(self) -> None:
        if self.lockout_after < 1:
            raise ValueError("lockout_after must be at least 1")
        if self.session_idle > self.session_absolute:
            raise ValueError("a session's idle lifetime cannot exceed its absolute lifetime")
