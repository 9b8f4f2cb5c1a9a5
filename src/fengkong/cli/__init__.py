"""`fengkong`: the command line. Each command parses, calls a service, and prints: a table for
people, or one JSON document on stdout with `--json`. Progress and logs go to stderr."""

from __future__ import annotations

import typer

from fengkong.cli import (
    applications,
    audit,
    db,
    decision,
    fraud,
    keys,
    lending,
    lines,
    lists,
    model,
    ops,
    policy,
    review,
    score,
    servicing,
)

app = typer.Typer(
    name="fengkong",
    help="Fengkong (风控): risk control for online lenders.",
    no_args_is_help=True,
    add_completion=False,
)
app.command("demo")(ops.demo)
app.command("serve")(ops.serve)
app.command("apply")(applications.apply)
app.command("score")(score.score)
app.command("eod")(lending.eod)
app.add_typer(db.app, name="db")
app.add_typer(model.app, name="model")
app.add_typer(decision.app, name="decision")
app.add_typer(policy.app, name="policy")
app.add_typer(review.app, name="review")
app.add_typer(fraud.app, name="fraud")
app.add_typer(keys.app, name="keys")
app.add_typer(lending.app, name="loan")
app.add_typer(lines.app, name="line")
app.add_typer(lists.app, name="lists")
app.add_typer(audit.app, name="audit")
app.add_typer(servicing.app, name="servicing")

if __name__ == "__main__":
    app()
