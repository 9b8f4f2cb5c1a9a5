"""Velocity counters and the link graph kept in one PostgreSQL database (the ports of
`fraud.together`): an application's velocity
record and its link update go to the server together.

Asked one after the other, the two stores each take a pooled connection and an exchange with the
server, and each commits on its own. Here both server functions (`velocity_record`,
`link_application`) are sent in one pipeline on one connection: one exchange, and one implicit
transaction that commits both or neither. Each function still takes its own advisory locks, the
velocity locks first, in every writer alike, so writers never wait on each other in a cycle; the
velocity locks are now held until the link update commits too. A deadlock in the link update (see
`db.fraud_links`) rolls both back, and both are sent again. Both commit without waiting for the WAL flush
unless the stores were made durable, as they do apart.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from fengkong.db.driver_reads import ServerCall, standalone_reads
from fengkong.db.fraud_links import SqlIdentityLinks, retrying_deadlocks
from fengkong.db.fraud_velocity import SqlVelocityStore
from fengkong.fraud.links import IdentityLinks, LinkApplication, LinkFeatures
from fengkong.fraud.velocity import VelocityEvent, VelocitySnapshot, VelocityStore

__all__ = ["SqlRecordAndLink", "SqlSignalStores"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SqlRecordAndLink:
    """One application's velocity record and link update as server calls (`fraud.together.RecordAndLink`), for a sender that
    has other statements to send beside them (a decision's reads): both commit or neither, and a
    deadlock must send them again (`retrying`)."""

    application_id: str
    recording: ServerCall[VelocitySnapshot]
    linking: ServerCall[LinkFeatures]

    @property
    def calls(self) -> tuple[ServerCall[Any], ...]:
        return (self.recording, self.linking)

    def read(self, rows: Sequence[list[tuple[Any, ...]]]) -> tuple[VelocitySnapshot, LinkFeatures]:
        """The snapshot and the features, from the calls' rows in the order of `calls`."""
        recorded, linked = rows
        return self.recording.read(recorded), self.linking.read(linked)

    def retrying(self, attempt: Callable[[], T]) -> T:
        return retrying_deadlocks(self.application_id, attempt)


class SqlSignalStores:
    def __init__(self, velocity: SqlVelocityStore, links: SqlIdentityLinks) -> None:
        if velocity.db is not links.db or velocity.db.dialect != "postgresql":
            raise ValueError("both stores must be over the same PostgreSQL database")
        self.velocity = velocity
        self.links = links

    @classmethod
    def of(cls, velocity: VelocityStore, links: IdentityLinks) -> SqlSignalStores | None:
        """The two stores together, when both are tables of the same PostgreSQL database."""
        if (
            isinstance(velocity, SqlVelocityStore)
            and isinstance(links, SqlIdentityLinks)
            and velocity.db is links.db
            and velocity.db.dialect == "postgresql"
        ):
            return cls(velocity, links)
        return None

    def record_and_link(
        self, event: VelocityEvent, app: LinkApplication
    ) -> tuple[VelocitySnapshot, LinkFeatures]:
        """`velocity.record_and_count(event)` and `links.link(app)`, in one exchange."""
        sent = self.calls(event, app)

        def once() -> tuple[VelocitySnapshot, LinkFeatures]:
            with standalone_reads(self.velocity.db) as statements:
                return sent.read(statements.rows_of(calls=sent.calls))

        return sent.retrying(once)

    def calls(self, event: VelocityEvent, app: LinkApplication) -> SqlRecordAndLink:
        return SqlRecordAndLink(
            app.application_id, self.velocity.recording(event), self.links.linking(app)
        )
