"""A session token authenticates its user until it has been idle too long, reaches its absolute
lifetime, or is ended (logout, password reset, user disabled); only its SHA-256 is stored."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from access.conftest import ADMIN, PASSWORD
from fengkong.access.logins import AccessAuthenticator, login, logout
from fengkong.access.stores import Access
from fengkong.access.users import create_user, disable_user, enable_user, reset_password
from fengkong.core.actor import Role
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Unauthenticated
from fengkong.db.access_tables import user_sessions
from fengkong.db.database import Database


@pytest.fixture
def auth(access: Access) -> AccessAuthenticator:
    create_user(
        access,
        ADMIN,
        login="olivia",
        display_name="",
        roles=frozenset({Role.OFFICER}),
        password=PASSWORD,
    )
    return AccessAuthenticator(access)


def test_a_token_names_its_user_and_is_stored_hashed(
    access: Access, auth: AccessAuthenticator, db: Database
) -> None:
    token = login(access, "olivia", PASSWORD).token
    assert token.startswith("fks_") and len(token) > 40
    actor = auth.authenticate(token)
    assert (actor.audit_name, actor.roles) == ("user:olivia", frozenset({Role.OFFICER}))
    with db.engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.select(user_sessions))]
    assert token not in str(stored)
    with pytest.raises(Unauthenticated):
        auth.authenticate(token + "x")


def test_idle_sessions_end_and_use_keeps_them_alive(
    access: Access, auth: AccessAuthenticator, clock: FakeClock
) -> None:
    access = replace(access, config=replace(access.config, session_idle=timedelta(hours=1)))
    auth = AccessAuthenticator(access)
    token = login(access, "olivia", PASSWORD).token
    for _ in range(5):
        clock.advance(timedelta(minutes=59))
        auth.authenticate(token)  # each use moves the idle deadline
    clock.advance(timedelta(hours=1))
    with pytest.raises(Unauthenticated):
        auth.authenticate(token)


def test_a_session_ends_at_its_absolute_lifetime_however_used(
    access: Access, auth: AccessAuthenticator, clock: FakeClock
) -> None:
    token = login(access, "olivia", PASSWORD).token
    for _ in range(3):
        clock.advance(timedelta(hours=3, minutes=59))
        auth.authenticate(token)
    clock.advance(timedelta(minutes=2))  # 11 h 59 min in: still alive
    auth.authenticate(token)
    clock.advance(timedelta(minutes=1))
    with pytest.raises(Unauthenticated):
        auth.authenticate(token)


def test_logout_ends_the_session(access: Access, auth: AccessAuthenticator) -> None:
    token = login(access, "olivia", PASSWORD).token
    other = login(access, "olivia", PASSWORD).token
    assert logout(access, token).audit_name == "user:olivia"
    with pytest.raises(Unauthenticated):
        auth.authenticate(token)
    with pytest.raises(Unauthenticated):
        logout(access, token)
    auth.authenticate(other)  # the user's other sessions go on


def test_a_password_reset_or_disabling_ends_every_session(
    access: Access, auth: AccessAuthenticator
) -> None:
    token = login(access, "olivia", PASSWORD).token
    reset_password(access, ADMIN, "olivia", "another long password")
    with pytest.raises(Unauthenticated):
        auth.authenticate(token)
    token = login(access, "olivia", "another long password").token
    disable_user(access, ADMIN, "olivia")
    with pytest.raises(Unauthenticated):
        auth.authenticate(token)
    with pytest.raises(Unauthenticated, match="disabled"):
        login(access, "olivia", "another long password")
    enable_user(access, ADMIN, "olivia")
    with pytest.raises(Unauthenticated):
        auth.authenticate(token)  # enabling again does not revive an ended session
    login(access, "olivia", "another long password")


def test_last_use_is_recorded(
    access: Access, auth: AccessAuthenticator, clock: FakeClock, db: Database
) -> None:
    token = login(access, "olivia", PASSWORD).token
    clock.advance(timedelta(minutes=5))
    auth.authenticate(token)
    with db.engine.connect() as conn:
        last = conn.execute(sa.select(user_sessions.c.last_used_at)).scalar_one()
    assert last == clock.now()
