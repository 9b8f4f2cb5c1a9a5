"""Secrets and how they are checked: argon2id for passwords, SHA-256 for random tokens, TOTP.

Passwords are chosen by people, so they are guessable: a slow, memory-hard hash (argon2id)
makes each guess against a stolen table costly. Session tokens and key secrets are 256 bits from
`secrets.token_urlsafe(32)`: nobody can guess one, so a stolen table of their SHA-256 gives
nothing to brute-force, and a fast hash lets every request be checked without spending ~50 ms
and 64 MiB on argon2. The hash still keeps a database reader from using the stored value as a
credential."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fengkong.access.config import PasswordCost
from fengkong.access.ports import API_KEY_PREFIX, SESSION_PREFIX
from fengkong.core.errors import FieldError, Invalid

PASSWORD_MIN = 12
PASSWORD_MAX = 1024
TOTP_DIGITS = 6
TOTP_PERIOD = 30  # seconds
# A code of the previous or the next 30-second step is accepted too: phones' clocks drift.
TOTP_WINDOW = 1


def password_hasher(cost: PasswordCost) -> PasswordHasher:
    defaults = PasswordHasher()
    return PasswordHasher(
        time_cost=cost.time_cost or defaults.time_cost,
        memory_cost=cost.memory_cost_kib or defaults.memory_cost,
        parallelism=cost.parallelism or defaults.parallelism,
    )


def check_password(password: str) -> str:
    """A new password: 12 to 1024 characters, not only spaces."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX or not password.strip():
        raise Invalid((FieldError(("password",), f"{PASSWORD_MIN} to {PASSWORD_MAX} characters"),))
    return password


@dataclass(frozen=True, slots=True)
class Passwords:
    """Hashes and verifies passwords under the configured argon2id cost."""

    hasher: PasswordHasher

    @classmethod
    def of(cls, cost: PasswordCost) -> Passwords:
        return cls(password_hasher(cost))

    def hash(self, password: str) -> str:
        return self.hasher.hash(check_password(password))

    def verify(self, stored: str, password: str) -> bool:
        try:
            return self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        """Whether `stored` was made under other parameters than the configured ones."""
        return self.hasher.check_needs_rehash(stored)

    def waste_time(self, password: str) -> None:
        """Verify against a hash nobody has, so that an unknown login name costs what a wrong
        password costs, and timing does not tell which names exist."""
        self.verify(_decoy(self.hasher), password)


_DECOYS: dict[tuple[int, int, int], str] = {}


def _decoy(hasher: PasswordHasher) -> str:
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in _DECOYS:
        _DECOYS[key] = hasher.hash(secrets.token_urlsafe(16))
    return _DECOYS[key]


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("ascii"), b.encode("ascii"))


def new_session_token() -> str:
    return SESSION_PREFIX + secrets.token_urlsafe(32)


def new_key_secret(key_ulid: str) -> str:
    """`fkk_<id>_<secret>`: the id finds the row, the secret proves possession."""
    return f"{API_KEY_PREFIX}{key_ulid}_{secrets.token_urlsafe(32)}"


def key_ulid_of(secret: str) -> str | None:
    """The id part of a `fkk_<id>_<secret>` key, or None when it is not shaped so."""
    if not secret.startswith(API_KEY_PREFIX):
        return None
    ulid, sep, rest = secret[len(API_KEY_PREFIX) :].partition("_")
    if not sep or not rest or not ulid.isalnum() or len(ulid) > 40:
        return None
    return ulid


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, login: str, issuer: str) -> str:
    return pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD).provisioning_uri(
        name=login, issuer_name=issuer
    )


def totp_step(secret: str, code: str, at: datetime, after: int | None) -> int | None:
    """The time step of `code` if it is the right code for a step within the window around `at`
    and later than `after` (the last step accepted: a code is good once); else None."""
    code = code.strip().replace(" ", "")
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD)
    now_step = int(at.timestamp()) // TOTP_PERIOD
    for step in range(now_step - TOTP_WINDOW, now_step + TOTP_WINDOW + 1):
        expected = totp.generate_otp(step)
        if hmac.compare_digest(expected, code) and (after is None or step > after):
            return step
    return None
