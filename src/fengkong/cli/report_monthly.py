"""`fengkong report monthly`: the monthly risk report (`api/routes/monthly.py`), one
self-contained HTML file with charts and tables (`--out`, `--lang en|zh`); `--json` prints its
data document (the portfolio, vintage, roll, concentration, drift and alert documents of the
month), `--csv` the whole book's figures on each snapshot date of the month. A malformed month,
one before the first snapshot or after the current month, an unknown language exit 2; no
snapshot in the month 1. See docs/risk-report.md."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated

import typer

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, out
from fengkong.cli.finding import CsvOpt, _flat, _formats

MonthOpt = Annotated[
    str | None,
    typer.Option(
        "--month", help="The month, YYYY-MM (default: the current one).", show_default=False
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Where to write the HTML (default: risk-report-YYYY-MM.html here).",
        show_default=False,
    ),
]
LangOpt = Annotated[str, typer.Option("--lang", help="The tables' language: en or zh.")]


@cli_errors
def report_monthly(
    month: MonthOpt = None,
    out_path: OutOpt = None,
    lang: LangOpt = "en",
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """The monthly risk report: outstanding and overdue rates by day, M1+/M3+ by segment,
    vintage curves, roll rates, concentration, score PSI and approval drift, and the alerts
    opened in the month, as one HTML file with charts that opens offline."""
    from fengkong.api.monthly_html import language, render_monthly
    from fengkong.api.routes.monthly import monthly_document

    _formats(as_json, as_csv)
    chosen = language(lang)
    ctx = context()
    acting(ctx, Permission.REPORTS_READ)
    doc = monthly_document(ctx, month)
    if as_json:
        emit_json(doc)
        return
    if as_csv:
        rows = [
            {"business_date": day["business_date"], **_flat(s)}
            for day in doc["days"]
            for s in day["segments"]
        ]
        writer = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["business_date"])
        writer.writeheader()
        writer.writerows(rows)
        return
    path = out_path or Path(f"risk-report-{doc['month']}.html")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_monthly(doc, chosen), encoding="utf-8")
    out.print(
        f"monthly risk report of {doc['month']} (snapshots to {doc['until']}) written to {path}",
        highlight=False,
    )
