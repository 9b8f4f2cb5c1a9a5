"""Access control over a real database (SQLite, and PostgreSQL when reachable), a fake clock,
a fresh vault, and argon2 at a low cost so that hashing does not slow the tests."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
import pytest

from fengkong.access.config import AccessConfig, PasswordCost
from fengkong.access.records import TotpEnrolment
from fengkong.access.stores import Access
from fengkong.core.actor import Actor, Role
from fengkong.core.clock import FakeClock
from fengkong.db.access_repository import api_key_reader
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.onboarding.channel import SALES_CHANNELS
from fengkong.onboarding.vault import Vault, generate_keyring

CHEAP = PasswordCost(time_cost=1, memory_cost_kib=64, parallelism=1)
PASSWORD = "correct horse battery"
ADMIN = Actor(name="boss", kind="user", roles=frozenset({Role.ADMIN}))


@pytest.fixture
def config() -> AccessConfig:
    return AccessConfig(password_cost=CHEAP, channels=SALES_CHANNELS)


@pytest.fixture
def access(db: Database, clock: FakeClock, config: AccessConfig) -> Access:
    return Access(
        uow=lambda: SqlUnitOfWork(db),
        read_key=api_key_reader(db),
        clock=clock,
        cipher=Vault(generate_keyring()),
        config=config,
    )


@pytest.fixture
def code(clock: FakeClock) -> Callable[[TotpEnrolment], str]:
    """The code an authenticator app shows now for an enrolment."""
    return lambda enrolment: pyotp.TOTP(enrolment.secret).at(clock.now())
