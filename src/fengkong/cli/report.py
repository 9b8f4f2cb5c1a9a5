"""`fengkong report`: the portfolio snapshot of a day by segment (`report portfolio`: a table,
`--json` or `--csv`), its rebuild from the books (`report rebuild`, an admin's), vintage curves,
roll rates and concentration (`report vintage|rolls|concentration`: `cli.report_curves`), stress
tests (`report stress`: `cli.report_stress`), the models' drift and fairness (`report drift`,
`report fairness`: `cli.report_models`), and the monthly risk report in HTML (`report monthly`:
`cli.report_monthly`). Every one prints a table, `--json` or `--csv`. See docs/monitoring.md,
docs/stress-testing.md, docs/model-monitoring.md, docs/risk-report.md."""

from __future__ import annotations

import csv
import sys
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, out
from fengkong.cli.finding import CsvOpt, _flat, _formats
from fengkong.cli.report_curves import report_concentration, report_rolls, report_vintage
from fengkong.cli.report_models import report_drift, report_fairness
from fengkong.cli.report_monthly import report_monthly
from fengkong.cli.report_stress import report_stress
from fengkong.core.money import format_fen

app = typer.Typer(
    help="Portfolio and model reports: snapshots, vintages, rolls, concentration, drift.",
    no_args_is_help=True,
)
app.command("drift")(report_drift)
app.command("fairness")(report_fairness)
app.command("vintage")(report_vintage)
app.command("rolls")(report_rolls)
app.command("concentration")(report_concentration)
app.command("monthly")(report_monthly)
app.command("stress")(report_stress)

DayOpt = Annotated[
    str | None,
    typer.Option(
        "--date", help="Business date YYYY-MM-DD (default: the last snapshot).", show_default=False
    ),
]
ByOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--by",
        help="product, channel, region, industry, vintage or score_band (repeatable, or "
        "comma-separated; default: every dimension).",
        show_default=False,
    ),
]


def _pct(value: Any) -> str | None:
    if value is None:
        return None
    return f"{(Decimal(value) * 100).quantize(Decimal('0.01'))}%"


def _money(fen: int) -> str:
    return format_fen(fen, symbol=False)


def _segment(s: dict[str, Any]) -> str:
    return s["segment"] if s["name"] == s["segment"] else f"{s['segment']} {s['name']}"


# The headline figures, short headers so that a dimension fits in 80 columns; M1+, the five-tier
# mix, the balances behind the rates and the rest are in --json and --csv.
_COLUMNS = [
    ("segment", _segment),
    ("loans", lambda s: str(s["active_loans"])),
    ("outstanding", lambda s: _money(s["outstanding_fen"])),
    ("ovd #", lambda s: _pct(s["overdue_rate_count"])),
    ("ovd ¥", lambda s: _pct(s["overdue_rate_balance"])),
    ("M3+ ¥", lambda s: _pct(s["m3_plus_rate"])),
    ("w/o ¥", lambda s: _pct(s["write_off_rate"])),
    ("EL", lambda s: _money(s["expected_loss_fen"])),
    ("cover", lambda s: _pct(s["coverage"])),
]


def _tables(doc: dict[str, Any]) -> list[Table]:
    """One table per dimension, in the order of the document."""
    tables: dict[str, Table] = {}
    for s in doc["segments"]:
        table = tables.get(s["dimension"])
        if table is None:
            table = tables[s["dimension"]] = Table(
                title=f"by {s['dimension']}", box=box.SIMPLE_HEAD, pad_edge=False
            )
            for header, _ in _COLUMNS:
                if header == "segment":
                    table.add_column(header, min_width=12, overflow="fold")
                else:
                    table.add_column(header, no_wrap=True, justify="right")
        table.add_row(*("-" if (v := get(s)) is None else v for _, get in _COLUMNS))
    return list(tables.values())


@app.command("portfolio")
@cli_errors
def portfolio(
    business_date: DayOpt = None,
    by: ByOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """A day's portfolio snapshot by segment: active loans and balance, overdue rate by count
    and balance, M1+ and M3+, written off, expected loss and its coverage (the five-tier mix
    and the rest in --json and --csv)."""
    from fengkong.api.report_schemas import PortfolioOut
    from fengkong.monitoring.snapshots import portfolio_report

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.REPORTS_READ)
    doc = PortfolioOut.of(portfolio_report(ctx.reads.monitoring, business_date, by)).model_dump(
        mode="json"
    )
    if as_json:
        emit_json(doc)
        return
    if as_csv:
        rows = [{"business_date": doc["business_date"], **_flat(s)} for s in doc["segments"]]
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["business_date"])
        writer.writeheader()
        writer.writerows(rows)
        return
    out.print(
        f"portfolio on {doc['business_date']}: {doc['loans']} loans read; overdue (ovd) by "
        f"count (#) and rates by balance (¥); expected loss (EL) at LGD {doc['lgd']} and its "
        "cover by allowance and reserve; amounts in yuan",
        highlight=False,
    )
    for table in _tables(doc):
        out.print(table)


@app.command("rebuild")
@cli_errors
def rebuild(
    first: Annotated[str, typer.Option("--from", help="First business date, YYYY-MM-DD.")],
    last: Annotated[str, typer.Option("--to", help="Last business date, YYYY-MM-DD.")],
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Recompute the snapshots of --from..--to from the books as they were at the end of each
    date and replace them (audited), and say per date whether its figures are unchanged,
    changed or new (a table, --json, or --csv: a row per date). Dates after the last end of day
    or before the first loan are refused (docs/monitoring.md)."""
    from fengkong.monitoring.snapshots import rebuild as rebuild_snapshots

    _formats(as_json, as_csv)
    ctx = context()
    actor = acting(ctx, Permission.OPERATIONS_RUN)
    done = rebuild_snapshots(first, last, ctx.monitoring, actor.audit_name)
    doc: dict[str, Any] = {
        "dates": [d.isoformat() for d in done.dates],
        "segments": done.segments,
        "changed": [d.isoformat() for d in done.changed],
        "new": [d.isoformat() for d in done.fresh],
    }
    if as_json:
        emit_json(doc)
        return
    if as_csv:  # one row per date rebuilt
        writer = csv.DictWriter(sys.stdout, fieldnames=["business_date", "changed", "figures"])
        writer.writeheader()
        writer.writerows(
            {
                "business_date": day.isoformat(),
                "changed": day in done.changed,
                "figures": done.outcome(day),
            }
            for day in done.dates
        )
        return
    table = Table(title="portfolio snapshots rebuilt")
    table.add_column("date")
    table.add_column("figures")
    for day in done.dates:
        table.add_row(day.isoformat(), done.outcome(day))
    out.print(table)
    out.print(f"{done.segments} segments written")
