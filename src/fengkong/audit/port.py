"""The audit log as its writers see it: a use case appends a record in its unit of work, and the
record commits with the change it describes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

__all__ = ["AuditAppender"]


class AuditAppender(Protocol):
    """Appends one record to the audit chain, in the caller's transaction (never commits).

    `journal` names the journal entries the recorded action posted in the same transaction: the
    record accounts for them (`audit.journal_tie`) and each is tied to the record."""

    def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        payload: Mapping[str, object] | None = None,
        journal: Sequence[str] = (),
    ) -> None: ...
