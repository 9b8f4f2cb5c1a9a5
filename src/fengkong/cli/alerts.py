"""`fengkong alerts`: early warning's alerts — run the rules on a date's snapshot (`evaluate`),
list the alerts (`list`: a table, `--json` or `--csv`) and acknowledge one with a note (`ack`).
See docs/early-warning.md."""

from __future__ import annotations

import csv
import sys
from typing import Annotated, Any

import typer
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, out
from fengkong.cli.finding import CsvOpt, _formats

app = typer.Typer(
    help="Early-warning alerts: evaluate the rules, list, acknowledge.", no_args_is_help=True
)


def _print(alerts: list[dict[str, Any]], title: str) -> None:
    table = Table(title=title)
    for header in ("alert", "status", "severity", "rule", "segment", "value", "against", "seen"):
        table.add_column(header, overflow="fold")
    for a in alerts:
        where = "all" if a["dimension"] == "all" else f"{a['dimension']}={a['segment']}"
        seen = f"{a['opened_on']}..{a['last_seen_on']} ×{a['times_seen']}"
        table.add_row(
            a["alert_id"],
            a["status"],
            a["severity"],
            a["rule_id"],
            where,
            a["value"],
            a["baseline"],
            seen,
        )
    out.print(table)


@app.command("evaluate")
@cli_errors
def evaluate(
    business_date: Annotated[
        str | None,
        typer.Option(
            "--date",
            help="Business date YYYY-MM-DD (default: the last snapshot).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Run the early-warning rules on a date's portfolio snapshot, as end of day does: open
    new alerts (and send them), update those still firing, mark cleared ones. Audited."""
    from fengkong.api.routes.alerts import EvaluationOut
    from fengkong.monitoring.early_warning import evaluate_alerts

    ctx = context()
    actor = acting(ctx, Permission.ALERTS_ACK)
    doc = EvaluationOut.of(
        evaluate_alerts(ctx.early_warning, actor.audit_name, business_date)
    ).model_dump(mode="json")
    if as_json:
        emit_json(doc)
        return
    out.print(
        f"{doc['rules']} rules on {doc['business_date']}: {len(doc['opened'])} opened, "
        f"{doc['repeated']} still firing, {doc['cleared']} cleared",
        highlight=False,
    )
    if doc["opened"]:
        _print(doc["opened"], "alerts opened")


@app.command("list")
@cli_errors
def list_(
    status: Annotated[
        str | None,
        typer.Option("--status", help="open or acknowledged (default: both).", show_default=False),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 200,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Early-warning alerts, newest sighting first."""
    from fengkong.api.routes.alerts import AlertOut
    from fengkong.monitoring.early_warning import list_alerts

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.REPORTS_READ)
    docs = [
        AlertOut.of(a).model_dump(mode="json")
        for a in list_alerts(ctx.reads.early_warning, status, limit)
    ]
    if as_json:
        emit_json({"alerts": docs})
        return
    if as_csv:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(AlertOut.model_fields))
        writer.writeheader()
        writer.writerows(docs)
        return
    _print(docs, "early-warning alerts")


@app.command("ack")
@cli_errors
def ack(
    alert_id: Annotated[str, typer.Argument(help="The alert (alr_…).")],
    note: Annotated[str, typer.Option("--note", help="What was seen or done about it.")],
    as_json: JsonOpt = False,
) -> None:
    """Acknowledge an open alert with a note (audited)."""
    from fengkong.api.routes.alerts import AlertOut
    from fengkong.monitoring.early_warning import acknowledge_alert

    ctx = context()
    actor = acting(ctx, Permission.ALERTS_ACK)
    doc = AlertOut.of(
        acknowledge_alert(alert_id, note, actor.audit_name, ctx.early_warning)
    ).model_dump(mode="json")
    if as_json:
        emit_json(doc)
        return
    out.print(f"{doc['alert_id']} acknowledged by {doc['acknowledged_by']}", highlight=False)
