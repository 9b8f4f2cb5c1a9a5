"""Managing people: the first admin, then users created, disabled, enabled, given roles, their
password reset, their TOTP enrolled, and their lock-out lifted, each by an admin and each written
to the audit log with the change in the same transaction. No audit record holds a password, a
hash or a TOTP secret."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from fengkong.access.credentials import new_totp_secret, totp_uri
from fengkong.access.records import (
    TotpEnrolment,
    User,
    UserStatus,
    check_login,
    check_person_roles,
)
from fengkong.access.stores import Access, AccessUnitOfWork
from fengkong.core.actor import Actor, Role
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id

__all__ = [
    "TOTP_FIELD",
    "AdminExists",
    "LastAdmin",
    "LoginTaken",
    "UserNotFound",
    "bootstrap_admin",
    "create_user",
    "disable_user",
    "enable_user",
    "enrol_totp",
    "get_user",
    "list_users",
    "reset_password",
    "set_roles",
    "unlock_user",
]

TOTP_FIELD = "totp_secret"  # the vault field, and so the column `totp_secret_enc`
SUBJECT = "user"
DISPLAY_NAME_MAX = 120


class UserNotFound(NotFound):
    pass


class LoginTaken(Conflict):
    pass


class AdminExists(Conflict):
    pass


class LastAdmin(Conflict):
    """The change would leave no active admin, and so nobody to manage users and keys."""


def _manage(by: Actor) -> None:
    by.require(Role.ADMIN, "manage users")


def _read(by: Actor) -> None:
    if not (by.has(Role.ADMIN) or by.has(Role.AUDITOR)):
        by.require(Role.ADMIN, "list users")


def _display_name(text: str, login: str) -> str:
    value = " ".join(text.split()) or login
    if len(value) > DISPLAY_NAME_MAX:
        raise Invalid((FieldError(("display_name",), f"at most {DISPLAY_NAME_MAX} characters"),))
    return value


def _found(uow: AccessUnitOfWork, login: str) -> User:
    user = uow.users.by_login(check_login(login))
    if user is None:
        raise UserNotFound(f"no user {login.strip().lower()!r}")
    return user


def _enrolment(access: Access, user: User) -> tuple[User, TotpEnrolment]:
    secret = new_totp_secret()
    sealed = access.cipher.encrypt(TOTP_FIELD, secret)
    enrolment = TotpEnrolment(
        user.login, secret, totp_uri(secret, user.login, access.config.totp_issuer)
    )
    return replace(user, totp_secret_enc=sealed, totp_last_step=None), enrolment


def _audit(
    access: Access, uow: AccessUnitOfWork, by: str, action: str, user: User, **payload: object
) -> None:
    uow.audit.append(
        at=access.clock.now(),
        actor=by,
        action=action,
        subject_type=SUBJECT,
        subject_id=user.id,
        payload={"login": user.login, **payload},
    )


def _active_admins(uow: AccessUnitOfWork) -> list[User]:
    return [u for u in uow.users.all() if u.status is UserStatus.ACTIVE and Role.ADMIN in u.roles]


def _keep_an_admin(uow: AccessUnitOfWork, user: User, doing: str) -> None:
    others = [u for u in _active_admins(uow) if u.id != user.id]
    if not others:
        raise LastAdmin(f"{user.login} is the only active admin: cannot {doing}")


def _new_user(
    access: Access,
    uow: AccessUnitOfWork,
    *,
    login: str,
    display_name: str,
    roles: frozenset[Role],
    password: str,
    by: str,
) -> tuple[User, TotpEnrolment | None]:
    login = check_login(login)
    roles = check_person_roles(roles)
    name = _display_name(display_name, login)
    password_hash = access.passwords.hash(password)  # checks the password's length first
    if uow.users.by_login(login) is not None:
        raise LoginTaken(f"login name {login!r} is taken")
    now = access.clock.now()
    user = User(
        id=new_id("usr", access.clock),
        login=login,
        display_name=name,
        roles=roles,
        status=UserStatus.ACTIVE,
        password_hash=password_hash,
        failed_attempts=0,
        locked_until=None,
        totp_secret_enc=None,
        totp_last_step=None,
        created_at=now,
        created_by=by,
        updated_at=now,
    )
    enrolment = None
    if user.needs_second_factor:
        user, enrolment = _enrolment(access, user)
    uow.users.add(user)
    _audit(
        access,
        uow,
        by,
        "access.user_created",
        user,
        display_name=name,
        roles=sorted(r.value for r in roles),
        totp_enrolled=enrolment is not None,
    )
    return user, enrolment


def bootstrap_admin(
    access: Access, *, login: str, display_name: str, password: str, by: str
) -> tuple[User, TotpEnrolment]:
    """The first admin, with a TOTP enrolment; `AdminExists` when any active admin exists. `by`
    names who ran it (the operating-system user of the command line)."""
    with access.uow() as uow:
        if _active_admins(uow):
            raise AdminExists(
                "an active admin exists already: ask an admin to create users (`fengkong users create`)"
            )
        user, enrolment = _new_user(
            access,
            uow,
            login=login,
            display_name=display_name,
            roles=frozenset({Role.ADMIN}),
            password=password,
            by=by,
        )
        uow.commit()
    assert enrolment is not None  # an admin always needs a second factor
    return user, enrolment


def create_user(
    access: Access,
    by: Actor,
    *,
    login: str,
    display_name: str,
    roles: frozenset[Role],
    password: str,
) -> tuple[User, TotpEnrolment | None]:
    """A new active user; approvers and admins are enrolled for TOTP at once (the enrolment is
    returned, to be shown to them once)."""
    _manage(by)
    with access.uow() as uow:
        created = _new_user(
            access,
            uow,
            login=login,
            display_name=display_name,
            roles=roles,
            password=password,
            by=by.audit_name,
        )
        uow.commit()
    return created


def list_users(access: Access, by: Actor) -> Sequence[User]:
    _read(by)
    with access.uow() as uow:
        return sorted(uow.users.all(), key=lambda u: u.login)


def get_user(access: Access, by: Actor, login: str) -> User:
    _read(by)
    with access.uow() as uow:
        return _found(uow, login)


def disable_user(access: Access, by: Actor, login: str) -> User:
    """Disable a user and end their sessions; the last active admin cannot be disabled."""
    _manage(by)
    with access.uow() as uow:
        user = _found(uow, login)
        if user.status is UserStatus.DISABLED:
            return user
        if Role.ADMIN in user.roles:
            _keep_an_admin(uow, user, "disable them")
        user = replace(user, status=UserStatus.DISABLED, updated_at=access.clock.now())
        uow.users.update(user)
        ended = uow.sessions.revoke_all_of(user.id, access.clock.now())
        _audit(access, uow, by.audit_name, "access.user_disabled", user, sessions_ended=ended)
        uow.commit()
    return user


def enable_user(access: Access, by: Actor, login: str) -> User:
    _manage(by)
    with access.uow() as uow:
        user = _found(uow, login)
        if user.status is UserStatus.ACTIVE:
            return user
        user = replace(user, status=UserStatus.ACTIVE, updated_at=access.clock.now())
        uow.users.update(user)
        _audit(access, uow, by.audit_name, "access.user_enabled", user)
        uow.commit()
    return user


def set_roles(
    access: Access, by: Actor, login: str, roles: frozenset[Role]
) -> tuple[User, TotpEnrolment | None]:
    """Replace a user's roles. A user given approver or admin without a TOTP secret is enrolled
    (the enrolment is returned); removing admin from the last active admin is refused."""
    _manage(by)
    roles = check_person_roles(roles)
    with access.uow() as uow:
        user = _found(uow, login)
        before = user.roles
        if Role.ADMIN in before and Role.ADMIN not in roles and user.status is UserStatus.ACTIVE:
            _keep_an_admin(uow, user, "remove their admin role")
        user = replace(user, roles=roles, updated_at=access.clock.now())
        enrolment = None
        if user.needs_second_factor and user.totp_secret_enc is None:
            user, enrolment = _enrolment(access, user)
        uow.users.update(user)
        _audit(
            access,
            uow,
            by.audit_name,
            "access.user_roles_changed",
            user,
            before=sorted(r.value for r in before),
            after=sorted(r.value for r in roles),
            totp_enrolled=enrolment is not None,
        )
        uow.commit()
    return user, enrolment


def reset_password(access: Access, by: Actor, login: str, password: str) -> User:
    """Set a new password, lift any lock-out, and end the user's sessions."""
    _manage(by)
    with access.uow() as uow:
        user = _found(uow, login)
        now = access.clock.now()
        user = replace(
            user,
            password_hash=access.passwords.hash(password),
            failed_attempts=0,
            locked_until=None,
            updated_at=now,
        )
        uow.users.update(user)
        ended = uow.sessions.revoke_all_of(user.id, now)
        _audit(access, uow, by.audit_name, "access.password_reset", user, sessions_ended=ended)
        uow.commit()
    return user


def enrol_totp(access: Access, by: Actor, login: str) -> TotpEnrolment:
    """A new TOTP secret for the user, replacing any former one (a lost phone)."""
    _manage(by)
    with access.uow() as uow:
        user = _found(uow, login)
        replaced = user.totp_secret_enc is not None
        user, enrolment = _enrolment(access, user)
        user = replace(user, updated_at=access.clock.now())
        uow.users.update(user)
        _audit(access, uow, by.audit_name, "access.totp_enrolled", user, replaced=replaced)
        uow.commit()
    return enrolment


def unlock_user(access: Access, by: Actor, login: str) -> User:
    """Lift a lock-out before its time and clear the failed-attempt count."""
    _manage(by)
    with access.uow() as uow:
        user = _found(uow, login)
        was = user.locked_until
        user = replace(user, failed_attempts=0, locked_until=None, updated_at=access.clock.now())
        uow.users.update(user)
        _audit(access, uow, by.audit_name, "access.user_unlocked", user, was_locked_until=was)
        uow.commit()
    return user
