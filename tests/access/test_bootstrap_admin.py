"""The first admin is made only while no active admin exists; admins need a TOTP code, and the
last active admin can neither be disabled nor lose the admin role. Managing users needs the
admin role."""

from __future__ import annotations

import pyotp
import pytest

from access.conftest import PASSWORD
from fengkong.access.logins import login
from fengkong.access.stores import Access
from fengkong.access.users import (
    AdminExists,
    LastAdmin,
    LoginTaken,
    bootstrap_admin,
    create_user,
    disable_user,
    list_users,
    set_roles,
)
from fengkong.core.actor import Actor, Role
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Forbidden


def test_the_first_admin_once(access: Access, clock: FakeClock) -> None:
    user, enrolment = bootstrap_admin(
        access, login="Adam", display_name="Adam Admin", password=PASSWORD, by="cli:root"
    )
    assert (user.login, user.roles, user.created_by) == (
        "adam",
        frozenset({Role.ADMIN}),
        "cli:root",
    )
    with pytest.raises(AdminExists):
        bootstrap_admin(access, login="eve", display_name="", password=PASSWORD, by="cli:eve")
    session = login(access, "adam", PASSWORD, pyotp.TOTP(enrolment.secret).at(clock.now()))
    assert session.actor.has(Role.ADMIN)


def test_the_last_admin_stays_an_admin(access: Access) -> None:
    admin, _ = bootstrap_admin(access, login="adam", display_name="", password=PASSWORD, by="cli:x")
    me = admin.actor()
    with pytest.raises(LastAdmin):
        disable_user(access, me, "adam")
    with pytest.raises(LastAdmin):
        set_roles(access, me, "adam", frozenset({Role.OFFICER}))
    create_user(
        access, me, login="beth", display_name="", roles=frozenset({Role.ADMIN}), password=PASSWORD
    )
    set_roles(access, me, "adam", frozenset({Role.AUDITOR}))


def test_managing_users_needs_the_admin_role(access: Access) -> None:
    bootstrap_admin(access, login="adam", display_name="", password=PASSWORD, by="cli:x")
    officer = Actor("olivia", "user", frozenset({Role.OFFICER}))
    with pytest.raises(Forbidden):
        create_user(
            access,
            officer,
            login="o2",
            display_name="",
            roles=frozenset({Role.ADMIN}),
            password=PASSWORD,
        )
    with pytest.raises(Forbidden):
        list_users(access, officer)
    auditor = Actor("audrey", "user", frozenset({Role.AUDITOR}))
    assert [u.login for u in list_users(access, auditor)] == ["adam"]


def test_a_login_name_is_taken_once(access: Access) -> None:
    admin, _ = bootstrap_admin(access, login="adam", display_name="", password=PASSWORD, by="cli:x")
    with pytest.raises(LoginTaken):
        create_user(
            access,
            admin.actor(),
            login="ADAM",
            display_name="",
            roles=frozenset({Role.OFFICER}),
            password=PASSWORD,
        )
