"""The storage access control asks for, implemented in `db/` (`db.access_repository`), and the
cipher that seals TOTP secrets (the personal-data vault, wired in `bootstrap`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from fengkong.access.config import AccessConfig
from fengkong.access.credentials import Passwords
from fengkong.access.records import ApiKey, LoginSession, User
from fengkong.audit.port import AuditAppender
from fengkong.core.clock import Clock
from fengkong.core.uow import UnitOfWork


class Cipher(Protocol):
    """Field-bound authenticated encryption (`onboarding.vault.Vault` is one)."""

    def encrypt(self, field: str, clear: str) -> str: ...
    def decrypt(self, field: str, token: str) -> str: ...


class UserStore(Protocol):
    def add(self, user: User) -> None: ...
    def get(self, user_id: str) -> User | None: ...
    def by_login(self, login: str) -> User | None: ...
    def all(self) -> Sequence[User]: ...
    def update(self, user: User) -> None:
        """Store every field of `user` over the row of its id."""
        ...

    def count_failure(self, user_id: str, at: datetime) -> int:
        """Add one failed attempt, at once in the database (concurrent failures all count);
        the count after it."""
        ...

    def accept_totp_step(self, user_id: str, step: int) -> bool:
        """Record `step` as the last TOTP step used, only if it is later than the one stored:
        False when another login already used it (or a later one)."""
        ...


class SessionStore(Protocol):
    def add(self, session: LoginSession) -> None: ...
    def by_token_hash(self, token_sha256: str) -> LoginSession | None: ...
    def touch(self, session_id: str, at: datetime) -> None: ...
    def revoke(self, session_id: str, at: datetime) -> bool:
        """End a session not ended yet; False if it already was."""
        ...

    def revoke_all_of(self, user_id: str, at: datetime) -> int: ...


class ApiKeyStore(Protocol):
    def add(self, key: ApiKey) -> None: ...
    def get(self, key_id: str) -> ApiKey | None: ...
    def by_name(self, name: str) -> ApiKey | None: ...
    def all(self) -> Sequence[ApiKey]: ...
    def touch(self, key_id: str, at: datetime) -> None: ...
    def revoke(self, key_id: str, at: datetime, by: str) -> bool: ...


class AccessUnitOfWork(UnitOfWork, Protocol):
    @property
    def users(self) -> UserStore: ...
    @property
    def sessions(self) -> SessionStore: ...
    @property
    def api_keys(self) -> ApiKeyStore: ...
    @property
    def audit(self) -> AuditAppender: ...


class KeyReader(Protocol):
    """An API key by its id, read on its own, outside any unit of work: every request that
    presents a key reads it, and needs no transaction for that."""

    def __call__(self, key_id: str, /) -> ApiKey | None: ...


@dataclass(frozen=True)
class Access:
    """What the access use cases need: a unit of work per call, the key reader, the clock, the
    configuration, and the cipher for TOTP secrets."""

    uow: Callable[[], AccessUnitOfWork]
    read_key: KeyReader
    clock: Clock
    cipher: Cipher
    config: AccessConfig = field(default_factory=AccessConfig)
    passwords: Passwords = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "passwords", Passwords.of(self.config.password_cost))
