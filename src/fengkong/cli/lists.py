"""`fengkong lists …`: black, grey and white list entries managed by people, as `/v1/lists` serves
them: show and export; add, remove and import ask, as the logged-in officer or risk manager, for
a change that an approver other than them approves (`fengkong approvals approve ID`). Values
are taken in clear only to be hashed, and shown masked."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, err, out

app = typer.Typer(
    help="Black, grey and white lists: show, add, remove, import, export.", no_args_is_help=True
)

ListOpt = Annotated[str | None, typer.Option("--list", help="black, grey or white.")]
KeyTypeOpt = Annotated[
    str | None,
    typer.Option(
        "--key-type",
        help="resident_id (id), mobile (phone), device, ip, ip_prefix, bank_card (card), "
        "employer (company).",
    ),
]


def _admin() -> Any:
    """The lists' reader, once the logged-in actor is found to read them."""
    from fengkong.fraud.list_admin import ListAdmin

    ctx = context()
    acting(ctx, Permission.LISTS_READ)
    return ListAdmin(uow=ctx.uow, hasher=ctx.vault.blind_index, clock=ctx.clock)


def _list_kind(text: str | None) -> Any:
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.fraud.lists import ListKind

    if text is None:
        return None
    try:
        return ListKind(text.strip().lower())
    except ValueError:
        allowed = ", ".join(k.value for k in ListKind)
        raise Invalid((FieldError(("list",), f"must be one of {allowed}"),)) from None


def _key_type(text: str | None) -> Any:
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.fraud.lists import parse_key_type

    if text is None:
        return None
    try:
        return parse_key_type(text)
    except ValueError as exc:
        raise Invalid((FieldError(("key_type",), str(exc)),)) from None


def _doc(entry: Any, now: Any) -> dict[str, Any]:
    from fengkong.api.list_schemas import ListEntryOut

    return ListEntryOut.of(entry, now).model_dump(mode="json")


def _table(docs: list[dict[str, Any]]) -> Table:
    from fengkong.cli.finding import rows_table

    rows = [
        {
            "id": d["id"],  # whole: it is what `lists remove` takes
            "list": d["list"]
            + ("" if d["active"] else (" (removed)" if d["removed_at"] else " (expired)")),
            "key type": d["key_type"],
            "value": d["display"] or "-",
            "reason": d["reason"],
            "source": d["source"],
            "by": d["added_by"],
            "expires": (d["expires_at"] or "-")[:10],
        }
        for d in docs
    ]
    return rows_table(rows, "lists")


def _changes() -> tuple[Any, Any]:
    """The list changes' collaborators and the logged-in actor, who must manage the lists."""
    from fengkong.fraud.list_changes import ListChanges

    ctx = context()
    actor = acting(ctx, Permission.LISTS_MANAGE)
    changes = ListChanges(uow=ctx.uow, hasher=ctx.vault.blind_index, clock=ctx.clock)
    return changes, actor


def _print_request(request: Any, as_json: bool) -> None:
    from fengkong.api.approval_schemas import ApprovalOut

    doc = ApprovalOut.of(request).model_dump(mode="json")
    if as_json:
        emit_json(doc)
    else:
        out.print(f"{doc['id']}: {doc['subject'][:40]} awaits an approver", highlight=False)


