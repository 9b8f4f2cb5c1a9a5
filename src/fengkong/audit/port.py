"""The audit log as its writers see it: a use case appends a record in its unit of work, and the
record commits with the change it describes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

__all__ = ["AuditAppender"]


class AuditAppender(Protocol):
    """Appends one record to the audit chain, in the caller's transaction (never commits)."""

    def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        payload: Mapping[str, object] | None = None,
    ) -> None: ...
