"""`fengkong`: the command line. Each command parses, calls a service, and prints: a table for
people, or one JSON document on stdout with `--json`. Progress and logs go to stderr."""

from __future__ import annotations

import typer

from fengkong.cli import (
    applications,
    audit,
    db,
    decision,
    finding,
    finding_lending,
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
# Finding things: lists and views of applications, decisions, loans, lines and customers.
app.add_typer(finding.application_app, name="application")
app.add_typer(finding_lending.customer_app, name="customer")
decision.app.command("list")(finding.decision_list)
decision.app.command("show")(finding.decision_show)
lending.app.command("list")(finding_lending.loan_list)
lines.app.command("list")(finding_lending.line_list)
lines.app.command("show")(finding_lending.line_show)

if __name__ == "__main__":
    app()
