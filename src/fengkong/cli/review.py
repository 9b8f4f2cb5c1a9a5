"""`fengkong review`: the review queue from the command line (list, claim, approve, decline).

The officer is `--officer`, or `FENGKONG_OFFICER` in the environment."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from fengkong.cli.common import JsonOpt, cli_errors, context, emit_json, out
from fengkong.core.money import format_fen

app = typer.Typer(
    help="Review queue: referred applications awaiting an officer.", no_args_is_help=True
)

OfficerOpt = Annotated[
    str, typer.Option("--officer", envvar="FENGKONG_OFFICER", help="Who acts (audited).")
]
CommentOpt = Annotated[str, typer.Option("--comment", help="Why: required, kept in the audit log.")]


@app.command("list")
@cli_errors
def review_list(
    status: Annotated[
        str | None,
        typer.Option(help="open, claimed, awaiting_second, approved, declined or expired."),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many items.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Items as they stand now, soonest due first."""
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.decision.review import ReviewStatus, describe, list_items

    try:
        wanted = None if status is None else ReviewStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in ReviewStatus)
        raise Invalid((FieldError(("status",), f"must be one of {allowed}"),)) from None
    ctx = context()
    with ctx.uow() as uow:
        items = list_items(uow, ctx.clock, status=wanted, limit=limit)
    now = ctx.clock.now()
    if as_json:
        emit_json([{**describe(i), "overdue": i.overdue(now)} for i in items])
        return
    table = Table("id", "status", "amount", "due", "claimed by", "reasons")
    for i in items:
        due = i.due_at.isoformat()[:16] + (" (overdue)" if i.overdue(now) else "")
        table.add_row(
            i.id,
            i.status.value,
            format_fen(i.amount),
            due,
            i.claimed_by or "-",
            ", ".join(r.code for r in i.reasons),
        )
    out.print(table)


def _print(item_doc: dict[str, object], as_json: bool) -> None:
    if as_json:
        emit_json(item_doc)
    else:
        who = item_doc.get("claimed_by") or item_doc.get("decided_by") or "-"
        out.print(f"{item_doc['id']}: {item_doc['status']} ({who})")


@app.command("claim")
@cli_errors
def review_claim(item_id: str, officer: OfficerOpt, as_json: JsonOpt = False) -> None:
    """Take ITEM_ID for the claim timeout."""
    from fengkong.decision.review import ReviewConfig, claim_item, describe

    ctx = context()
    with ctx.uow() as uow:
        item = claim_item(
            uow, item_id, officer, ctx.clock, ReviewConfig.from_settings(ctx.settings)
        )
        uow.commit()
    _print(dict(describe(item)), as_json)


@app.command("approve")
@cli_errors
def review_approve(
    item_id: str, officer: OfficerOpt, comment: CommentOpt, as_json: JsonOpt = False
) -> None:
    """Approve ITEM_ID, which you hold; above the four-eyes amount a second officer finishes it."""
    from fengkong.decision.review import approve_item, describe

    ctx = context()
    with ctx.uow() as uow:
        item = approve_item(uow, item_id, officer, comment, ctx.clock)
        uow.commit()
    _print(dict(describe(item)), as_json)


@app.command("decline")
@cli_errors
def review_decline(
    item_id: str, officer: OfficerOpt, comment: CommentOpt, as_json: JsonOpt = False
) -> None:
    """Decline ITEM_ID, which you hold."""
    from fengkong.decision.review import decline_item, describe

    ctx = context()
    with ctx.uow() as uow:
        item = decline_item(uow, item_id, officer, comment, ctx.clock)
        uow.commit()
    _print(dict(describe(item)), as_json)
