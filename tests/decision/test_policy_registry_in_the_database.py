"""Policy versions in the database, on SQLite and PostgreSQL: whatever the code does, the
database holds one champion at most. The registry's use cases run on the in-memory unit of work
(`test_policy_registry_maker_checker.py`)."""

from __future__ import annotations

from importlib import resources

import pytest
import sqlalchemy as sa

from fakes.access import approver
from fengkong.core.clock import FakeClock
from fengkong.db.database import Database
from fengkong.db.decision_tables import policy_versions
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision import policy_registry as registry
from fengkong.decision.policy_registry import Role

STARTER = (
    resources.files("fengkong.decision").joinpath("policies/retail-v3.yaml").read_text("utf-8")
)


def starter(version: str) -> str:
    """The shipped retail-v3's text under another version number: `starter("retail-v4")`."""
    return STARTER.replace("\nversion: 3\n", f"\nversion: {version.rsplit('-v', 1)[1]}\n", 1)


def _submit(db: Database, clock: FakeClock, text: str, author: str = "analyst") -> str:
    with SqlUnitOfWork(db) as uow:
        policy, created = registry.submit(uow, text, author=author, clock=clock)
        uow.commit()
    assert created
    return policy.version


def _activate(db: Database, clock: FakeClock, version: str, role: Role = Role.CHAMPION) -> None:
    with SqlUnitOfWork(db) as uow:
        registry.request_activation(uow, version, requested_by="analyst", clock=clock, role=role)
        registry.approve_activation(uow, version, checker=approver("head_of_risk"), clock=clock)
        uow.commit()


def test_the_database_holds_one_champion_at_most(db: Database, clock: FakeClock) -> None:
    _activate(db, clock, _submit(db, clock, starter("retail-v2")))
    v3 = _submit(db, clock, starter("retail-v3"))
    with db.engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(
            policy_versions.update().where(policy_versions.c.version == v3).values(status="active")
        )
