"""Bodies of /v1/lists: entries as people add them (the value in clear, only in the request)
and as the API shows them (masked, never the value)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fengkong.api.input import InputModel
from fengkong.core.errors import FieldError
from fengkong.fraud.lists import ImportReport, ListEntry, ListKind, NewListEntry, parse_entry

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
KEY_TYPES_DOC = (
    "resident_id (alias id), mobile (phone), device, ip, ip_prefix, bank_card (card), "
    "employer (company: USCC or name)"
)


class ListEntryIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    list: ListKind
    key_type: Annotated[str, StringConstraints(max_length=20)] = Field(description=KEY_TYPES_DOC)
    value: Annotated[str, StringConstraints(min_length=1, max_length=200)] = Field(
        description="In clear, checked and hashed at once; never stored, logged or returned"
    )
    reason: Text
    source: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    expires_at: str | None = Field(
        None, description="YYYY-MM-DD (valid through that day, Beijing time) or an ISO instant"
    )

    def entry(self, now: datetime) -> NewListEntry:
        fields = self.model_dump()
        fields["list"] = self.list.value
        return parse_entry(fields, now)


class ListSearchIn(InputModel):
    """Find a key's entries: the value travels in the body, never in a URL that logs keep."""

    model_config = ConfigDict(extra="forbid")

    key_type: Annotated[str, StringConstraints(max_length=20)] = Field(description=KEY_TYPES_DOC)
    value: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    list: ListKind | None = None
    include_inactive: bool = False


class RemovalIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    reason: Text


class ListEntryOut(BaseModel):
    id: str
    list: str
    key_type: str
    display: str | None = Field(description="Masked")
    reason: str
    source: str
    added_by: str
    added_at: datetime
    expires_at: datetime | None
    removed_by: str | None
    removed_at: datetime | None
    removal_reason: str | None
    active: bool

    @classmethod
    def of(cls, e: ListEntry, now: datetime) -> ListEntryOut:
        return cls(
            id=e.id,
            list=e.list.value,
            key_type=e.key_type.value,
            display=e.display,
            reason=e.reason,
            source=e.source,
            added_by=e.added_by,
            added_at=e.added_at,
            expires_at=e.expires_at,
            removed_by=e.removed_by,
            removed_at=e.removed_at,
            removal_reason=e.removal_reason,
            active=e.active_at(now),
        )


class FieldErrorOut(BaseModel):
    field: str
    msg: str
    type: str

    @classmethod
    def of(cls, e: FieldError) -> FieldErrorOut:
        return cls(field=".".join(map(str, e.loc)), msg=e.msg, type=e.type)


class RejectedRowOut(BaseModel):
    line: int = Field(description="Line in the file; the header is line 1")
    errors: list[FieldErrorOut]


class ImportOut(BaseModel):
    accepted: int
    rejected: int
    entries: list[ListEntryOut]
    rejects: list[RejectedRowOut]

    @classmethod
    def of(cls, report: ImportReport, now: datetime) -> ImportOut:
        return cls(
            accepted=len(report.accepted),
            rejected=len(report.rejected),
            entries=[ListEntryOut.of(e, now) for e in report.accepted],
            rejects=[
                RejectedRowOut(line=r.line, errors=[FieldErrorOut.of(e) for e in r.errors])
                for r in report.rejected
            ],
        )
