"""`fengkong policy`: policy versions (submit, list, show) and their activation under
maker-checker (request, approve, reject)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from fengkong.cli.common import JsonOpt, cli_errors, context, emit_json, out

if TYPE_CHECKING:
    from fengkong.decision.policy_registry import PolicyVersion, Validate

app = typer.Typer(
    help="Policy versions: submit, activate (maker-checker), list.", no_args_is_help=True
)


def _doc(p: PolicyVersion, *, document: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": p.id,
        "version": p.version,
        "status": p.status.value,
        "sha256": p.sha256,
        "author": p.author,
        "created_at": p.created_at.isoformat(),
        "requested_role": None if p.requested_role is None else p.requested_role.value,
        "requested_by": p.requested_by,
        "approved_by": p.approved_by,
        "activated_at": None if p.activated_at is None else p.activated_at.isoformat(),
        "retired_at": None if p.retired_at is None else p.retired_at.isoformat(),
    }
    if document:
        doc["document"] = p.document
    return doc


def _validator(ctx: object) -> Validate:
    from fengkong.decision.policy_registry import validate_policy

    hook = getattr(ctx, "policy_validator", None)
    return hook if callable(hook) else validate_policy


@app.command("submit")
@cli_errors
def policy_submit(
    file: Annotated[Path, typer.Argument(help="The policy document (YAML or JSON).")],
    author: Annotated[str, typer.Option(help="Who wrote it (audited).")],
    as_json: JsonOpt = False,
) -> None:
    """Check FILE and store it as a draft under the version it names."""
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.decision.policy_registry import submit

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid((FieldError(("file",), f"cannot read {file}: {exc}"),)) from None
    ctx = context()
    with ctx.uow() as uow:
        policy, created = submit(
            uow, text, author=author, clock=ctx.clock, validate=_validator(ctx)
        )
        uow.commit()
    if as_json:
        emit_json({**_doc(policy), "created": created})
    else:
        state = "stored as a draft" if created else "already stored, unchanged"
        out.print(f"{policy.version} {state} (sha256 {policy.sha256[:12]})")


@app.command("request")
@cli_errors
def policy_request(
    version: str,
    by: Annotated[str, typer.Option("--by", help="Who asks for the activation (audited).")],
    challenger: Annotated[
        bool, typer.Option("--challenger", help="Activate as the challenger, not the champion.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ask for VERSION to be activated; another officer must approve."""
    from fengkong.decision.policy_registry import Role, request_activation

    role = Role.CHALLENGER if challenger else Role.CHAMPION
    ctx = context()
    with ctx.uow() as uow:
        policy = request_activation(uow, version, requested_by=by, clock=ctx.clock, role=role)
        uow.commit()
    if as_json:
        emit_json(_doc(policy))
    else:
        out.print(f"{policy.version} awaits approval as {role.value}")


@app.command("approve")
@cli_errors
def policy_approve(
    version: str,
    approver: Annotated[str, typer.Option(help="The checker: not the author, not the requester.")],
    as_json: JsonOpt = False,
) -> None:
    """Approve VERSION's pending activation; the version that held the role retires."""
    from fengkong.decision.policy_registry import approve_activation

    ctx = context()
    with ctx.uow() as uow:
        policy, previous = approve_activation(uow, version, approver=approver, clock=ctx.clock)
        uow.commit()
    retired = None if previous is None else previous.version
    if as_json:
        emit_json({**_doc(policy), "retired": retired})
    else:
        out.print(
            f"{policy.version} is {policy.status.value}"
            + (f"; {retired} retired" if retired else "")
        )


@app.command("reject")
@cli_errors
def policy_reject(
    version: str,
    checker: Annotated[str, typer.Option(help="Who refuses the activation (audited).")],
    reason: Annotated[str, typer.Option(help="Why, for the author.")],
    as_json: JsonOpt = False,
) -> None:
    """Send VERSION's pending activation back to draft."""
    from fengkong.decision.policy_registry import reject_activation

    ctx = context()
    with ctx.uow() as uow:
        policy = reject_activation(uow, version, checker=checker, reason=reason, clock=ctx.clock)
        uow.commit()
    if as_json:
        emit_json(_doc(policy))
    else:
        out.print(f"{policy.version} is back to draft")


@app.command("list")
@cli_errors
def policy_list(as_json: JsonOpt = False) -> None:
    """Every stored version with its status."""
    from fengkong.decision.policy_registry import list_versions

    ctx = context()
    with ctx.uow() as uow:
        policies = list_versions(uow)
    if as_json:
        emit_json([_doc(p) for p in policies])
        return
    table = Table("version", "status", "author", "approved by", "created", "sha256")
    for p in policies:
        table.add_row(
            p.version,
            p.status.value,
            p.author,
            p.approved_by or "-",
            p.created_at.isoformat()[:19],
            p.sha256[:12],
        )
    out.print(table)


@app.command("show")
@cli_errors
def policy_show(version: str, as_json: JsonOpt = False) -> None:
    """VERSION with its document."""
    from fengkong.decision.policy_registry import get

    ctx = context()
    with ctx.uow() as uow:
        policy = get(uow, version)
    if as_json:
        emit_json(_doc(policy, document=True))
    else:
        out.print(f"# {policy.version} ({policy.status.value}, sha256 {policy.sha256})")
        out.print(policy.document, markup=False, highlight=False)