@app.command("show")
@cli_errors
def show(
    list_: ListOpt = None,
    key_type: KeyTypeOpt = None,
    value: Annotated[
        str | None, typer.Option("--value", help="Only this key's entries (needs --key-type).")
    ] = None,
    entry_id: Annotated[str | None, typer.Option("--id", help="One entry by its id.")] = None,
    include_inactive: Annotated[
        bool, typer.Option("--all", help="Removed and expired entries too.")
    ] = False,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Entries with their values masked: active ones, newest first."""
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.fraud.list_admin import ListEntryQuery, find_entries, get_entry, key_of

    admin = _admin()
    if entry_id is not None:
        entries: tuple[Any, ...] = (get_entry(entry_id, admin),)
    else:
        kind = _key_type(key_type)
        hashed = None
        if value is not None:
            if kind is None:
                raise Invalid((FieldError(("key_type",), "is needed to look up a value"),))
            hashed = key_of(kind, value, admin)
        query = ListEntryQuery(_list_kind(list_), kind, hashed, include_inactive, limit)
        entries = find_entries(query, admin)
    now = admin.clock.now()
    docs = [_doc(e, now) for e in entries]
    if as_json:
        emit_json(docs)
        return
    if docs:
        out.print(_table(docs))
    else:
        err.print("nothing found", highlight=False)  # as the finding lists say it


@app.command("add")
@cli_errors
def add(
    list_: Annotated[str, typer.Option("--list", help="black, grey or white.")],
    key_type: Annotated[str, typer.Option("--key-type", help="mobile (phone), resident_id …")],
    value: Annotated[str, typer.Option("--value", help="The key in clear: hashed, never kept.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded and audited).")],
    source: Annotated[str, typer.Option("--source", help="Where it comes from: a case, a rule.")],
    expires: Annotated[
        str | None,
        typer.Option("--expires", help="YYYY-MM-DD (through that day, Beijing time) or ISO."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask for a key to go on a list; once an approver other than you approves, applications
    with it hit the list."""
    from fengkong.fraud.list_changes import request_addition
    from fengkong.fraud.lists import parse_entry

    changes, actor = _changes()
    fields = {
        "list": list_,
        "key_type": key_type,
        "value": value,
        "reason": reason,
        "source": source,
        "expires_at": expires,
    }
    request = request_addition(parse_entry(fields, changes.clock.now()), actor, changes)
    _print_request(request, as_json)


@app.command("remove")
@cli_errors
def remove(
    entry_id: str,
    reason: Annotated[str, typer.Option("--reason", help="Why (recorded and audited).")],
    as_json: JsonOpt = False,
) -> None:
    """Ask for an entry to come off its list; once approved, it stays on record with who asked,
    who approved, when and why."""
    from fengkong.fraud.list_changes import request_removal

    changes, actor = _changes()
    _print_request(request_removal(entry_id, reason, actor, changes), as_json)


@app.command("import")
@cli_errors
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV: list,key_type,value,reason,source,expires_at")],
    as_json: JsonOpt = False,
) -> None:
    """Ask for a CSV (or an export) to be imported: one request for its good rows, which an
    approver other than you approves; each bad row reported with its line number, field and
    why. Exit 2 when any row was rejected (the good ones are asked for all the same); a bad
    header asks nothing."""
    from fengkong.api.approval_schemas import ImportRequestOut
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.fraud.list_changes import request_import

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid((FieldError(("file",), f"cannot read {file}: {exc}"),)) from None
    changes, actor = _changes()
    request, rejects = request_import(text, actor, changes)
    doc = ImportRequestOut.of(request, rejects).model_dump(mode="json")
    if as_json:
        emit_json(doc)
    else:
        asked = "no request" if request is None else f"request {request.id}"
        out.print(f"{asked} awaits an approver; rejected {doc['rejected']} rows")
    for r in doc["rejects"]:
        for e in r["errors"]:
            err.print(
                f"  line {r['line']}: {e['field']}: {e['msg']}", highlight=False, markup=False
            )
    if doc["rejected"]:
        raise typer.Exit(2)


@app.command("export")
@cli_errors
def export(
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write here (default: stdout).")
    ] = None,
    list_: ListOpt = None,
    key_type: KeyTypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The active entries as a CSV that imports back: blind indexes and masked displays only,
    never a value in clear. With --json, one document: the count and the file (or the CSV)."""
    from fengkong.fraud.list_admin import ListEntryQuery, export_entries

    query = ListEntryQuery(_list_kind(list_), _key_type(key_type), limit=None)
    text, count = export_entries(query, _admin())
    if out_file is None:
        emit_json({"exported": count, "csv": text}) if as_json else typer.echo(text, nl=False)
        return
    out_file.write_text(text, encoding="utf-8")
    if as_json:
        emit_json({"exported": count, "out": str(out_file)})
        return
    out.print(f"exported {count} entries to {out_file}", highlight=False)
