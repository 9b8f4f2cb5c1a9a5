"""`fengkong`: the command line. Each command parses, calls a service, and prints: a table for
people, or one JSON document on stdout with `--json`. Progress and logs go to stderr."""

from __future__ import annotations

import typer

from fengkong.cli import applications, audit, db, model, ops, score

app = typer.Typer(
    name="fengkong",
    help="Fengkong (风控): risk control for online lenders.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(model.app, name="model")
app.add_typer(audit.app, name="audit")
app.command("apply")(applications.apply)
app.command("serve")(ops.serve)
app.command("demo")(ops.demo)
app.command("score")(score.score)

if __name__ == "__main__":
    app()
