"""Black, grey and white list changes by people, under maker-checker: an officer or a risk
manager asks for an entry to be added or removed, or for a CSV to be imported, and an approver
other than them approves (the change is made then, in the same transaction) or rejects it.
Until approved, nothing changes: decisions read only the entries stored.

The request keeps what the change needs without any value in clear: an added key's blind index
and masked display (`lists.stored_entry`), checked when asked (a bad value, a key already
active: refused at once) and again when approved (a key added meanwhile: `Conflict`, the request
stays pending for the checker to reject). An import is one request for the whole file; its bad
rows are reported when asked and again, with any row added meanwhile, when approved.

The platform's own additions (`lending.blacklist_trigger`, for a loan written off for fraud) do
not pass here: they are immediate, by the system actor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fengkong.access.approvals import (
    ApprovalKind,
    ApprovalRequest,
    ApprovalUnitOfWork,
    decide,
    open_request,
)
from fengkong.core.actor import Actor, Role
from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, Forbidden, NotFound
from fengkong.fraud.keys import Hasher, KeyType
from fengkong.fraud.list_admin import (
    ListAdmin,
    ListAdminUnitOfWork,
    apply_addition,
    apply_import,
    apply_removal,
    check_removal_reason,
    new_stored_entry,
    parse_import,
)
from fengkong.fraud.lists import ImportReport, ListEntry, ListKind, NewListEntry, RejectedRow

KIND = ApprovalKind.LIST_CHANGE
ADD, REMOVE, IMPORT = "add", "remove", "import"


class ListChangeUnitOfWork(ListAdminUnitOfWork, ApprovalUnitOfWork, Protocol):
    """The list entries, the audit log and the maker-checker requests."""


@dataclass(frozen=True, slots=True)
class ListChanges:
    """What the use cases need: `ListAdmin`'s, with a unit of work that also holds the
    maker-checker requests."""

    uow: Callable[[], ListChangeUnitOfWork]
    hasher: Hasher
    clock: Clock

    @property
    def admin(self) -> ListAdmin:
        return ListAdmin(uow=self.uow, hasher=self.hasher, clock=self.clock)


@dataclass(frozen=True, slots=True)
class ListChangeDone:
    """What an approved change did: the entry added or removed, or the import's report."""

    request: ApprovalRequest
    entry: ListEntry | None = None
    report: ImportReport | None = None


def _require_maker(actor: Actor) -> None:
    if not (actor.has(Role.RISK_MANAGER) or actor.has(Role.OFFICER)):
        raise Forbidden(
            f"{actor.audit_name} needs the officer or risk_manager role to change lists"
        )


def _entry_doc(e: ListEntry) -> dict[str, Any]:
    return {
        "list": e.list.value,
        "key_type": e.key_type.value,
        "key_hash": e.key_hash,
        "display": e.display,
        "reason": e.reason,
        "source": e.source,
        "expires_at": None if e.expires_at is None else e.expires_at.isoformat(),
    }


def _entry_of(doc: dict[str, Any], added_by: str, changes: ListChanges) -> ListEntry:
    """The entry a request's document describes, stored now by `added_by`."""
    expires = doc["expires_at"]
    new = NewListEntry(
        list=ListKind(doc["list"]),
        key_type=KeyType(doc["key_type"]),
        value="",
        reason=doc["reason"],
        source=doc["source"],
        expires_at=None if expires is None else datetime.fromisoformat(expires),
        key_hash=doc["key_hash"],
        display=doc["display"],
    )
    return new_stored_entry(new, added_by, changes.admin)


def _rejected_doc(rows: list[RejectedRow] | tuple[RejectedRow, ...]) -> list[dict[str, Any]]:
    return [{"line": r.line, "errors": [e.msg for e in r.errors]} for r in rows]


