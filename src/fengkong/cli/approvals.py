"""`fengkong approvals …`: the changes people asked for under maker-checker, as `/v1/approvals`
serves them: list and show them (staff who read borrowers' files); approve or reject one as the
logged-in approver (not the asker). Approving makes the change, by the use case of its kind."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, out

app = typer.Typer(help="Maker-checker requests: list, show, approve, reject.", no_args_is_help=True)


def _doc(request: Any) -> dict[str, Any]:
    from fengkong.api.approval_schemas import ApprovalOut

    return ApprovalOut.of(request).model_dump(mode="json")


def _read(ctx: Any, request_id: str) -> Any:
    from fengkong.access.approvals import get_request

    with ctx.uow() as uow:
        return get_request(uow, request_id)


@app.command("list")
@cli_errors
def approvals_list(
    status: Annotated[str, typer.Option(help="pending, approved, rejected or all.")] = "pending",
    kind: Annotated[
        str | None,
        typer.Option(help="model.promotion, list.change, loan.write_off, loan.restructure."),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Requests, newest first: the pending ones unless `--status` says otherwise."""
    from fengkong.access.approvals import (
        ApprovalKind,
        ApprovalQuery,
        ApprovalStatus,
        find_requests,
    )
    from fengkong.core.errors import FieldError, Invalid

    try:
        wanted = None if status == "all" else ApprovalStatus(status)
    except ValueError:
        raise Invalid((FieldError(("status",), "pending, approved, rejected or all"),)) from None
    try:
        kinds = None if kind is None else ApprovalKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in ApprovalKind)
        raise Invalid((FieldError(("kind",), f"one of {allowed}"),)) from None
    ctx = context()
    acting(ctx, Permission.APPROVALS_READ)
    with ctx.uow() as uow:
        found = find_requests(uow, ApprovalQuery(wanted, kinds, None, limit))
    docs = [_doc(r) for r in found]
    if as_json:
        emit_json(docs)
        return
    table = Table("id", "kind", "subject", "status", "maker", "asked", "checker", "reason")
    for d in docs:
        table.add_row(
            d["id"],
            d["kind"],
            d["subject"][:40],
            d["status"],
            d["maker"],
            d["requested_at"][:19],
            d["checker"] or "-",
            (d["reason"] or "")[:40],
        )
    out.print(table)


@app.command("show")
@cli_errors
def approvals_show(request_id: str, as_json: JsonOpt = False) -> None:
    """One request, with what it would change."""
    ctx = context()
    acting(ctx, Permission.APPROVALS_READ)
    doc = _doc(_read(ctx, request_id))
    if as_json:
        emit_json(doc)
    else:
        for name, value in doc.items():
            out.print(f"{name}: {value}", highlight=False)


def _approve(ctx: Any, request: Any, checker: Any) -> None:
    from fengkong.access.approvals import ApprovalKind

    if request.kind == ApprovalKind.MODEL_PROMOTION:
        from fengkong.scoring.model_admin import approve_model_promotion

        approve_model_promotion(ctx.uow(), request.id, checker=checker, clock=ctx.clock)
    elif request.kind == ApprovalKind.LIST_CHANGE:
        from fengkong.fraud.list_changes import ListChanges, approve_change

        changes = ListChanges(uow=ctx.uow, hasher=ctx.vault.blind_index, clock=ctx.clock)
        approve_change(request.id, checker, changes)
    else:
        from fengkong.lending.loan_changes import approve_loan_change

        approve_loan_change(request.id, checker, ctx.lending)


def _reject(ctx: Any, request: Any, checker: Any, reason: str) -> Any:
    from fengkong.access.approvals import ApprovalKind

    if request.kind == ApprovalKind.MODEL_PROMOTION:
        from fengkong.scoring.model_admin import reject_model_promotion

        return reject_model_promotion(
            ctx.uow(), request.id, checker=checker, reason=reason, clock=ctx.clock
        )
    if request.kind == ApprovalKind.LIST_CHANGE:
        from fengkong.fraud.list_changes import ListChanges, reject_change

        changes = ListChanges(uow=ctx.uow, hasher=ctx.vault.blind_index, clock=ctx.clock)
        return reject_change(request.id, checker, reason, changes)
    from fengkong.lending.loan_changes import reject_loan_change

    return reject_loan_change(request.id, checker, reason, ctx.lending)


@app.command("approve")
@cli_errors
def approvals_approve(request_id: str, as_json: JsonOpt = False) -> None:
    """Approve as the logged-in approver (not the asker): the change is made now, audited with
    both names."""
    ctx = context()
    checker = acting(ctx, Permission.APPROVALS_DECIDE)
    _approve(ctx, _read(ctx, request_id), checker)
    doc = _doc(_read(ctx, request_id))
    if as_json:
        emit_json(doc)
    else:
        out.print(f"{doc['id']} approved: {doc['kind']} of {doc['subject'][:40]} done")


@app.command("reject")
@cli_errors
def approvals_reject(
    request_id: str,
    reason: Annotated[str, typer.Option(help="Why, for who asked.")],
    as_json: JsonOpt = False,
) -> None:
    """Refuse as the logged-in approver (not the asker), with why; nothing changes."""
    ctx = context()
    checker = acting(ctx, Permission.APPROVALS_DECIDE)
    doc = _doc(_reject(ctx, _read(ctx, request_id), checker, reason))
    if as_json:
        emit_json(doc)
    else:
        out.print(f"{doc['id']} rejected")
