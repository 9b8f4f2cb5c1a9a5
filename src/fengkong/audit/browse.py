"""Reading the audit log for people (the console's audit page): the most recent records, newest
first, narrowed by action (a prefix: `collections.` finds every collections action), subject id
or actor. Reads only; the chain's integrity is `verify`'s business."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from fengkong.audit.chain import AuditRecord
from fengkong.core.errors import FieldError, Invalid

TEXT_MAX = 200
LIMIT_MAX = 1000


@dataclass(frozen=True, slots=True)
class AuditQuery:
    action: str | None = None  # a prefix of the action
    subject_id: str | None = None
    actor: str | None = None  # an audit name, `user:rita`
    limit: int = 100

    def __post_init__(self) -> None:
        errors = [
            FieldError((name,), f"at most {TEXT_MAX} characters")
            for name in ("action", "subject_id", "actor")
            if len(getattr(self, name) or "") > TEXT_MAX
        ]
        if not 1 <= self.limit <= LIMIT_MAX:
            errors.append(FieldError(("limit",), f"between 1 and {LIMIT_MAX}"))
        if errors:
            raise Invalid(tuple(errors))


class AuditBrowser(Protocol):
    def recent(self, query: AuditQuery) -> Sequence[AuditRecord]:
        """The records matching `query`, newest (highest seq) first, at most `query.limit`."""
        ...


class AuditReadUnitOfWork(Protocol):
    @property
    def audit(self) -> AuditBrowser: ...


def recent_records(uow: AuditReadUnitOfWork, query: AuditQuery) -> tuple[AuditRecord, ...]:
    """The recent records `query` asks for, in the caller's unit of work."""
    return tuple(uow.audit.recent(query))
