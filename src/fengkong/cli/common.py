"""What every command shares: consoles, `--json` output, and the mapping of domain errors to
exit codes."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from fengkong.core.errors import FengkongError, FieldError, Invalid
from fengkong.core.settings import load_settings
from fengkong.logs import configure_logging

P = ParamSpec("P")
R = TypeVar("R")

out = Console()
err = Console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]

EXIT_INVALID = 2
EXIT_FAILED = 1


def cli_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Domain errors become a message on stderr and a non-zero exit: 2 for bad input, 1 else."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            _report(invalid_from_pydantic(exc))
            raise typer.Exit(EXIT_INVALID) from None
        except FengkongError as exc:
            _report(exc)
            raise typer.Exit(EXIT_INVALID if isinstance(exc, Invalid) else EXIT_FAILED) from None

    return wrapper


def invalid_from_pydantic(exc: ValidationError) -> Invalid:
    return Invalid(tuple(FieldError(tuple(e["loc"]), e["msg"], e["type"]) for e in exc.errors()))


def _report(exc: FengkongError) -> None:
    err.print(f"[bold red]error[/]: {exc.title.lower()}", highlight=False)
    if isinstance(exc, Invalid):
        for e in exc.errors:
            where = ".".join(map(str, e.loc)) or "(input)"
            err.print(f"  {where}: {e.msg}", highlight=False, markup=False)
    else:
        err.print(f"  {exc.detail}", highlight=False, markup=False)


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")


def context() -> Any:
    from fengkong.bootstrap import bootstrap

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    return bootstrap(settings)


def actor_of_cli() -> str:
    """Who the audit log names for a command run by hand: the operating-system user."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
