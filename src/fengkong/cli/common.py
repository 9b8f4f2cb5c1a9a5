"""What every command shares: consoles, `--json` output, and the mapping of domain errors to
exit codes and to the JSON error document.

Exit codes, the same for every command:

- 0: done. A decision of any outcome (approve, decline, refer, verify) is done: `fengkong apply`
  exits 0 for a decline, whose outcome and reasons are in its output.
- 1: refused by the domain or failed: no credentials or a role that does not allow it, a conflict with the stored state (a claimed item, a reused
  idempotency key, a loan in the wrong status), something not found, a payout the channel
  declined, a replay that differs, a broken audit chain, no model trained yet.
- 2: bad usage or bad input: an unknown option, a missing argument, a malformed value, a value
  outside a field's allowed set, a missing or unreadable input file; for `fengkong score`, also
  rows refused while the rest of the file was scored.

With `--json` every outcome is one JSON document on stdout. When the exit code is not 0 the
document has `code` (stable, snake_case: the specific error, e.g. `loan_not_found`),
`category` (`invalid`, `unauthenticated`, `forbidden`, `not_found`, `conflict`, `unavailable`, `integrity_broken`, `usage`, `refused` or
`internal_error`), `message` (a short title), `detail` (what went wrong) and, for invalid input,
`errors`: one `{loc, msg, type}` per field, with `allowed` when the field has an allowed set.
Amounts in every document are plain decimal strings of yuan ("3939.00"), or integers in fields
whose names end in `_fen`.
"""

from __future__ import annotations

import functools
import gc
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from fengkong.core.errors import (
    Conflict,
    FengkongError,
    FieldError,
    Forbidden,
    IntegrityBroken,
    Invalid,
    NotFound,
    Unauthenticated,
    Unavailable,
)

if TYPE_CHECKING:
    from pydantic import ValidationError

    from fengkong.access.permissions import Permission
    from fengkong.bootstrap import Context
    from fengkong.core.actor import Actor

P = ParamSpec("P")
R = TypeVar("R")

# Piped or redirected, a table keeps its columns whole (Rich would assume 80 columns and cut
# them); COLUMNS, when set, still decides.
PIPED_WIDTH = 200


def _console(*, stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    piped = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(stderr=stderr, width=PIPED_WIDTH if piped else None)


out = _console(stderr=False)
err = _console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]

EXIT_OK = 0
EXIT_FAILED = 1  # refused by the domain, or failed
EXIT_INVALID = 2  # bad usage or bad input

EXIT_CODES_HELP = (
    "Exit codes: 0 done (a declined application included); 1 refused or failed (conflict, not "
    "found, payout declined, replay differs, audit chain broken); 2 bad usage or bad input "
    "(unknown option, malformed value, value outside its allowed set, missing file). With "
    "--json, every outcome is one JSON document on stdout; on a non-zero exit it carries `code`, "
    "`category`, `message` and `detail`."
)

# The few categories of domain error, most specific first; each is also the `code` of an error
# raised as the base class itself. A subclass's `code` is its class name in snake_case (`LoanNotFound` →
# `loan_not_found`): renaming an error class changes its code, so don't, or keep the old code.
CATEGORIES: tuple[tuple[type[FengkongError], str], ...] = (
    (Invalid, "invalid"),
    (Unauthenticated, "unauthenticated"),
    (Forbidden, "forbidden"),
    (NotFound, "not_found"),
    (Conflict, "conflict"),
    (Unavailable, "unavailable"),
    (IntegrityBroken, "integrity_broken"),
    (FengkongError, "error"),
)


