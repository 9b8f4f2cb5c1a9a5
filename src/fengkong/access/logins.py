"""Logging in, out, and turning a presented secret into an actor.

A failed login says the same thing whether the name is unknown, the password wrong or the TOTP
code wrong or missing, and an unknown name costs a password verification too, so neither the
message nor the time tells which login names exist. Every failure against a known user counts;
`lockout_after` consecutive ones lock the user for `lockout_for` (audited), during which logins
are refused before the password is looked at, saying until when."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from fengkong.access.credentials import (
    key_ulid_of,
    new_session_token,
    same_hash,
    sha256_hex,
    totp_step,
)
from fengkong.access.ports import API_KEY_PREFIX, SESSION_PREFIX
from fengkong.access.records import LoginSession, User, UserStatus
from fengkong.access.stores import Access, AccessUnitOfWork
from fengkong.access.users import TOTP_FIELD
from fengkong.core.actor import Actor, system
from fengkong.core.errors import Invalid, Unauthenticated
from fengkong.core.ids import new_id

__all__ = ["AccessAuthenticator", "StartedSession", "login", "logout"]

FAILED = "unknown login name, wrong password or wrong TOTP code (approvers and admins also give a TOTP code)"
UNKNOWN_SECRET = "unknown or expired credentials"
LOCKER = system("access")


class LockedOut(Unauthenticated):
    pass


class Disabled(Unauthenticated):
    pass


@dataclass(frozen=True, slots=True)
class StartedSession:
    """A login's token (shown to its owner once, stored only hashed), the session and who."""

    token: str
    session: LoginSession
    user: User

    @property
    def actor(self) -> Actor:
        return self.user.actor()


def _locked_message(until: datetime) -> str:
    return (
        f"account locked after too many failed logins, until {until.isoformat(timespec='seconds')}"
        " (or until an admin runs `fengkong users unlock`)"
    )


def _fail(access: Access, uow: AccessUnitOfWork, user: User, now: datetime) -> Unauthenticated:
    """Count the failure (committed, whatever the caller raises next) and lock the user when it
    reaches the limit; the error to raise."""
    count = uow.users.count_failure(user.id, now)
    error: Unauthenticated = Unauthenticated(FAILED)
    if count >= access.config.lockout_after:
        until = now + access.config.lockout_for
        fresh = uow.users.get(user.id) or user
        uow.users.update(replace(fresh, failed_attempts=0, locked_until=until, updated_at=now))
        uow.audit.append(
            at=now,
            actor=LOCKER.audit_name,
            action="access.user_locked",
            subject_type="user",
            subject_id=user.id,
            payload={"login": user.login, "failed_attempts": count, "locked_until": until},
        )
        error = LockedOut(_locked_message(until))
    uow.commit()
    return error


def login(
    access: Access, login_name: str, password: str, totp: str | None = None
) -> StartedSession:
    """Check the password (and, for approvers and admins, a TOTP code not used before), then
    start a session; `Unauthenticated` otherwise."""
    now = access.clock.now()
    with access.uow() as uow:
        try:
            user = uow.users.by_login(login_name.strip().lower())
        except Invalid:
            user = None
        if user is None:
            access.passwords.waste_time(password)
            raise Unauthenticated(FAILED)
        if user.locked_at(now):
            assert user.locked_until is not None
            raise LockedOut(_locked_message(user.locked_until))
        if not access.passwords.verify(user.password_hash, password):
            raise _fail(access, uow, user, now)
        if user.status is not UserStatus.ACTIVE:
            raise Disabled("this account is disabled; an admin can enable it")
        if user.needs_second_factor:
            step = None
            if user.totp_secret_enc is not None and totp:
                secret = access.cipher.decrypt(TOTP_FIELD, user.totp_secret_enc)
                step = totp_step(secret, totp, now, user.totp_last_step)
            if step is None or not uow.users.accept_totp_step(user.id, step):
                raise _fail(access, uow, user, now)
            user = replace(user, totp_last_step=step)
        password_hash = user.password_hash
        if access.passwords.needs_rehash(password_hash):  # the configured cost has changed
            password_hash = access.passwords.hasher.hash(password)
        user = replace(user, password_hash=password_hash, failed_attempts=0, locked_until=None)
        if user != uow.users.get(user.id):
            uow.users.update(replace(user, updated_at=now))
        token = new_session_token()
        session = LoginSession(
            id=new_id("ses", access.clock),
            token_sha256=sha256_hex(token),
            user_id=user.id,
            created_at=now,
            last_used_at=now,
            expires_at=now + access.config.session_absolute,
            revoked_at=None,
        )
        uow.sessions.add(session)
        uow.audit.append(
            at=now,
            actor=user.actor().audit_name,
            action="access.session_started",
            subject_type="user",
            subject_id=user.id,
            payload={"session_id": session.id, "expires_at": session.expires_at},
        )
        uow.commit()
    return StartedSession(token, session, user)


def _live_session(access: Access, uow: AccessUnitOfWork, token: str, now: datetime) -> LoginSession:
    session = uow.sessions.by_token_hash(sha256_hex(token))
    if (
        session is None
        or session.revoked_at is not None
        or now >= session.expires_at
        or now >= session.last_used_at + access.config.session_idle
    ):
        raise Unauthenticated(UNKNOWN_SECRET)
    return session


def logout(access: Access, token: str) -> Actor:
    """End the session of `token`; who it was. `Unauthenticated` if it had ended already."""
    now = access.clock.now()
    with access.uow() as uow:
        session = _live_session(access, uow, token, now)
        user = uow.users.get(session.user_id)
        uow.sessions.revoke(session.id, now)
        uow.commit()
    if user is None:
        raise Unauthenticated(UNKNOWN_SECRET)
    return user.actor()


class AccessAuthenticator:
    """`access.ports.Authenticator` over the stored sessions and keys: refuses a secret that is
    unknown, expired or revoked, a session whose user is disabled or locked out; records the
    last use (at most once per `touch_every`)."""

    def __init__(self, access: Access) -> None:
        self.access = access

    def authenticate(self, secret: str) -> Actor:
        secret = secret.strip()
        if secret.startswith(SESSION_PREFIX):
            return self._session(secret)
        if secret.startswith(API_KEY_PREFIX):
            return self._key(secret)
        raise Unauthenticated(UNKNOWN_SECRET)

    def _session(self, token: str) -> Actor:
        now = self.access.clock.now()
        with self.access.uow() as uow:
            session = _live_session(self.access, uow, token, now)
            user = uow.users.get(session.user_id)
            if user is None or user.status is not UserStatus.ACTIVE or user.locked_at(now):
                raise Unauthenticated(UNKNOWN_SECRET)
            if now - session.last_used_at >= self.access.config.touch_every:
                uow.sessions.touch(session.id, now)
                uow.commit()
            return user.actor()

    def _key(self, secret: str) -> Actor:
        ulid = key_ulid_of(secret)
        if ulid is None:
            raise Unauthenticated(UNKNOWN_SECRET)
        now = self.access.clock.now()
        key = self.access.read_key(f"key_{ulid}")
        if key is None or not same_hash(key.secret_sha256, sha256_hex(secret)):
            raise Unauthenticated(UNKNOWN_SECRET)
        if not key.usable_at(now):
            raise Unauthenticated(UNKNOWN_SECRET)
        last = key.last_used_at
        if last is None or now - last >= self.access.config.touch_every:
            with self.access.uow() as uow:
                uow.api_keys.touch(key.id, now)
                uow.commit()
        return key.actor()
