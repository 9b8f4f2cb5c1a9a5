"""Channel and partner API keys: issued by an admin (the secret shown once), listed, revoked.

A key is `fkk_<id>_<secret>`; only the SHA-256 of the whole is stored (see
`access.credentials` for why that suffices for a 256-bit random secret). Keys never hold the
approver or admin role: approving is a named person's duty, and administering mints keys."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fengkong.access.credentials import new_key_secret, sha256_hex
from fengkong.access.records import PEOPLE_ONLY_ROLES, ApiKey, check_key_name
from fengkong.access.stores import Access
from fengkong.core.actor import Actor, Role
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id

__all__ = ["IssuedKey", "KeyNameTaken", "KeyNotFound", "issue_key", "list_keys", "revoke_key"]

SUBJECT = "api_key"
DEFAULT = object()  # `expires_at` not given: the configured key lifetime


class KeyNotFound(NotFound):
    pass


class KeyNameTaken(Conflict):
    pass


class KeyRevoked(Conflict):
    pass


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A new key and its secret: the only time the secret exists outside its holder."""

    key: ApiKey
    secret: str


def _check(access: Access, roles: frozenset[Role], channel: str | None) -> str | None:
    errors = []
    people = sorted(r.value for r in roles & PEOPLE_ONLY_ROLES)
    if people:
        errors.append(FieldError(("roles",), f"a key cannot hold {', '.join(people)}: people only"))
    if channel is not None:
        channel = channel.strip().lower()
        if channel not in access.config.channels:
            errors.append(
                FieldError(("channel",), "unknown sales channel", "enum", access.config.channels)
            )
    elif Role.CHANNEL in roles:
        errors.append(
            FieldError(
                ("channel",),
                "a channel key names the sales channel it submits for",
                "missing",
                access.config.channels,
            )
        )
    if errors:
        raise Invalid(tuple(errors))
    return channel


def issue_key(
    access: Access,
    by: Actor,
    *,
    name: str,
    roles: frozenset[Role] = frozenset({Role.CHANNEL}),
    channel: str | None = None,
    expires_at: datetime | object | None = DEFAULT,
) -> IssuedKey:
    """A new key; `expires_at` None for a key that does not expire, left out for the configured
    lifetime from now."""
    by.require(Role.ADMIN, "issue API keys")
    name = check_key_name(name)
    channel = _check(access, roles, channel)
    now = access.clock.now()
    if expires_at is DEFAULT:
        lifetime = access.config.key_lifetime
        expires = None if lifetime is None else now + lifetime
    else:
        assert expires_at is None or isinstance(expires_at, datetime)
        expires = expires_at
        if expires is not None and expires <= now:
            raise Invalid((FieldError(("expires_at",), "must be in the future"),))
    key_id = new_id("key", access.clock)
    secret = new_key_secret(key_id.removeprefix("key_"))
    key = ApiKey(
        id=key_id,
        name=name,
        secret_sha256=sha256_hex(secret),
        roles=roles,
        channel=channel,
        created_at=now,
        created_by=by.audit_name,
        expires_at=expires,
        revoked_at=None,
        revoked_by=None,
        last_used_at=None,
    )
    with access.uow() as uow:
        if uow.api_keys.by_name(name) is not None:
            raise KeyNameTaken(f"a key named {name!r} exists (names stay taken after revocation)")
        uow.api_keys.add(key)
        uow.audit.append(
            at=now,
            actor=by.audit_name,
            action="access.key_issued",
            subject_type=SUBJECT,
            subject_id=key.id,
            payload={
                "name": name,
                "roles": sorted(r.value for r in roles),
                "channel": channel,
                "expires_at": expires,
            },
        )
        uow.commit()
    return IssuedKey(key, secret)


def list_keys(access: Access, by: Actor) -> Sequence[ApiKey]:
    if not by.has(Role.AUDITOR):
        by.require(Role.ADMIN, "list API keys")
    with access.uow() as uow:
        return sorted(uow.api_keys.all(), key=lambda k: k.name)


def revoke_key(access: Access, by: Actor, name: str) -> ApiKey:
    """Revoke a key by name: refused from now on. `KeyRevoked` if it was already."""
    by.require(Role.ADMIN, "revoke API keys")
    now = access.clock.now()
    with access.uow() as uow:
        key = uow.api_keys.by_name(check_key_name(name))
        if key is None:
            raise KeyNotFound(f"no key named {name.strip()!r}")
        if not uow.api_keys.revoke(key.id, now, by.audit_name):
            raise KeyRevoked(f"key {key.name!r} was revoked already")
        uow.audit.append(
            at=now,
            actor=by.audit_name,
            action="access.key_revoked",
            subject_type=SUBJECT,
            subject_id=key.id,
            payload={"name": key.name},
        )
        uow.commit()
        return uow.api_keys.get(key.id) or key
