"""What the shells ask of access control: turn a presented secret into an `Actor`."""

from __future__ import annotations

from typing import Protocol

from fengkong.core.actor import Actor

# A secret's prefix says what it is, so one header carries either.
API_KEY_PREFIX = "fkk_"
SESSION_PREFIX = "fks_"


class Authenticator(Protocol):
    def authenticate(self, secret: str) -> Actor:
        """The actor a channel key (`fkk_…`) or a login session (`fks_…`) stands for; raises
        `Unauthenticated` when the secret is unknown, expired, revoked or its user is disabled
        or locked out. Records the key's or session's last use."""
        ...
