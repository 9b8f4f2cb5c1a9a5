"""`fengkong audit verify`: walk the audit chain and the journal and report every broken link."""

from __future__ import annotations

import typer
from rich.table import Table

from fengkong.cli.common import EXIT_FAILED, JsonOpt, cli_errors, context, emit_json, failure, out
from fengkong.ledger.verify import verify_books

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
@cli_errors
def verify(as_json: JsonOpt = False) -> None:
    """Check every audit record's hash and link, the stored head, and that every journal entry
    balances; exit 1 at the first broken link."""
    ctx = context()
    with ctx.uow() as uow:
        report = verify_books(uow.audit.stream(), uow.audit.head(), uow.journal.entries())
    findings = [
        {
            "check": f.check,
            "problem": f.problem.value,
            "message": f.message,
            "seq": f.seq,
            "entry_id": f.entry_id,
        }
        for f in report.findings
    ]
    if as_json:
        doc = {
            "ok": report.ok,
            "records": report.records,
            "entries": report.entries,
            "head": {"seq": report.head.seq, "hash": report.head.hash},
            "findings": findings,
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
    elif report.ok:
        out.print(
            f"audit chain intact: {report.records} records, head seq {report.head.seq} "
            f"({report.head.hash[:12]}…); {report.entries} journal entries balance"
        )
    else:
        first = report.first_broken
        assert first is not None
        out.print(f"[bold red]broken[/]: first at seq {first.seq}: {first.message}")
        table = Table("check", "problem", "seq", "message")
        for f in findings:
            table.add_row(
                str(f["check"]), str(f["problem"]), str(f["seq"] or ""), str(f["message"])
            )
        out.print(table)
    if not report.ok:
        raise typer.Exit(EXIT_FAILED)
