"""The registries' live roles, read before a decision's own transaction: one statement names them
all, sent through the driver (`driver_reads`) in one exchange with the applicant's record and the
list look-up, and documents or model rows are read only for what the caller has not seen yet."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from fengkong.db.database import Database
from fengkong.db.decision_repository import policy_from_row
from fengkong.db.decision_tables import policy_versions
from fengkong.db.driver_reads import DriverReader, standalone_reads
from fengkong.db.fraud_lists import hits_of, list_query
from fengkong.db.repositories import applicant_from, applicant_queries, model_from_row
from fengkong.db.tables import model_versions
from fengkong.decision.facts import ApplicantOnRecord
from fengkong.decision.live import MODEL, POLICY, LiveEntry
from fengkong.decision.policy_registry import PolicyStatus, PolicyVersion
from fengkong.fraud.links import LinkFeatures
from fengkong.fraud.lists import ListHit, ListLookup
from fengkong.fraud.together import RecordAndLink
from fengkong.fraud.velocity import VelocitySnapshot
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

    def live(self) -> frozenset[LiveEntry]:
        return _entries(self.reads.rows(_LIVE))

    def policy(self, version: str) -> PolicyVersion | None:
        rows = self.reads.mappings(_POLICY, {"version": version})
        return policy_from_row(rows[0]) if rows else None

    def model(self, version: str) -> ModelVersion | None:
        rows = self.reads.mappings(_MODEL, {"version": version})
        return model_from_row(rows[0]) if rows else None


class SqlDecisionReads(SqlLiveRegistry):
    """What a decision reads before it writes: the live roles, the applicant on record and the
    list entries on the application's keys, in one exchange (one pipeline on PostgreSQL), with
    its velocity record and link update when they are sent beside them."""

    def __init__(
        self,
        reads: DriverReader,
        entries: frozenset[LiveEntry],
        applicant: ApplicantOnRecord,
        list_hits: tuple[ListHit, ...],
        recorded: tuple[VelocitySnapshot, LinkFeatures] | None = None,
    ) -> None:
        super().__init__(reads)
        self._entries = entries
        self.applicant = applicant
        self.list_hits = list_hits
        self.recorded = recorded

    @classmethod
    @contextmanager
    def of_application(
        cls,
        db: Database,
        id_number_bidx: str,
        list_lookup: ListLookup | None,
        record_and_link: RecordAndLink | None = None,
    ) -> Iterator[Callable[[], SqlDecisionReads]]:
        """The reads, sent on entering and answered by the yielded function (see
        `DriverReader.sending`). `list_lookup` (`fraud.lists.lookup_query`): None when the
        application has no key. `record_and_link` (PostgreSQL) commits after the reads, in the
        same exchange; a deadlock sends everything again."""
        queries = [(_LIVE, {}), *applicant_queries(id_number_bidx)]
        if list_lookup is not None:
            queries.append(list_query(list_lookup))
        sent = record_and_link
        calls = () if sent is None else sent.calls
        with standalone_reads(db) as reads, reads.sending(*queries, calls=calls) as first:
            untried = [first]

            def attempt() -> list[list[tuple[Any, ...]]]:
                """What was sent on entering; after a deadlock, everything sent again."""
                return untried.pop()() if untried else reads.rows_of(*queries, calls=calls)

            @functools.cache
            def answer() -> SqlDecisionReads:
                rows = attempt() if sent is None else sent.retrying(attempt)
                live, consents, history, *listed = rows[: len(queries)]
                return cls(
                    reads,
                    _entries(live),
                    applicant_from(reads, consents, history),
                    hits_of(listed[0]) if listed else (),
                    None if sent is None else sent.read(rows[len(queries) :]),
                )

            yield answer

    def live(self) -> frozenset[LiveEntry]:
        return self._entries


def _entries(rows: list[tuple[Any, ...]]) -> frozenset[LiveEntry]:
    return frozenset(LiveEntry(*row) for row in rows)
