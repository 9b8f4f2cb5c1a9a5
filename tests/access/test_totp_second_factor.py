"""Approvers and admins give a TOTP code at login: refused without one, with a wrong one, and
with one already used (a replay within its window); others need none. The secret is stored
sealed by the vault, never in clear."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa

from access.conftest import ADMIN, PASSWORD
from fengkong.access.logins import FAILED, login
from fengkong.access.records import TotpEnrolment
from fengkong.access.stores import Access
from fengkong.access.users import create_user, enrol_totp, set_roles
from fengkong.core.actor import Role
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Unauthenticated
from fengkong.db.access_tables import users
from fengkong.db.database import Database

Code = Callable[[TotpEnrolment], str]


def approver(access: Access) -> TotpEnrolment:
    _, enrolment = create_user(
        access,
        ADMIN,
        login="alan",
        display_name="Alan Approver",
        roles=frozenset({Role.APPROVER}),
        password=PASSWORD,
    )
    assert enrolment is not None
    return enrolment


def test_enrolment_gives_an_otpauth_uri_and_stores_the_secret_sealed(
    access: Access, db: Database
) -> None:
    enrolment = approver(access)
    assert enrolment.uri.startswith("otpauth://totp/Fengkong:alan?secret=" + enrolment.secret)
    with db.engine.connect() as conn:
        sealed = conn.execute(sa.select(users.c.totp_secret_enc)).scalar_one()
    assert sealed.startswith("v1:") and enrolment.secret not in sealed


@pytest.mark.parametrize("totp", [None, "", "123", "abcdef"])
def test_an_approver_without_a_good_code_is_refused(access: Access, totp: str | None) -> None:
    approver(access)
    with pytest.raises(Unauthenticated, match="TOTP"):
        login(access, "alan", PASSWORD, totp)


def test_a_wrong_code_is_refused_and_counts(access: Access, code: Code) -> None:
    enrolment = approver(access)
    good = code(enrolment)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    with pytest.raises(Unauthenticated) as refused:
        login(access, "alan", PASSWORD, wrong)
    assert refused.value.detail == FAILED
    assert login(access, "alan", PASSWORD, good).actor.has(Role.APPROVER)


def test_a_code_is_good_once_even_within_its_window(
    access: Access, clock: FakeClock, code: Code
) -> None:
    enrolment = approver(access)
    used = code(enrolment)
    login(access, "alan", PASSWORD, used)
    with pytest.raises(Unauthenticated):
        login(access, "alan", PASSWORD, used)
    clock.advance(timedelta(seconds=30))  # the used code is still within the drift window
    with pytest.raises(Unauthenticated):
        login(access, "alan", PASSWORD, used)
    login(access, "alan", PASSWORD, code(enrolment))


def test_a_code_outside_the_window_is_refused(access: Access, clock: FakeClock, code: Code) -> None:
    enrolment = approver(access)
    stale = code(enrolment)
    clock.advance(timedelta(seconds=90))
    with pytest.raises(Unauthenticated):
        login(access, "alan", PASSWORD, stale)


def test_an_officer_needs_no_code_until_given_the_approver_role(access: Access, code: Code) -> None:
    create_user(
        access,
        ADMIN,
        login="olivia",
        display_name="",
        roles=frozenset({Role.OFFICER}),
        password=PASSWORD,
    )
    login(access, "olivia", PASSWORD)
    _, enrolment = set_roles(access, ADMIN, "olivia", frozenset({Role.OFFICER, Role.APPROVER}))
    assert enrolment is not None
    with pytest.raises(Unauthenticated):
        login(access, "olivia", PASSWORD)
    login(access, "olivia", PASSWORD, code(enrolment))


def test_enrolling_again_replaces_the_secret(access: Access, code: Code) -> None:
    lost = approver(access)
    fresh = enrol_totp(access, ADMIN, "alan")
    assert fresh.secret != lost.secret
    if code(lost) != code(fresh):
        with pytest.raises(Unauthenticated):
            login(access, "alan", PASSWORD, code(lost))
    login(access, "alan", PASSWORD, code(fresh))
