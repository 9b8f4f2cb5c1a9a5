"""The registries' live roles, read before a decision's own transaction: one statement names them
all, sent through the driver (`driver_reads`), and documents or model rows are read only for what
the caller has not seen yet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from fengkong.db.database import Database
from fengkong.db.decision_repository import policy_from_row
from fengkong.db.decision_tables import policy_versions
from fengkong.db.driver_reads import DriverReader, standalone_reads
from fengkong.db.repositories import model_from_row
from fengkong.db.tables import model_versions
from fengkong.decision.live import MODEL, POLICY, LiveEntry
from fengkong.decision.policy_registry import PolicyStatus, PolicyVersion
from fengkong.scoring.registry import ModelStatus, ModelVersion

_p, _m = policy_versions.c, model_versions.c
_LIVE = sa.union_all(
    sa.select(
        sa.literal_column(f"'{POLICY}'"), sa.literal_column("''"), _p.status, _p.version, _p.sha256
    ).where(
        _p.status.in_([sa.literal(s.value) for s in (PolicyStatus.ACTIVE, PolicyStatus.CHALLENGER)])
    ),
    sa.select(sa.literal_column(f"'{MODEL}'"), _m.name, _m.status, _m.version, _m.sha256).where(
        _m.status.in_([sa.literal(s.value) for s in (ModelStatus.CHAMPION, ModelStatus.CHALLENGER)])
    ),
)
_POLICY = sa.select(policy_versions).where(_p.version == sa.bindparam("version"))
_MODEL = sa.select(model_versions).where(_m.version == sa.bindparam("version"))


class SqlLiveRegistry:
    def __init__(self, reads: DriverReader) -> None:
        self.reads = reads

    @classmethod
    @contextmanager
    def reading(cls, db: Database) -> Iterator[SqlLiveRegistry]:
        with standalone_reads(db) as reads:
            yield cls(reads)

    def live(self) -> frozenset[LiveEntry]:
        return frozenset(LiveEntry(*row) for row in self.reads.rows(_LIVE))

    def policy(self, version: str) -> PolicyVersion | None:
        rows = self.reads.mappings(_POLICY, {"version": version})
        return policy_from_row(rows[0]) if rows else None

    def model(self, version: str) -> ModelVersion | None:
        rows = self.reads.mappings(_MODEL, {"version": version})
        return model_from_row(rows[0]) if rows else None
