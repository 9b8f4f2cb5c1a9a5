"""`fengkong`: the command line. Each command parses, calls a service, and prints: a table for
people, or one JSON document on stdout with `--json`. Progress and logs go to stderr. Exit codes
and the JSON error document are described in `fengkong.cli.common`."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from typing import Any

import typer

from fengkong.cli import applications, eod, lending, ops, score, sessions
from fengkong.cli.common import (
    EXIT_CODES_HELP,
    EXIT_FAILED,
    EXIT_INVALID,
    EXIT_OK,
    emit_json,
    failure,
    snake_case,
)
from fengkong.cli.lazy import LazyCommand, LazyGroup

# The command groups, in the order the help lists them, each imported only when it runs.
GROUPS: dict[str, LazyCommand] = {
    "db": LazyCommand("db", "app", "Database: schema, backup, restore, idempotency records."),
    "model": LazyCommand(
        "model", "app", "Credit models: train, list, request and approve promotion."
    ),
    "decision": LazyCommand("decision", "app", "Stored decisions: replay, list, show."),
    "policy": LazyCommand(
        "policy", "app", "Policy versions: submit, activate (maker-checker), list."
    ),
    "review": LazyCommand(
        "review", "app", "Review queue: referred applications awaiting an officer."
    ),
    "fraud": LazyCommand("fraud", "app", "Fraud signals: evaluation, anomaly model."),
    "data-keys": LazyCommand("data_keys", "app", "Personal-data keys: rotate, retire."),
    "users": LazyCommand(
        "users",
        "app",
        "Users: bootstrap the first admin, create, list, disable, roles, passwords, TOTP.",
    ),
    "keys": LazyCommand(
        "api_keys", "app", "API keys for channels and partners: issue, list, revoke."
    ),
    "loan": LazyCommand(
        "lending", "app", "Loans: offers, booking, payout, repayments, settlement."
    ),
    "line": LazyCommand(
        "lines",
        "app",
        "Credit lines: open, show, draw, repay, freeze, unfreeze, close, limit, reinstate, "
        "notices, scores, receipt-add, receipts.",
    ),
    "lists": LazyCommand(
        "lists", "app", "Black, grey and white lists: show, add, remove, import, export."
    ),
    "audit": LazyCommand("audit", "app", "The tamper-evident audit log."),
    "simulate": LazyCommand(
        "simulate",
        "app",
        "Simulate a lender's months day by day; compare two policies or models.",
    ),
    "approvals": LazyCommand(
        "approvals", "app", "Maker-checker requests: list, show, approve, reject."
    ),
    "servicing": LazyCommand(
        "servicing", "app", "Servicing: guarantees, auto-debit cards, collateral, collections."
    ),
    "report": LazyCommand(
        "report",
        "app",
        "Portfolio and model reports: snapshots, vintages, rolls, concentration, drift.",
    ),
    "alerts": LazyCommand(
        "alerts", "app", "Early-warning alerts: evaluate the rules, list, acknowledge."
    ),
    "sources": LazyCommand(
        "sources",
        "app",
        "External data: what was fetched for an application, fetch, import, purge.",
    ),
    # Finding things: lists and views of applications and customers (those of decisions, loans
    # and lines are in their own groups).
    "application": LazyCommand(
        "finding", "application_app", "Applications: list, show, and identity checks."
    ),
    "customer": LazyCommand(
        "finding_lending",
        "customer_app",
        "Customers: one borrower across applications, loans and lines.",
    ),
}


class JsonErrorsGroup(LazyGroup):
    """The top-level group. When `--json` is among the arguments, what Click would print as text
    — an unknown option, a missing argument, a value of the wrong type — and any unexpected
    exception also come out as the one JSON error document on stdout."""

    lazy = GROUPS

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        if not standalone_mode or "--json" not in argv:
            return super().main(
                argv, prog_name, complete_var, standalone_mode, windows_expand_args, **extra
            )
        try:
            result = super().main(
                argv, prog_name, complete_var, False, windows_expand_args, **extra
            )
        except typer.TyperException as exc:  # Click's usage errors (Typer vendors Click)
            usage = exc.exit_code == EXIT_INVALID or type(exc).__name__ == "FileError"
            code = EXIT_INVALID if usage else exc.exit_code
            category = "usage" if code == EXIT_INVALID else "refused"
            sys.stderr.write(f"error: {exc.format_message()}\n")
            doc = failure(
                snake_case(type(exc).__name__),
                "Bad usage" if code == EXIT_INVALID else "Failed",
                exc.format_message(),
                code,
                category=category,
            )
            param = getattr(exc, "param", None)
            if param is not None and param.name:
                doc["errors"] = [{"loc": [param.name], "msg": exc.message, "type": doc["code"]}]
            emit_json(doc)
            sys.exit(code)
        except typer.Abort:
            emit_json(failure("aborted", "Aborted", "aborted", EXIT_FAILED))
            sys.exit(EXIT_FAILED)
        except Exception as exc:  # anything a command did not expect: still one document
            traceback.print_exc(file=sys.stderr)
            detail = f"{type(exc).__name__}: {exc}"
            emit_json(
                failure("internal_error", "Internal error", detail, category="internal_error")
            )
            sys.exit(EXIT_FAILED)
        # Without standalone mode Click returns the exit code a command raised with `Exit`, and
        # a command's own return value (always None here) on success.
        sys.exit(result if isinstance(result, int) else EXIT_OK)


app = typer.Typer(
    name="fengkong",
    cls=JsonErrorsGroup,
    help="Fengkong (风控): risk control for online lenders.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    add_completion=False,
    # A crash's traceback must not print local variables: they hold ID numbers, phones and names
    # typed on the command line (Typer's default today, pinned against a change of default).
    pretty_exceptions_show_locals=False,
)
app.command("demo", epilog=EXIT_CODES_HELP)(ops.demo)
app.command("serve")(ops.serve)
app.command("apply", epilog=EXIT_CODES_HELP)(applications.apply)
app.command("score", epilog=EXIT_CODES_HELP)(score.score)
app.command("eod", epilog=EXIT_CODES_HELP)(lending.eod)
app.command("eod-steps", epilog=EXIT_CODES_HELP)(eod.steps)
app.command("login", epilog=EXIT_CODES_HELP)(sessions.login)
app.command("logout")(sessions.logout)
app.command("whoami")(sessions.whoami)

if __name__ == "__main__":
    app()
