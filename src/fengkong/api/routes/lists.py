"""/v1/lists: black, grey and white list entries managed by people — find and export; ask for
an entry to be added or removed, or a CSV imported: each is a request (202) that an approver
other than the asker approves at `/v1/approvals/{id}/approve` (maker-checker). Values are
accepted in clear only in request bodies and are never shown back: entries carry a masked
display, requests the blind index."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from fengkong.api.approval_schemas import ApprovalOut, ImportRequestOut
from fengkong.api.deps import ActorDep, ContextDep
from fengkong.api.list_schemas import (
    ListEntryIn,
    ListEntryOut,
    ListSearchIn,
    RemovalIn,
)
from fengkong.bootstrap import Context
from fengkong.core.errors import FieldError, Invalid
from fengkong.fraud.keys import KeyType
from fengkong.fraud.list_admin import (
    ListAdmin,
    ListEntryQuery,
    export_entries,
    find_entries,
    get_entry,
    key_of,
)
from fengkong.fraud.list_changes import (
    ListChanges,
    request_addition,
    request_import,
    request_removal,
)
from fengkong.fraud.lists import ListKind, parse_key_type

router = APIRouter(prefix="/v1/lists", tags=["lists"])

MAX_IMPORT_BYTES = 20 * 1024 * 1024
PROBLEMS = {
    401: {"description": "No valid credentials (problem+json)"},
    403: {"description": "Neither an officer nor a risk manager (problem+json)"},
    404: {"description": "Unknown list entry (problem+json)"},
    409: {
        "description": "Already on that list, already removed, or the same change is pending "
        "(problem+json)"
    },
    422: {"description": "Invalid input, with field-level errors (problem+json)"},
}


def list_admin(ctx: ContextDep) -> ListAdmin:
    return admin_of(ctx)


def admin_of(ctx: Context) -> ListAdmin:
    return ListAdmin(uow=ctx.uow, hasher=ctx.vault.blind_index, clock=ctx.clock)


def changes_of(ctx: Context) -> ListChanges:
    return ListChanges(uow=ctx.uow, hasher=ctx.vault.blind_index, clock=ctx.clock)


def list_changes(ctx: ContextDep) -> ListChanges:
    return changes_of(ctx)


async def csv_text(request: Request) -> str:
    """The request body as UTF-8 text (a byte-order mark is dropped)."""
    raw = await request.body()
    if len(raw) > MAX_IMPORT_BYTES:
        raise Invalid((FieldError(("body",), f"at most {MAX_IMPORT_BYTES} bytes"),))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid((FieldError(("body",), "not UTF-8 text"),)) from None


ChangesDep = Annotated[ListChanges, Depends(list_changes)]
AdminDep = Annotated[ListAdmin, Depends(list_admin)]
CsvDep = Annotated[str, Depends(csv_text)]


def _key_type(text: str | None) -> KeyType | None:
    if text is None:
        return None
    try:
        return parse_key_type(text)
    except ValueError as exc:
        raise Invalid((FieldError(("key_type",), str(exc)),)) from None


@router.get("/entries", responses=PROBLEMS)  # type: ignore[arg-type]
def list_entries(
    admin: AdminDep,
    list_: Annotated[ListKind | None, Query(alias="list")] = None,
    key_type: str | None = None,
    include_inactive: bool = False,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> list[ListEntryOut]:
    """Entries, newest first: active ones, or with `include_inactive` removed and expired too."""
    query = ListEntryQuery(list_, _key_type(key_type), None, include_inactive, limit)
    now = admin.clock.now()
    return [ListEntryOut.of(e, now) for e in find_entries(query, admin)]


@router.post("/entries/search", responses=PROBLEMS)  # type: ignore[arg-type]
def search_entries(body: ListSearchIn, admin: AdminDep) -> list[ListEntryOut]:
    """The entries on one key, found by its blind index."""
    key_type = _key_type(body.key_type)
    assert key_type is not None
    hashed = key_of(key_type, body.value, admin)
    query = ListEntryQuery(body.list, key_type, hashed, body.include_inactive, None)
    now = admin.clock.now()
    return [ListEntryOut.of(e, now) for e in find_entries(query, admin)]


@router.post("/entries", status_code=status.HTTP_202_ACCEPTED, responses=PROBLEMS)  # type: ignore[arg-type]
def add(body: ListEntryIn, actor: ActorDep, changes: ChangesDep) -> ApprovalOut:
    """Ask for a key to go on a list; once an approver other than you approves, applications
    with it hit the list."""
    return ApprovalOut.of(request_addition(body.entry(changes.clock.now()), actor, changes))


@router.get("/entries/{entry_id}", responses=PROBLEMS)  # type: ignore[arg-type]
def read(entry_id: str, admin: AdminDep) -> ListEntryOut:
    return ListEntryOut.of(get_entry(entry_id, admin), admin.clock.now())


@router.post(
    "/entries/{entry_id}/remove",
    status_code=status.HTTP_202_ACCEPTED,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def remove(entry_id: str, body: RemovalIn, actor: ActorDep, changes: ChangesDep) -> ApprovalOut:
    """Ask for an entry to come off its list; once approved, it stays on record with who
    asked, who approved, when and why."""
    return ApprovalOut.of(request_removal(entry_id, body.reason, actor, changes))


@router.post(
    "/import",
    status_code=status.HTTP_202_ACCEPTED,
    responses=PROBLEMS,  # type: ignore[arg-type]
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def import_csv(text: CsvDep, actor: ActorDep, changes: ChangesDep) -> ImportRequestOut:
    """Ask for a CSV (`list,key_type,value,reason,source,expires_at`, or an export's rows) to be
    imported: one request for its good rows, each bad one reported with its line and why. A bad
    header asks nothing. Once approved, the rows still good then are added."""
    request, rejects = request_import(text, actor, changes)
    return ImportRequestOut.of(request, rejects)


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The entries as CSV"}},
)
def export(
    admin: AdminDep,
    list_: Annotated[ListKind | None, Query(alias="list")] = None,
    key_type: str | None = None,
) -> Response:
    """The active entries as a CSV that imports back: blind indexes and masked displays, no
    value in clear."""
    text, _ = export_entries(ListEntryQuery(list_, _key_type(key_type), limit=None), admin)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="fengkong-lists.csv"'},
    )
