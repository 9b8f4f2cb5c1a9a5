"""Velocity record and link update sent together: when the counters and the link graph are kept
in one PostgreSQL database, an application's record and link update go to the server in one
exchange and commit together, and a decision may send them beside its own reads.

The ports are declared here; `db.fraud_signal_stores` implements them. Which stores can be sent
together is the adapter's to say (`Pairing`, wired once in `bootstrap`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from fengkong.fraud.links import IdentityLinks, LinkApplication, LinkFeatures
from fengkong.fraud.velocity import VelocityEvent, VelocitySnapshot, VelocityStore

__all__ = ["Pairing", "RecordAndLink", "SignalStoresTogether", "apart"]

T = TypeVar("T")


class RecordAndLink(Protocol):
    """One application's velocity record and link update, prepared to be sent beside other
    statements (a decision's reads): both commit or neither, and a deadlock must send them again
    (`retrying`)."""

    @property
    def calls(self) -> tuple[Any, ...]:
        """What to send, as the adapter that prepared it sends it (opaque to the domain)."""
        ...

    def read(self, rows: Sequence[list[tuple[Any, ...]]]) -> tuple[VelocitySnapshot, LinkFeatures]:
        """The snapshot and the features, from the calls' rows in the order of `calls`."""
        ...

    def retrying(self, attempt: Callable[[], T]) -> T: ...


class SignalStoresTogether(Protocol):
    """The velocity store and the link graph, asked in one exchange."""

    def record_and_link(
        self, event: VelocityEvent, app: LinkApplication
    ) -> tuple[VelocitySnapshot, LinkFeatures]:
        """`velocity.record_and_count(event)` and `links.link(app)`, in one exchange."""
        ...

    def calls(self, event: VelocityEvent, app: LinkApplication) -> RecordAndLink: ...


Pairing = Callable[[VelocityStore, IdentityLinks], SignalStoresTogether | None]
"""The two stores together, when they can be (`db.fraud_signal_stores.SqlSignalStores.of`)."""


def apart(velocity: VelocityStore, links: IdentityLinks) -> None:
    """The `Pairing` of stores that are never sent together."""
    return None
