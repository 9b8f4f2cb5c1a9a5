"""Access control's stores (`access.stores`) over the users, user_sessions and api_keys
tables, in the caller's session; never commit."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fengkong.access.records import ApiKey, LoginSession, User, UserStatus
from fengkong.core.actor import Role
from fengkong.db.access_tables import api_keys, user_sessions, users
from fengkong.db.database import Database
from fengkong.db.driver_reads import standalone_reads

__all__ = ["SqlApiKeys", "SqlSessions", "SqlUsers"]


def _roles(value: Any) -> frozenset[Role]:
    return frozenset(Role(r) for r in value)


def _role_list(roles: frozenset[Role]) -> list[str]:
    return sorted(r.value for r in roles)


def _user(row: Any) -> User:
    return User(
        id=row["id"],
        login=row["login"],
        display_name=row["display_name"],
        roles=_roles(row["roles"]),
        status=UserStatus(row["status"]),
        password_hash=row["password_hash"],
        failed_attempts=row["failed_attempts"],
        locked_until=row["locked_until"],
        totp_secret_enc=row["totp_secret_enc"],
        totp_last_step=row["totp_last_step"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        updated_at=row["updated_at"],
    )


def _user_row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "login": user.login,
        "display_name": user.display_name,
        "roles": _role_list(user.roles),
        "status": user.status.value,
        "password_hash": user.password_hash,
        "failed_attempts": user.failed_attempts,
        "locked_until": user.locked_until,
        "totp_secret_enc": user.totp_secret_enc,
        "totp_last_step": user.totp_last_step,
        "created_at": user.created_at,
        "created_by": user.created_by,
        "updated_at": user.updated_at,
    }


class SqlUsers:
    """`access.stores.UserStore`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user: User) -> None:
        self.session.execute(users.insert().values(_user_row(user)))

    def get(self, user_id: str) -> User | None:
        row = self.session.execute(sa.select(users).where(users.c.id == user_id)).first()
        return None if row is None else _user(row._mapping)

    def by_login(self, login: str) -> User | None:
        row = self.session.execute(sa.select(users).where(users.c.login == login)).first()
        return None if row is None else _user(row._mapping)

    def all(self) -> Sequence[User]:
        rows = self.session.execute(sa.select(users).order_by(users.c.login))
        return [_user(r._mapping) for r in rows]

    def update(self, user: User) -> None:
        values = _user_row(user)
        del values["id"]
        self.session.execute(sa.update(users).where(users.c.id == user.id).values(values))

    def count_failure(self, user_id: str, at: datetime) -> int:
        # One statement: two failures at once both count, whatever each read before.
        count = self.session.execute(
            sa.update(users)
            .where(users.c.id == user_id)
            .values(failed_attempts=users.c.failed_attempts + 1, updated_at=at)
            .returning(users.c.failed_attempts)
        ).scalar_one()
        return int(count)

    def accept_totp_step(self, user_id: str, step: int) -> bool:
        done = self.session.execute(
            sa.update(users)
            .where(users.c.id == user_id)
            .where(sa.or_(users.c.totp_last_step.is_(None), users.c.totp_last_step < step))
            .values(totp_last_step=step)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]


def _session(row: Any) -> LoginSession:
    return LoginSession(
        id=row["id"],
        token_sha256=row["token_sha256"],
        user_id=row["user_id"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
    )


class SqlSessions:
    """`access.stores.SessionStore`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, session: LoginSession) -> None:
        self.session.execute(
            user_sessions.insert().values(
                id=session.id,
                token_sha256=session.token_sha256,
                user_id=session.user_id,
                created_at=session.created_at,
                last_used_at=session.last_used_at,
                expires_at=session.expires_at,
                revoked_at=session.revoked_at,
            )
        )

    def by_token_hash(self, token_sha256: str) -> LoginSession | None:
        row = self.session.execute(
            sa.select(user_sessions).where(user_sessions.c.token_sha256 == token_sha256)
        ).first()
        return None if row is None else _session(row._mapping)

    def touch(self, session_id: str, at: datetime) -> None:
        self.session.execute(
            sa.update(user_sessions)
            .where(user_sessions.c.id == session_id)
            .where(user_sessions.c.last_used_at < at)
            .values(last_used_at=at)
        )

    def revoke(self, session_id: str, at: datetime) -> bool:
        done = self.session.execute(
            sa.update(user_sessions)
            .where(user_sessions.c.id == session_id, user_sessions.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def revoke_all_of(self, user_id: str, at: datetime) -> int:
        done = self.session.execute(
            sa.update(user_sessions)
            .where(user_sessions.c.user_id == user_id, user_sessions.c.revoked_at.is_(None))
            .where(user_sessions.c.expires_at > at)
            .values(revoked_at=at)
        )
        return int(done.rowcount)  # type: ignore[attr-defined]


def _key(row: Any) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        secret_sha256=row["secret_sha256"],
        roles=_roles(row["roles"]),
        channel=row["channel"],
        created_at=row["created_at"],
        created_by=row["created_by"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        revoked_by=row["revoked_by"],
        last_used_at=row["last_used_at"],
    )


def api_key_reader(db: Database) -> Callable[[str], ApiKey | None]:
    """`access.stores.KeyReader` over `db`: one statement through the driver, outside any
    transaction (no BEGIN, no ROLLBACK), as every request presenting a key reads it."""
    statement = sa.select(api_keys).where(api_keys.c.id == sa.bindparam("key_id"))

    def read(key_id: str) -> ApiKey | None:
        with standalone_reads(db) as reader:
            rows = reader.mappings(statement, {"key_id": key_id})
        return _key(rows[0]) if rows else None

    return read


class SqlApiKeys:
    """`access.stores.ApiKeyStore`."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, key: ApiKey) -> None:
        self.session.execute(
            api_keys.insert().values(
                id=key.id,
                name=key.name,
                secret_sha256=key.secret_sha256,
                roles=_role_list(key.roles),
                channel=key.channel,
                created_at=key.created_at,
                created_by=key.created_by,
                expires_at=key.expires_at,
                revoked_at=key.revoked_at,
                revoked_by=key.revoked_by,
                last_used_at=key.last_used_at,
            )
        )

    def get(self, key_id: str) -> ApiKey | None:
        row = self.session.execute(sa.select(api_keys).where(api_keys.c.id == key_id)).first()
        return None if row is None else _key(row._mapping)

    def by_name(self, name: str) -> ApiKey | None:
        row = self.session.execute(sa.select(api_keys).where(api_keys.c.name == name)).first()
        return None if row is None else _key(row._mapping)

    def all(self) -> Sequence[ApiKey]:
        return [_key(r._mapping) for r in self.session.execute(sa.select(api_keys))]

    def touch(self, key_id: str, at: datetime) -> None:
        self.session.execute(
            sa.update(api_keys)
            .where(api_keys.c.id == key_id)
            .where(sa.or_(api_keys.c.last_used_at.is_(None), api_keys.c.last_used_at < at))
            .values(last_used_at=at)
        )

    def revoke(self, key_id: str, at: datetime, by: str) -> bool:
        done = self.session.execute(
            sa.update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=at, revoked_by=by)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]