def request_addition(entry: NewListEntry, maker: Actor, changes: ListChanges) -> ApprovalRequest:
    """Ask for `entry` to be added; `Conflict` if its key is active on that list already or an
    addition of it is pending."""
    _require_maker(maker)
    stored = new_stored_entry(entry, maker.audit_name, changes.admin)
    with changes.uow() as uow:
        open_now = uow.list_entries.open_on(((stored.key_type, stored.key_hash),))
        for twin in open_now:
            if twin.list == stored.list and twin.active_at(stored.added_at):
                raise Conflict(f"already on the {twin.list.value} list as {twin.id}")
        subject = f"add:{stored.list.value}:{stored.key_type.value}:{stored.key_hash}"
        request = open_request(
            uow,
            KIND,
            subject[:200],
            {"op": ADD, "entry": _entry_doc(stored)},
            maker=maker,
            clock=changes.admin.clock,
            reason=stored.reason,
        )
        uow.commit()
    return request


def request_removal(
    entry_id: str, reason: str, maker: Actor, changes: ListChanges
) -> ApprovalRequest:
    """Ask for an entry to be taken off its list, with why; `NotFound`, or `Conflict` if it is
    removed already or its removal is pending."""
    _require_maker(maker)
    cleaned = check_removal_reason(reason)
    with changes.uow() as uow:
        entry = uow.list_entries.get(entry_id)
        if entry is None:
            raise NotFound(f"no list entry {entry_id!r}")
        if entry.removed_at is not None:
            raise Conflict(f"list entry {entry_id!r} was already removed")
        request = open_request(
            uow,
            KIND,
            f"remove:{entry_id}",
            {"op": REMOVE, "entry_id": entry_id, "display": entry.display},
            maker=maker,
            clock=changes.admin.clock,
            reason=cleaned,
        )
        uow.commit()
    return request


def request_import(
    text: str, maker: Actor, changes: ListChanges
) -> tuple[ApprovalRequest | None, tuple[RejectedRow, ...]]:
    """Ask for a list CSV to be imported, as one request; also the rows refused now (bad
    content). A file with no good row makes no request."""
    _require_maker(maker)
    stored, bad = parse_import(text, maker.audit_name, changes.admin)
    rejected = tuple(sorted(bad, key=lambda r: r.line))
    if not stored:
        return None, rejected
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    with changes.uow() as uow:
        request = open_request(
            uow,
            KIND,
            f"import:{digest}",
            {
                "op": IMPORT,
                "rows": [{"line": line, **_entry_doc(e)} for line, e in stored],
                "rejected": _rejected_doc(rejected),
            },
            maker=maker,
            clock=changes.admin.clock,
            reason=f"import of {len(stored)} rows",
        )
        uow.commit()
    return request, rejected


def approve_change(request_id: str, checker: Actor, changes: ListChanges) -> ListChangeDone:
    """Approve a pending list change (an approver other than who asked) and make it, audited
    with both names; `Conflict` if it cannot be made now (the request stays pending)."""
    clock = changes.admin.clock
    with changes.uow() as uow:
        request = decide(uow, request_id, KIND, checker=checker, approve=True, clock=clock)
        names = {"request_id": request.id, "maker": request.maker, "checker": request.checker}
        payload = request.payload
        done: ListChangeDone
        if payload["op"] == ADD:
            stored = _entry_of(payload["entry"], request.maker, changes)
            done = ListChangeDone(request, entry=apply_addition(uow, stored, "add", **names))
        elif payload["op"] == REMOVE:
            assert request.reason is not None
            removed = apply_removal(
                uow, payload["entry_id"], request.maker, request.reason, clock.now(), **names
            )
            done = ListChangeDone(request, entry=removed)
        else:
            rows = [
                (int(row["line"]), _entry_of(row, request.maker, changes))
                for row in payload["rows"]
            ]
            report = apply_import(uow, rows, (), clock.now(), **names)
            done = ListChangeDone(request, report=report)
        uow.commit()
    return done


def reject_change(
    request_id: str, checker: Actor, reason: str, changes: ListChanges
) -> ApprovalRequest:
    """Refuse a pending list change, with why; the lists do not change."""
    with changes.uow() as uow:
        request = decide(
            uow,
            request_id,
            KIND,
            checker=checker,
            approve=False,
            clock=changes.admin.clock,
            reason=reason,
        )
        uow.commit()
    return request