def snake_case(name: str) -> str:
    """`LoanNotFound` → `loan_not_found`; `JdmError` → `jdm_error`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def error_category(exc: FengkongError) -> str:
    return next(category for cls, category in CATEGORIES if isinstance(exc, cls))


def error_code(exc: FengkongError) -> str:
    """The stable code of a domain error: its category for the base classes, else its class
    name in snake_case."""
    if any(type(exc) is cls for cls, _ in CATEGORIES):
        return error_category(exc)
    return snake_case(type(exc).__name__)


def exit_code_of(exc: FengkongError) -> int:
    return EXIT_INVALID if isinstance(exc, Invalid) else EXIT_FAILED


def error_document(exc: FengkongError) -> dict[str, Any]:
    """The one JSON document a failed command prints with `--json`."""
    doc: dict[str, Any] = {
        "code": error_code(exc),
        "category": error_category(exc),
        "message": exc.title,
        "detail": exc.detail,
        "exit_code": exit_code_of(exc),
    }
    if isinstance(exc, Invalid):
        doc["errors"] = [e.as_dict() for e in exc.errors]
    return doc


def failure(
    code: str,
    message: str,
    detail: str,
    exit_code: int = EXIT_FAILED,
    *,
    category: str = "refused",
) -> dict[str, Any]:
    """The error fields of a report that ends with a non-zero exit (a replay that differs, a
    payout declined): merge them into the report so the one document says both."""
    return {
        "code": code,
        "category": category,
        "message": message,
        "detail": detail,
        "exit_code": exit_code,
    }


def cli_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Domain errors become a message on stderr (and, with `--json`, the error document on
    stdout) and a non-zero exit: 2 for bad input, 1 else."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except FengkongError as exc:
            problem: FengkongError = exc
        except Exception as exc:
            # Only a command that loaded pydantic can have raised its error: importing it here
            # keeps pydantic out of the commands that never use it.
            from pydantic import ValidationError

            if not isinstance(exc, ValidationError):
                raise
            problem = invalid_from_pydantic(exc)
        _report(problem)
        if kwargs.get("as_json"):
            emit_json(error_document(problem))
        raise typer.Exit(exit_code_of(problem))

    return wrapper


def invalid_from_pydantic(exc: ValidationError) -> Invalid:
    return Invalid(
        tuple(
            FieldError(tuple(e["loc"]), e["msg"], e["type"], _allowed(e.get("ctx")))
            for e in exc.errors()
        )
    )


def _allowed(ctx: Mapping[str, Any] | None) -> tuple[str, ...] | None:
    allowed = None if ctx is None else ctx.get("allowed")
    return None if allowed is None else tuple(allowed)


def _report(exc: FengkongError) -> None:
    # soft_wrap: one message, one line, whatever the terminal's width, so it can be grepped
    err.print(f"[bold red]error[/]: {exc.title.lower()}", highlight=False)
    if isinstance(exc, Invalid):
        for e in exc.errors:
            where = ".".join(map(str, e.loc)) or "(input)"
            err.print(f"  {where}: {e.msg}", highlight=False, markup=False, soft_wrap=True)
    else:
        err.print(f"  {exc.detail}", highlight=False, markup=False, soft_wrap=True)


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")


def decimal_option(text: str, name: str) -> Decimal:
    """A decimal typed on the command line (a rate, a share), or `Invalid` naming the option."""
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        raise Invalid((FieldError((name,), f"not a number: {text!r}"),)) from None
    if not value.is_finite():
        raise Invalid((FieldError((name,), f"not a finite number: {text!r}"),))
    return value


def yuan_option(text: str, name: str) -> int:
    """An amount in yuan typed on the command line, in fen, or `Invalid` naming the option
    (`yuan_to_fen` alone names every amount `amount`, whichever option it came from)."""
    from fengkong.core.money import yuan_to_fen

    try:
        return int(yuan_to_fen(text.strip()))
    except Invalid as exc:
        raise Invalid(tuple(FieldError((name,), e.msg, e.type) for e in exc.errors)) from None


@contextmanager
def starting_up() -> Iterator[None]:
    """Around a command's start-up: loading the modules and building the wiring allocates a great
    many objects that live as long as the process (modules, classes, tables, the compiled
    policy), none of them garbage, which the cyclic collector would otherwise walk again and
    again. It pauses meanwhile, then resumes for what the command itself allocates. The first
    start-up in a process also sets what it made aside for good (`gc.freeze`), so later
    collections skip it; a process that starts up several times (tests running many commands)
    freezes only once, so what later ones leave behind is still collected."""
    outermost = gc.isenabled()  # an inner start-up leaves resuming to the outer one
    gc.disable()
    try:
        yield
    finally:
        if outermost:
            if gc.get_freeze_count() == 0:
                gc.freeze()
            gc.enable()


def context(*, migrate: bool = True) -> Context:
    """The wiring for the configured settings, logging set up as they say; `migrate=False`
    leaves the schema as it is (the commands that copy or replace the database)."""
    with starting_up():
        from fengkong.bootstrap import bootstrap
        from fengkong.core.settings import load_settings
        from fengkong.logs import configure_logging

        settings = load_settings()
        configure_logging(settings.log_format, settings.log_level)
        return bootstrap(settings, migrate=migrate)


SESSION_FILE = "session"  # under the home folder, written by `fengkong login`
API_KEY_ENV = "FENGKONG_API_KEY"
SESSION_ENV = "FENGKONG_SESSION"


def presented_secret(ctx: Context) -> str | None:
    """The credential this command runs under: `FENGKONG_API_KEY`, else `FENGKONG_SESSION`,
    else the session `fengkong login` stored under the home folder."""
    import os

    for name in (API_KEY_ENV, SESSION_ENV):
        value = os.environ.get(name, "").strip()
        if value:
            return value
    path = ctx.settings.home / SESSION_FILE
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def current_actor(ctx: Context) -> Actor:
    """The authenticated user or key this command acts as; `Unauthenticated` (exit 1) when
    there is none or it does not hold."""
    secret = presented_secret(ctx)
    if secret is None:
        raise Unauthenticated(
            f"log in first (`fengkong login`), or set {API_KEY_ENV} to a key's secret"
        )
    return ctx.authenticator.authenticate(secret)


def acting(ctx: Context, permission: Permission) -> Actor:
    """The authenticated actor of this command, if its roles grant `permission`
    (`access.permissions`, the table the API uses); `Forbidden` (exit 1) otherwise."""
    from fengkong.access.permissions import permits

    actor = current_actor(ctx)
    if not permits(actor, permission):
        raise Forbidden(f"{actor.audit_name} may not do this: it needs {permission.value}")
    return actor


def actor_of_cli() -> str:
    """Who the audit log names for a command run by hand: the operating-system user."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
