"""What access control stores: people (users), their login sessions, and channel API keys.

Secrets are never held in clear: a user's password as an argon2 hash, a session or key secret as
its SHA-256, a TOTP secret as a vault token (`totp_secret_enc`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from fengkong.core.actor import Actor, Role
from fengkong.core.errors import FieldError, Invalid

# Roles whose holders must give a TOTP code at login: they approve and they administer.
SECOND_FACTOR_ROLES = frozenset({Role.APPROVER, Role.ADMIN})
# Roles a key may not hold: approving is a person's checker duty (maker-checker names a person),
# and whoever holds admin can mint keys and users.
PEOPLE_ONLY_ROLES = frozenset({Role.APPROVER, Role.ADMIN})
# Roles a person may not hold: a machine's duty, which gives no page, session or API to a person.
KEYS_ONLY_ROLES = frozenset({Role.METRICS_SCRAPER})

_LOGIN = re.compile(r"[a-z][a-z0-9._-]{1,63}")
_KEY_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class UserStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


@dataclass(frozen=True, slots=True)
class User:
    """A person who logs in. `failed_attempts` counts consecutive failures since the last
    success or lock; `locked_until` is set when they reach the configured limit. `totp_last_step`
    is the time step of the last TOTP code accepted, so a code is never accepted twice."""

    id: str
    login: str
    display_name: str
    roles: frozenset[Role]
    status: UserStatus
    password_hash: str
    failed_attempts: int
    locked_until: datetime | None
    totp_secret_enc: str | None
    totp_last_step: int | None
    created_at: datetime
    created_by: str
    updated_at: datetime

    @property
    def needs_second_factor(self) -> bool:
        return bool(self.roles & SECOND_FACTOR_ROLES)

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def actor(self) -> Actor:
        return Actor(name=self.login, kind="user", roles=self.roles)


@dataclass(frozen=True, slots=True)
class LoginSession:
    """A login: the SHA-256 of its `fks_…` token, never the token. It ends at `idle_deadline`
    (last use plus the idle lifetime) or `expires_at` (absolute), whichever is first, or when
    revoked (logout, password reset, user disabled)."""

    id: str
    token_sha256: str
    user_id: str
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A channel's or partner's key: `fkk_<id>_<secret>`, of which only the SHA-256 of the whole
    is stored. `channel` is the sales channel the key submits for."""

    id: str
    name: str
    secret_sha256: str
    roles: frozenset[Role]
    channel: str | None
    created_at: datetime
    created_by: str
    expires_at: datetime | None
    revoked_at: datetime | None
    revoked_by: str | None
    last_used_at: datetime | None

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)

    def actor(self) -> Actor:
        return Actor(name=self.name, kind="key", roles=self.roles, channel=self.channel)


@dataclass(frozen=True, slots=True)
class TotpEnrolment:
    """What a person needs to set up an authenticator app: the secret (base32) and the
    `otpauth://` URI a QR code carries. Shown once, when enrolled."""

    login: str
    secret: str
    uri: str


def check_login(login: str) -> str:
    """A login name, lower-cased: a letter, then 1 to 63 letters, digits, `.`, `_` or `-`."""
    value = login.strip().lower()
    if not _LOGIN.fullmatch(value):
        raise Invalid(
            (
                FieldError(
                    ("login",),
                    "2 to 64 characters: a letter, then letters, digits, '.', '_' or '-'",
                ),
            )
        )
    return value


def check_key_name(name: str) -> str:
    value = name.strip()
    if not _KEY_NAME.fullmatch(value):
        raise Invalid(
            (FieldError(("name",), "1 to 64 characters: letters, digits, '.', '_' or '-'"),)
        )
    return value


def check_person_roles(roles: frozenset[Role]) -> frozenset[Role]:
    """`roles` when a person may hold them all; `Invalid` naming the keys-only ones otherwise."""
    machines = sorted(r.value for r in roles & KEYS_ONLY_ROLES)
    if machines:
        raise Invalid(
            (FieldError(("roles",), f"a person cannot hold {', '.join(machines)}: keys only"),)
        )
    return roles


def parse_roles(values: Iterable[str], loc: str = "roles") -> frozenset[Role]:
    """Roles named by their values (`officer`, `risk_manager`…); `Invalid` naming the allowed set
    for an unknown one or none."""
    allowed = tuple(r.value for r in Role)
    roles: set[Role] = set()
    errors = []
    for i, name in enumerate(values):
        text = str(name).strip().lower()
        try:
            roles.add(Role(text))
        except ValueError:
            errors.append(FieldError((loc, i), f"unknown role {text!r}", "enum", allowed))
    if not errors and not roles:
        errors.append(FieldError((loc,), "at least one role", "missing", allowed))
    if errors:
        raise Invalid(tuple(errors))
    return frozenset(roles)
