"""Channel keys: the secret is shown once and stored as its SHA-256; a key authenticates as its
name, roles and channel until it expires or is revoked, and records its last use. Keys never
hold the approver or admin role, and only an admin issues or revokes them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from access.conftest import ADMIN
from fengkong.access.keys import KeyNameTaken, KeyRevoked, issue_key, list_keys, revoke_key
from fengkong.access.logins import AccessAuthenticator
from fengkong.access.stores import Access
from fengkong.core.actor import Actor, Role
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Forbidden, Invalid, Unauthenticated
from fengkong.db.access_tables import api_keys
from fengkong.db.database import Database
from fengkong.db.ledger_tables import audit_log


def test_a_key_authenticates_as_its_channel_and_is_stored_hashed(
    access: Access, db: Database
) -> None:
    issued = issue_key(access, ADMIN, name="app-android", channel="app")
    assert issued.secret.startswith("fkk_" + issued.key.id.removeprefix("key_") + "_")
    actor = AccessAuthenticator(access).authenticate(issued.secret)
    assert actor == Actor("app-android", "key", frozenset({Role.CHANNEL}), channel="app")
    with db.engine.connect() as conn:
        stored = str([tuple(r) for r in conn.execute(sa.select(api_keys))])
        audited = str([tuple(r) for r in conn.execute(sa.select(audit_log))])
    secret_part = issued.secret.split("_", 2)[2]  # the secret itself may hold "_"
    assert secret_part not in stored and secret_part not in audited
    assert "access.key_issued" in audited and "user:boss" in audited


def test_a_tampered_secret_is_refused(access: Access) -> None:
    issued = issue_key(access, ADMIN, name="web", channel="web")
    auth = AccessAuthenticator(access)
    for bad in (issued.secret[:-1] + ("A" if issued.secret[-1] != "A" else "B"), "fkk_", "fkk_x"):
        with pytest.raises(Unauthenticated):
            auth.authenticate(bad)


def test_a_key_expires(access: Access, clock: FakeClock) -> None:
    issued = issue_key(
        access,
        ADMIN,
        name="partner-a",
        channel="partner",
        expires_at=clock.now() + timedelta(days=1),
    )
    auth = AccessAuthenticator(access)
    auth.authenticate(issued.secret)
    clock.advance(timedelta(days=1))
    with pytest.raises(Unauthenticated):
        auth.authenticate(issued.secret)


def test_keys_default_to_the_configured_lifetime(access: Access, clock: FakeClock) -> None:
    issued = issue_key(access, ADMIN, name="branch", channel="branch")
    assert issued.key.expires_at == clock.now() + timedelta(days=365)


def test_a_revoked_key_is_refused_and_its_name_stays_taken(access: Access) -> None:
    issued = issue_key(access, ADMIN, name="mini", channel="mini_program")
    revoked = revoke_key(access, ADMIN, "mini")
    assert revoked.revoked_by == "user:boss" and revoked.revoked_at is not None
    with pytest.raises(Unauthenticated):
        AccessAuthenticator(access).authenticate(issued.secret)
    with pytest.raises(KeyRevoked):
        revoke_key(access, ADMIN, "mini")
    with pytest.raises(KeyNameTaken):
        issue_key(access, ADMIN, name="mini", channel="mini_program")


def test_last_use_is_recorded(access: Access, clock: FakeClock) -> None:
    issued = issue_key(access, ADMIN, name="app", channel="app")
    assert list_keys(access, ADMIN)[0].last_used_at is None
    clock.advance(timedelta(hours=1))
    AccessAuthenticator(access).authenticate(issued.secret)
    assert list_keys(access, ADMIN)[0].last_used_at == clock.now()


def test_keys_hold_no_people_only_role_and_name_a_known_channel(access: Access) -> None:
    with pytest.raises(Invalid, match="people only"):
        issue_key(access, ADMIN, name="k", roles=frozenset({Role.APPROVER}), channel="app")
    with pytest.raises(Invalid, match="unknown sales channel"):
        issue_key(access, ADMIN, name="k", channel="carrier-pigeon")
    with pytest.raises(Invalid, match="names the sales channel"):
        issue_key(access, ADMIN, name="k")


def test_only_an_admin_issues_and_revokes(access: Access) -> None:
    officer = Actor("olivia", "user", frozenset({Role.OFFICER}))
    with pytest.raises(Forbidden):
        issue_key(access, officer, name="k", channel="app")
    issue_key(access, ADMIN, name="k", channel="app")
    with pytest.raises(Forbidden):
        revoke_key(access, officer, "k")
