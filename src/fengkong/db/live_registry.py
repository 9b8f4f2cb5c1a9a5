"""The registries' live roles, read before a decision's own transaction: one statement names them
all, and documents or model rows are read only for what the caller has not seen yet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from fengkong.db.database import Database
from fengkong.db.decision_repository import policy_from_row
from fengkong.db.decision_tables import policy_versions
from fengkong.db.repositories import model_from_row
from fengkong.db.tables import model_versions
from fengkong.decision.live import MODEL, POLICY, LiveEntry
from fengkong.decision.policy_registry import PolicyStatus, PolicyVersion
from fengkong.scoring.registry import ModelStatus, ModelVersion

_p, _m = policy_versions.c, model_versions.c
_LIVE = sa.union_all(
    sa.select(
        sa.literal_column(f"'{POLICY}'"), sa.literal_column("''"), _p.status, _p.version, _p.sha256
    ).where(_p.status.in_((PolicyStatus.ACTIVE.value, PolicyStatus.CHALLENGER.value))),
    sa.select(sa.literal_column(f"'{MODEL}'"), _m.name, _m.status, _m.version, _m.sha256).where(
        _m.status.in_((ModelStatus.CHAMPION.value, ModelStatus.CHALLENGER.value))
    ),
)
_POLICY = sa.select(policy_versions).where(_p.version == sa.bindparam("version"))
_MODEL = sa.select(model_versions).where(_m.version == sa.bindparam("version"))


class SqlLiveRegistry:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    @classmethod
    @contextmanager
    def reading(cls, db: Database) -> Iterator[SqlLiveRegistry]:
        with db.reading() as conn:
            yield cls(conn)

    def live(self) -> frozenset[LiveEntry]:
        return frozenset(LiveEntry(*row) for row in self.conn.execute(_LIVE))

    def policy(self, version: str) -> PolicyVersion | None:
        row = self.conn.execute(_POLICY, {"version": version}).first()
        return None if row is None else policy_from_row(row._mapping)

    def model(self, version: str) -> ModelVersion | None:
        row = self.conn.execute(_MODEL, {"version": version}).first()
        return None if row is None else model_from_row(row._mapping)
