"""`fengkong review`: the review queue from the command line (list, show, claim, approve,
decline).

The officer is the logged-in person, recorded by audit name (`user:olivia`) as the API records
them: the name that claims an item is the one that approves or declines it."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, err, out
from fengkong.core.money import fen_to_yuan, format_fen

app = typer.Typer(
    help="Review queue: referred applications awaiting an officer.", no_args_is_help=True
)

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
    from fengkong.decision.review import ReviewStatus
    from fengkong.decision.review_queue import describe, list_items

    try:
        wanted = None if status is None else ReviewStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in ReviewStatus)
        raise Invalid((FieldError(("status",), f"must be one of {allowed}"),)) from None
    ctx = context()
    acting(ctx, Permission.REVIEW_READ)
    with ctx.uow() as uow:
        items = list_items(uow, ctx.clock, status=wanted, limit=limit)
    now = ctx.clock.now()
    if as_json:
        emit_json([{**describe(i), "overdue": i.overdue(now)} for i in items])
        return
    from fengkong.cli.finding import rows_table

    rows = [
        {
            "id": i.id,
            "status": i.status.value,
            "amount": format_fen(i.amount, symbol=False),
            "due": i.due_at.isoformat()[5:16].replace("T", " ")
            + (" overdue" if i.overdue(now) else ""),
            "claimed by": i.claimed_by or "-",
            # the first reason is the policy's; `review show` lists them all
            "reasons": (i.reasons[0].code if i.reasons else "-")
            + (f" +{len(i.reasons) - 1}" if len(i.reasons) > 1 else ""),
        }
        for i in items
    ]
    if rows:
        out.print(rows_table(rows, "review queue"))
    else:
        err.print("nothing found", highlight=False)  # as the finding lists say it


def _print(item_doc: dict[str, object], as_json: bool) -> None:
    if as_json:
        emit_json(item_doc)
    else:
        who = item_doc.get("claimed_by") or item_doc.get("decided_by") or "-"
        out.print(f"{item_doc['id']}: {item_doc['status']} ({who})")


@app.command("claim")
@cli_errors
def review_claim(item_id: str, as_json: JsonOpt = False) -> None:
    """Take ITEM_ID for the claim timeout, as the logged-in person."""
    from fengkong.decision.review import ReviewConfig
    from fengkong.decision.review_actions import claim
    from fengkong.decision.review_queue import describe

    ctx = context()
    officer = acting(ctx, Permission.REVIEW_WORK).audit_name
    item = claim(ctx.uow(), item_id, officer, ctx.clock, ReviewConfig.from_settings(ctx.settings))
    _print(dict(describe(item)), as_json)


LimitOpt = Annotated[
    str | None,
    typer.Option(
        "--limit",
        help="Limit granted, yuan (e.g. 5000.00), within the policy's bounds; "
        "default: the policy's own limit, else the amount applied for.",
    ),
]
RateOpt = Annotated[
    str | None,
    typer.Option(
        "--annual-rate", help="Nominal annual rate, a fraction (0.15); default: the policy's."
    ),
]
TermOpt = Annotated[
    int | None, typer.Option("--term-months", help="A term the product offers; default: asked.")
]
ReasonOpt = Annotated[
    str | None,
    typer.Option(
        "--reason",
        help="Decline reason code: REV_DECLINED (default), REV_INCOME_NOT_VERIFIED, "
        "REV_NOT_AFFORDABLE, REV_IDENTITY_NOT_CONFIRMED, REV_FRAUD_SUSPECTED, "
        "REV_DOCUMENTS_MISSING.",
    ),
]


def _reviewed_doc(reviewed: Any) -> dict[str, object]:
    from fengkong.decision.review_queue import describe

    decision = reviewed.decision
    return {
        **describe(reviewed.item),
        "officer_decision": None if decision is None else decision.as_dict(),
    }


def _print_reviewed(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(doc)
        return
    decision = doc["officer_decision"]
    if decision is None:
        out.print(f"{doc['id']}: {doc['status']} (first approval by {doc['first_approved_by']})")
    elif decision["outcome"] == "approve":
        out.print(
            f"{doc['id']}: approved by {decision['decided_by']}: ¥{decision['approved_amount']} "
            f"at {decision['annual_rate']} over {decision['term_months']} months, "
            f"APR {decision['apr']} ({decision['id']})"
        )
    else:
        reason = decision["reasons"][0]
        out.print(
            f"{doc['id']}: declined by {decision['decided_by']}: {reason['code']} "
            f"({decision['id']})"
        )


@app.command("show")
@cli_errors
def review_show(item_id: str, as_json: JsonOpt = False) -> None:
    """ITEM_ID with its history and, while it awaits a decision, what an officer may grant."""
    from fengkong.decision.officer import bounds_of_item
    from fengkong.decision.review_queue import describe, get_item

    ctx = context()
    acting(ctx, Permission.REVIEW_READ)
    with ctx.uow() as uow:
        item, events = get_item(uow, item_id, ctx.clock)
        bounds = bounds_of_item(uow, item_id, ctx.clock)
    doc = {
        **describe(item),
        "events": [
            {
                "at": e.at.isoformat(),
                "officer": e.officer,
                "action": e.action.value,
                "comment": e.comment,
            }
            for e in events
        ],
        "bounds": None if bounds is None else bounds.as_dict(),
    }
    if as_json:
        emit_json(doc)
        return
    out.print(f"{item.id}: {item.status.value}, ¥{doc['amount']} asked", markup=False)
    if bounds is not None:
        out.print(
            f"  limit ¥{fen_to_yuan(bounds.min_amount)}..¥{fen_to_yuan(bounds.max_amount)} "
            f"({bounds.max_amount_basis}); rate {bounds.min_annual_rate}..{bounds.max_annual_rate};"
            f" terms {', '.join(map(str, bounds.terms))}; APR cap {bounds.apr_cap}",
            markup=False,
        )
        if bounds.security:
            out.print(f"  security (担保) may be asked: {', '.join(bounds.security)}", markup=False)
    for e in events:
        out.print(
            f"  {e.at.isoformat()[:16]} {e.officer}: {e.action.value} {e.comment}", markup=False
        )


@app.command("approve")
@cli_errors
def review_approve(
    item_id: str,
    comment: CommentOpt,
    limit: LimitOpt = None,
    annual_rate: RateOpt = None,
    term_months: TermOpt = None,
    security: Annotated[
        str | None,
        typer.Option(
            "--security",
            help="Approve on condition of security (需提供担保后批准): one of the policy's "
            "security requirements, e.g. guarantor_or_collateral.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Approve ITEM_ID, which you hold, on terms within the referring policy's bounds; above the
    four-eyes amount a second officer confirms the same terms. The final approval can then be
    offered and booked (`fengkong loan offer` / `accept`); with `--security`, only once the
    collateral or guarantor it asks for is registered (`fengkong servicing secure-*`). You act as the logged-in person,
    under your login name (which must hold the claim); a second approval needs the approver
    role."""
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.core.money import yuan_to_fen
    from fengkong.decision.officer_terms import AskedTerms, parse_rate
    from fengkong.decision.review_actions import approve

    try:
        amount = None if limit is None else yuan_to_fen(limit)
    except Invalid as exc:
        raise Invalid(tuple(FieldError(("limit",), e.msg) for e in exc.errors)) from None
    asked = AskedTerms(amount, parse_rate(annual_rate), term_months, security)
    ctx = context()
    actor = acting(ctx, Permission.REVIEW_WORK)
    reviewed = approve(ctx.uow(), item_id, actor, comment, ctx.clock, asked)
    _print_reviewed(_reviewed_doc(reviewed), as_json)


@app.command("decline")
@cli_errors
def review_decline(
    item_id: str,
    comment: CommentOpt,
    reason: ReasonOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Decline ITEM_ID, which you hold, for a reason the applicant is told; the application is
    flagged on the identity-link graph as an automatic decline is. You act as the logged-in
    person, under your login name (which must hold the claim)."""
    from fengkong.decision.declines import decline_and_flag

    ctx = context()
    officer = acting(ctx, Permission.REVIEW_WORK).audit_name
    reviewed = decline_and_flag(
        ctx.uow, ctx.fraud, item_id, officer, comment, ctx.clock, reason_code=reason
    )
    _print_reviewed(_reviewed_doc(reviewed), as_json)
