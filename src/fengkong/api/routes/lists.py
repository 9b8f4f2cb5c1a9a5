"""/v1/lists: black, grey and white list entries managed by people — add, find, remove, import
and export. Every change is audited with the authenticated caller's audit name; values are accepted
in clear only in request bodies and are never shown back: entries carry a masked display."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from fengkong.api.deps import ActorDep, ContextDep
from fengkong.api.list_schemas import (
    ImportOut,
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
    add_entry,
    export_entries,
    find_entries,
    get_entry,
    import_entries,
    key_of,
    remove_entry,
)
from fengkong.fraud.lists import ListKind, parse_key_type

router = APIRouter(prefix="/v1/lists", tags=["lists"])

MAX_IMPORT_BYTES = 20 * 1024 * 1024
PROBLEMS = {
    404: {"description": "Unknown list entry (problem+json)"},
    409: {"description": "Already on that list, or already removed (problem+json)"},
    422: {"description": "Invalid input, with field-level errors (problem+json)"},
}


def officer(actor: ActorDep) -> str:
    return actor.audit_name


def list_admin(ctx: ContextDep) -> ListAdmin:
    return admin_of(ctx)


def admin_of(ctx: Context) -> ListAdmin:
    return ListAdmin(uow=ctx.uow, hasher=ctx.vault.blind_index, clock=ctx.clock)


async def csv_text(request: Request) -> str:
    """The request body as UTF-8 text (a byte-order mark is dropped)."""
    raw = await request.body()
    if len(raw) > MAX_IMPORT_BYTES:
        raise Invalid((FieldError(("body",), f"at most {MAX_IMPORT_BYTES} bytes"),))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid((FieldError(("body",), "not UTF-8 text"),)) from None


OfficerDep = Annotated[str, Depends(officer)]
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


@router.post("/entries", status_code=status.HTTP_201_CREATED, responses=PROBLEMS)  # type: ignore[arg-type]
def add(body: ListEntryIn, who: OfficerDep, admin: AdminDep) -> ListEntryOut:
    """Put a key on a list; applications with it hit the list from now on."""
    entry = add_entry(body.entry(admin.clock.now()), who, admin)
    return ListEntryOut.of(entry, admin.clock.now())


@router.get("/entries/{entry_id}", responses=PROBLEMS)  # type: ignore[arg-type]
def read(entry_id: str, admin: AdminDep) -> ListEntryOut:
    return ListEntryOut.of(get_entry(entry_id, admin), admin.clock.now())


@router.post("/entries/{entry_id}/remove", responses=PROBLEMS)  # type: ignore[arg-type]
def remove(entry_id: str, body: RemovalIn, who: OfficerDep, admin: AdminDep) -> ListEntryOut:
    """Take an entry off its list; it stays on record with who removed it, when and why."""
    return ListEntryOut.of(remove_entry(entry_id, who, body.reason, admin), admin.clock.now())


@router.post(
    "/import",
    responses=PROBLEMS,  # type: ignore[arg-type]
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def import_csv(text: CsvDep, who: OfficerDep, admin: AdminDep) -> ImportOut:
    """Import a CSV (`list,key_type,value,reason,source,expires_at`, or an export's rows): good
    rows are added, each bad one reported with its line and why. A bad header adds nothing."""
    return ImportOut.of(import_entries(text, who, admin), admin.clock.now())


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
