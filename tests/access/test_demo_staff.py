"""The demo makes one user per role and a channel key, printed so a person can log in with
them (TOTP secrets for the admin and the approver), and reuses them when run again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest

from fengkong.access.logins import AccessAuthenticator, login
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings
from fengkong.demo import DEMO_STAFF, demo_access


@pytest.fixture
def ctx(tmp_path: Path, clock: FakeClock) -> Iterator[Context]:
    settings = Settings(
        env="test",
        home=tmp_path / "home",
        database_url=f"sqlite:///{tmp_path / 'demo.db'}",
        access_argon2_time_cost=1,
        access_argon2_memory_kib=64,
        access_argon2_parallelism=1,
    )
    context = bootstrap(settings, clock=clock)
    yield context
    context.close()


def test_demo_staff_log_in_and_a_second_run_reuses_them(ctx: Context, clock: FakeClock) -> None:
    first = demo_access(ctx)
    assert [u.login for u in first.logins] == [login for login, _, _ in DEMO_STAFF]
    for user in first.logins:
        assert user.password is not None
        code = None if user.totp_secret is None else pyotp.TOTP(user.totp_secret).at(clock.now())
        assert (user.totp_secret is not None) == (user.login in ("admin", "approver"))
        assert login(ctx.access, user.login, user.password, code).user.login == user.login
    assert first.key_secret is not None
    assert AccessAuthenticator(ctx.access).authenticate(first.key_secret).channel == "app"

    again = demo_access(ctx)
    assert all(u.password is None for u in again.logins) and again.key_secret is None
    officer = next(u for u in first.logins if u.login == "officer")
    assert officer.password is not None
    login(ctx.access, "officer", officer.password)  # the first run's password still holds
