"""Passwords are stored only as argon2id hashes; a wrong password counts, and the configured
number of consecutive failures locks the user for the configured time, audited; an unknown
login name fails with the same message as a wrong password."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from access.conftest import ADMIN, PASSWORD
from fengkong.access.config import PasswordCost
from fengkong.access.credentials import password_hasher
from fengkong.access.logins import FAILED, login
from fengkong.access.stores import Access
from fengkong.access.users import create_user, get_user, unlock_user
from fengkong.core.actor import Role
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Invalid, Unauthenticated
from fengkong.db.access_tables import users
from fengkong.db.database import Database
from fengkong.db.ledger_tables import audit_log


def officer(access: Access, login_name: str = "olivia") -> None:
    create_user(
        access,
        ADMIN,
        login=login_name,
        display_name="Olivia Officer",
        roles=frozenset({Role.OFFICER}),
        password=PASSWORD,
    )


def test_the_password_is_stored_only_as_an_argon2id_hash(access: Access, db: Database) -> None:
    officer(access)
    with db.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(users))]
        audited = " ".join(str(r) for r in conn.execute(sa.select(audit_log)))
    assert len(rows) == 1
    stored = rows[0]["password_hash"]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert all(PASSWORD not in str(v) for v in rows[0].values())
    assert PASSWORD not in audited and stored not in audited and "access.user_created" in audited


def test_a_short_password_is_refused(access: Access) -> None:
    with pytest.raises(Invalid, match="password"):
        create_user(
            access,
            ADMIN,
            login="x1",
            display_name="",
            roles=frozenset({Role.OFFICER}),
            password="short",
        )


def test_unknown_name_and_wrong_password_fail_alike(access: Access) -> None:
    officer(access)
    with pytest.raises(Unauthenticated) as unknown:
        login(access, "nobody", PASSWORD)
    with pytest.raises(Unauthenticated) as wrong:
        login(access, "olivia", PASSWORD + "!")
    assert unknown.value.detail == wrong.value.detail == FAILED


def test_wrong_passwords_count_and_a_success_resets_the_count(access: Access) -> None:
    officer(access)
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            login(access, "olivia", "not the password")
    assert get_user(access, ADMIN, "olivia").failed_attempts == 3
    login(access, "OLIVIA", PASSWORD)
    assert get_user(access, ADMIN, "olivia").failed_attempts == 0


def test_n_failures_lock_until_the_period_ends(
    access: Access, clock: FakeClock, db: Database
) -> None:
    officer(access)
    for _ in range(4):
        with pytest.raises(Unauthenticated, match="wrong password"):
            login(access, "olivia", "not the password")
    with pytest.raises(Unauthenticated, match="locked"):
        login(access, "olivia", "not the password")  # the fifth locks
    # Locked: even the right password is refused, saying until when.
    until = clock.now() + timedelta(minutes=15)
    with pytest.raises(Unauthenticated, match=re.escape(until.isoformat(timespec="seconds"))):
        login(access, "olivia", PASSWORD)
    clock.advance(timedelta(minutes=14, seconds=59))
    with pytest.raises(Unauthenticated, match="locked"):
        login(access, "olivia", PASSWORD)
    clock.advance(timedelta(seconds=1))
    assert login(access, "olivia", PASSWORD).actor.audit_name == "user:olivia"
    with db.engine.connect() as conn:
        actions = list(conn.execute(sa.select(audit_log.c.actor, audit_log.c.action)))
    assert ("system:access", "access.user_locked") in [tuple(a) for a in actions]


def test_an_admin_lifts_a_lock_out(access: Access) -> None:
    officer(access)
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            login(access, "olivia", "not the password")
    assert unlock_user(access, ADMIN, "olivia").locked_until is None
    login(access, "olivia", PASSWORD)


def test_a_hash_made_under_other_parameters_is_rehashed_at_login(
    access: Access, db: Database
) -> None:
    officer(access)
    older = password_hasher(PasswordCost(time_cost=2, memory_cost_kib=64, parallelism=1))
    with db.engine.begin() as conn:
        conn.execute(sa.update(users).values(password_hash=older.hash(PASSWORD)))
    assert access.passwords.needs_rehash(older.hash(PASSWORD))
    login(access, "olivia", PASSWORD)
    with db.engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash)).scalar_one()
    assert not access.passwords.needs_rehash(stored) and access.passwords.verify(stored, PASSWORD)
