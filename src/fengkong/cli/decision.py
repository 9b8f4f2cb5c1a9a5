"""`fengkong decision replay`: re-run stored decisions and check they come out the same."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import Progress

from fengkong.access.permissions import Permission
from fengkong.cli.common import (
    EXIT_FAILED,
    JsonOpt,
    acting,
    cli_errors,
    context,
    emit_json,
    err,
    failure,
    out,
)
from fengkong.cli.finding import decision_list, decision_show
from fengkong.core.errors import FieldError, Invalid

app = typer.Typer(help="Stored decisions: replay, list, show.", no_args_is_help=True)


@app.command("replay")
@cli_errors
def replay(
    decision_id: Annotated[
        str | None,
        typer.Argument(help="A decision id (dec_…), or an officer's (odc_…): its automatic one."),
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Replay every stored decision.")] = False,
    limit: Annotated[int | None, typer.Option(min=1, help="With --all: at most this many.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-run DECISION_ID (or --all) from its stored features, facts, model and policy bundle;
    exit 1 if any outcome, limit, price, score or reason differs. An officer's decision on a
    referral is not re-run: it is listed as a manual override of the automatic one."""
    from fengkong.decision.replay import replay_all

    if (decision_id is None) == (not all_):
        raise Invalid((FieldError(("decision_id",), "give one decision id, or --all"),))
    ctx = context()
    acting(ctx, Permission.PORTFOLIO_SEARCH)
    with ctx.uow() as uow:
        ids = [decision_id] if decision_id else uow.decisions.ids(limit)
        results = []
        with Progress(console=err, transient=True) as progress:
            task = progress.add_task("replaying decisions", total=len(ids))
            for result in replay_all(uow, ctx.artifacts_dir, ids, ctx.sources):
                results.append(result)
                progress.advance(task)
    mismatched = [r for r in results if not r.matches]
    overridden = [(r.decision_id, r.override) for r in results if r.override is not None]
    if as_json:
        doc = {
            "replayed": len(results),
            "matched": len(results) - len(mismatched),
            "mismatches": [
                {"decision_id": r.decision_id, "differences": list(r.differences)}
                for r in mismatched
            ],
            "notes": [
                {"decision_id": r.decision_id, "notes": list(r.notes)} for r in results if r.notes
            ],
            "manual_overrides": [
                {
                    "decision_id": decision_id,
                    "officer_decision_id": o.id,
                    "outcome": o.outcome.value,
                    "decided_by": o.decided_by,
                    "first_approved_by": o.first_approved_by,
                    "decided_at": o.decided_at.isoformat(),
                }
                for decision_id, o in overridden
            ],
        }
        if mismatched:
            doc |= failure(
                "replay_mismatch",
                "Replay differs",
                f"{len(mismatched)} of {len(results)} decisions came out differently",
            )
        emit_json(doc)
    else:
        out.print(f"replayed {len(results)} decisions: {len(results) - len(mismatched)} identical")
        for r in mismatched:
            out.print(f"  {r.decision_id}: " + "; ".join(r.differences), markup=False)
        for r in results:
            for note in r.notes:
                out.print(f"  {r.decision_id}: {note}", markup=False)
        for decision_id, o in overridden:
            out.print(
                f"  {decision_id}: referred; manual override by officer {o.decided_by}"
                + (f" (first approval {o.first_approved_by})" if o.first_approved_by else "")
                + ": "
                f"{o.outcome.value} ({o.id}, {o.decided_at.isoformat()[:16]}), not replayed",
                markup=False,
            )
    if mismatched:
        raise typer.Exit(EXIT_FAILED)


# Finding decisions: the list and the view, beside the other finders (`cli.finding`).
app.command("list")(decision_list)
app.command("show")(decision_show)
