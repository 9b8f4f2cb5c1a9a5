"""`fengkong audit`: verify the audit chain and the journal (against signed checkpoints, when
given), write a signed checkpoint of the head, print the public key checkpoints verify with."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.audit.findings import Finding
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
from fengkong.core.errors import FieldError, Invalid
from fengkong.db.audit_checkpoints import (
    Ed25519KeyFile,
    read_checkpoint,
    read_public_key,
)
from fengkong.ledger.verify import VerifyReport, verify_books

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)

CheckpointOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--checkpoint",
        help="A signed checkpoint file (`fengkong audit head`); repeat for several.",
        exists=True,
        dir_okay=False,
    ),
]
PublicKeyOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--public-key",
        help="Trust checkpoints signed by this Ed25519 public key (PEM); repeatable. This "
        "installation's own key is trusted without it.",
        exists=True,
        dir_okay=False,
    ),
]
TimestampCaOpt = Annotated[
    Path | None,
    typer.Option(
        "--timestamp-ca",
        help="Trust RFC 3161 timestamp tokens signed under these certificates (PEM: the "
        "timestamping authority's root and intermediates); default: audit_timestamp_ca_file.",
        exists=True,
        dir_okay=False,
    ),
]


def _read_roots(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as exc:
        raise Invalid((FieldError(("timestamp_ca",), f"{path}: {exc}"),)) from exc


@app.command("verify")
@cli_errors
def verify(
    checkpoint: CheckpointOpt = None,
    public_key: PublicKeyOpt = None,
    timestamp_ca: TimestampCaOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check every audit record's hash and link, the stored head, each checkpoint given (its
    signature, its timestamp token if it carries one, and that the chain still holds the
    record it pinned), that every journal entry balances and that every journal entry is
    accounted for by its audit record; exit 1 on any failure."""
    ctx = context()
    acting(ctx, Permission.AUDIT_READ)
    checkpoints = [(str(path), read_checkpoint(path)) for path in checkpoint or ()]
    roots = _read_roots(timestamp_ca or ctx.settings.audit_timestamp_ca_file)
    trusted = dict(read_public_key(path) for path in public_key or ())
    own = Ed25519KeyFile(ctx.settings.resolved_audit_key_file)
    if own.exists:
        trusted[own.key_id] = own.public_key_pem()
    with ctx.uow() as uow:
        report = verify_books(
            uow.audit.stream(),
            uow.audit.head(),
            uow.journal.entries(),
            ties=uow.journal.ties(),
            checkpoints=checkpoints,
            trusted=trusted,
            timestamp_roots=roots,
        )
    if as_json:
        _emit_report(report)
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)


def _as_dict(f: Finding) -> dict[str, Any]:
    return {
        "check": f.check,
        "problem": f.problem.value,
        "message": f.message,
        "seq": f.seq,
        "entry_id": f.entry_id,
    }


def _emit_report(report: VerifyReport) -> None:
    doc: dict[str, Any] = {
        "ok": report.ok,
        "records": report.records,
        "entries": report.entries,
        "head": {"seq": report.head.seq, "hash": report.head.hash},
        "checkpoints": report.checkpoints,
        "timestamps": report.timestamps,
        "findings": [_as_dict(f) for f in report.failures],
        "notes": [_as_dict(f) for f in report.findings if f.informational],
    }
    broken = report.first_broken
    if broken is not None:
        doc |= failure(
            "audit_broken",
            "Integrity check failed",
            f"first broken link at seq {broken.seq}: {broken.message}",
            category="integrity_broken",
        )
    emit_json(doc)


def _print_report(report: VerifyReport) -> None:
    if report.ok:
        pinned = f"; {report.checkpoints} checkpoint(s) hold" if report.checkpoints else ""
        if report.timestamps:
            pinned += f", {report.timestamps} timestamped"
        out.print(
            f"audit chain intact: {report.records} records, head seq {report.head.seq} "
            f"({report.head.hash[:12]}…){pinned}; {report.entries} journal entries balance"
            " and are accounted for"
        )
    else:
        first = report.first_broken
        assert first is not None
        out.print(f"[bold red]broken[/]: first at seq {first.seq}: {first.message}")
        table = Table("check", "problem", "seq", "message")
        for f in report.failures:
            table.add_row(f.check, f.problem.value, str(f.seq or ""), f.message)
        out.print(table)
    for note in report.findings:
        if note.informational:
            out.print(f"[dim]note: {note.message}[/]")


@app.command("head")
@cli_errors
def head(
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write the checkpoint to this file (or into this folder) instead of the "
            "configured checkpoint folder.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the chain's head (seq, hash, record count) and write a signed checkpoint of it,
    timestamped when a timestamping authority is configured (`audit_timestamp_url`). Keep
    checkpoints where the database's administrators cannot change them; `fengkong audit verify
    --checkpoint FILE` then finds records cut off or rewritten since. Exit 1 when the
    authority gave no token: the checkpoint is written all the same, without one."""
    ctx = context()
    actor = acting(ctx, Permission.AUDIT_READ)
    signed, path = ctx.checkpoints.write_to(f"cli {actor.audit_name}", out_file)
    cp = signed.checkpoint
    if as_json:
        doc = {**signed.to_document(), "file": str(path)}
        if signed.timestamp_error is not None:
            doc["timestamp_error"] = signed.timestamp_error
        emit_json(doc)
    else:
        out.print(f"head seq {cp.seq}  hash {cp.hash}  records {cp.records}")
        out.print(f"signed by {cp.key_id} at {cp.at.isoformat()}; checkpoint written to {path}")
        if signed.timestamp_token is not None:
            out.print(f"timestamped: RFC 3161 token over digest {cp.digest()}")
    if signed.timestamp_error is not None:
        err.print(
            f"[bold yellow]warning[/]: no timestamp token: {escape(signed.timestamp_error)};"
            f" the checkpoint was written without one ({escape(str(path))}). Run `fengkong audit head` again"
            " once the timestamping authority answers."
        )
        raise typer.Exit(EXIT_FAILED)


@app.command("public-key")
@cli_errors
def public_key(as_json: JsonOpt = False) -> None:
    """Print the public key that verifies this installation's checkpoints (PEM), to hand to
    whoever verifies them elsewhere (`fengkong audit verify --public-key FILE`)."""
    ctx = context()
    acting(ctx, Permission.AUDIT_READ)
    key = ctx.checkpoints.signer
    if as_json:
        emit_json({"key_id": key.key_id, "public_key": key.public_key_pem()})
    else:
        typer.echo(key.public_key_pem(), nl=False)
