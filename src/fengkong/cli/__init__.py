"""`fengkong`: the command line. Each command parses, calls a service, and prints: a table for
people, or one JSON document on stdout with `--json`. Progress and logs go to stderr."""

from __future__ import annotations

import typer

from fengkong.cli import applications, audit, db, lending, model, ops, score
from fengkong.cli import fraud as fraud_cli
from fengkong.cli import keys as keys_cli
from fengkong.cli import policy as policy_cli
from fengkong.cli import review as review_cli

app = typer.Typer(
    name="fengkong",
    help="Fengkong (风控): risk control for online lenders.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(model.app, name="model")
app.add_typer(audit.app, name="audit")
app.add_typer(policy_cli.app, name="policy")
app.add_typer(review_cli.app, name="review")
app.add_typer(keys_cli.app, name="keys")
app.add_typer(fraud_cli.app, name="fraud")
app.command("apply")(applications.apply)
app.command("serve")(ops.serve)
app.command("demo")(ops.demo)
app.command("score")(score.score)
app.add_typer(lending.app, name="loan")
app.command("eod")(lending.eod)

if __name__ == "__main__":
    app()
