"""`fengkong sources`: external data — what was fetched or imported for an application (`list`,
never a payload in clear), a fetch from the configured provider (`fetch`), the import of an
exported file as one of its answers (`import`), and the purge of payloads past their retention
(`purge`). See docs/external-data.md."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, out

app = typer.Typer(
    help="External data: what was fetched for an application, fetch, import, purge.",
    no_args_is_help=True,
)

ApplicationOpt = Annotated[
    str, typer.Option("--application", help="The application (app_…).", show_default=False)
]


def _print(rows: list[dict[str, Any]], title: str) -> None:
    table = Table(title=title)
    for header in ("answer", "kind", "provider", "as of", "fetched at", "cost ¥", "ms", "status"):
        table.add_column(header, overflow="fold")
    for r in rows:
        status = r["status"] if r["error"] is None else f"{r['status']}: {r['error']}"
        table.add_row(
            r["id"],
            r["kind"],
            r["provider"],
            r["as_of"],
            r["fetched_at"],
            f"{r['cost_fen'] / 100:.2f}",
            str(r["elapsed_ms"]),
            status,
        )
    out.print(table)


@app.command("list")
@cli_errors
def list_(application: ApplicationOpt, as_json: JsonOpt = False) -> None:
    """What external data was fetched or imported for an application (列出已查询的外部数据):
    kind, provider, when, cost, status. Never a payload."""
    from fengkong.api.routes.sources import application_sources

    ctx = context()
    acting(ctx, Permission.SOURCES_READ)
    doc = application_sources(ctx, application).model_dump(mode="json")
    if as_json:
        emit_json(doc)
        return
    _print(doc["sources"], f"external data of {application}")
    out.print(f"cost: ¥{doc['cost_fen'] / 100:.2f}", highlight=False)


@app.command("import")
@cli_errors
def import_(
    kind: Annotated[str, typer.Argument(help="The kind of data (credit_bureau, bank_statement…).")],
    file: Annotated[
        Path,
        typer.Argument(help="The exported file (CSV, XLSX or JSON).", exists=True, dir_okay=False),
    ],
    application: ApplicationOpt,
    as_json: JsonOpt = False,
) -> None:
    """Import an exported file as the application's data of that kind (导入外部数据文件):
    checked by the kind's reader and recorded sealed; nothing of a bad file (exit 2)."""
    from fengkong.api.routes.sources import SourceAnswerOut, import_for_application

    ctx = context()
    actor = acting(ctx, Permission.SOURCES_IMPORT)
    fetched = import_for_application(
        ctx, application, kind, file.read_bytes(), file.name, actor.audit_name
    )
    with ctx.uow() as uow:
        stored = uow.source_answers.get(fetched.answer_id)
    assert stored is not None
    doc = SourceAnswerOut.of(stored).model_dump(mode="json")
    if as_json:
        emit_json(doc)
        return
    out.print(
        f"imported {doc['kind']} from {doc['provider']} as {doc['id']} (sha256 {doc['sha256']})",
        highlight=False,
    )


@app.command("fetch")
@cli_errors
def fetch_(
    kind: Annotated[str, typer.Argument(help="The kind of data (credit_bureau, bank_statement…).")],
    application: ApplicationOpt,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Business date YYYY-MM-DD (default: today).", show_default=False
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Fetch a kind of data about the application's applicant from its configured provider
    (查询外部数据): needs the consent of its purpose; answered from the record of the same
    date when there is one (no second charge)."""
    from datetime import date

    from fengkong.api.routes.sources import SourceAnswerOut, fetch_for_application
    from fengkong.core.errors import FieldError, Invalid

    day = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise Invalid((FieldError(("as_of",), "is not a date YYYY-MM-DD", "date"),)) from None
    ctx = context()
    actor = acting(ctx, Permission.SOURCES_FETCH)
    fetched = fetch_for_application(ctx, application, kind, actor.audit_name, day)
    with ctx.uow() as uow:
        stored = uow.source_answers.get(fetched.answer_id)
    assert stored is not None
    doc = {**SourceAnswerOut.of(stored).model_dump(mode="json"), "cached": fetched.cached}
    if as_json:
        emit_json(doc)
        return
    how = "from the record" if fetched.cached else f"for ¥{doc['cost_fen'] / 100:.2f}"
    out.print(f"{doc['kind']} from {doc['provider']} as {doc['id']}, {how}", highlight=False)


@app.command("purge")
@cli_errors
def purge(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be purged; change nothing.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Drop the payloads of external data past their retention (清除超期数据), keeping what
    was used, from whom, when, and its digest; each purge audited."""
    from fengkong.sources.retention import purge_expired

    ctx = context()
    actor = acting(ctx, Permission.OPERATIONS_RUN)
    services = ctx.sources
    report = purge_expired(services.uow, services.clock, dry_run=dry_run, actor=actor.audit_name)
    doc = {
        "at": report.at.isoformat(),
        "dry_run": report.dry_run,
        "purged": report.total,
        "by_kind": dict(report.by_kind),
    }
    if as_json:
        emit_json(doc)
        return
    verb = "would purge" if dry_run else "purged"
    detail = ", ".join(f"{k} {n}" for k, n in report.by_kind.items()) or "nothing past retention"
    out.print(f"{verb} {report.total} payloads: {detail}", highlight=False)
