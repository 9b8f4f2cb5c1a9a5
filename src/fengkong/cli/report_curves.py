"""`fengkong report vintage|rolls|concentration`: vintage curves and roll rates over the month-end
snapshots, and the book's concentration on a date (`monitoring.curves`,
`monitoring.concentration`), as a table, `--json` or `--csv`. See docs/monitoring.md."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, out
from fengkong.cli.finding import CsvOpt, _flat, _formats
from fengkong.core.money import format_fen

DayOpt = Annotated[
    str | None,
    typer.Option(
        "--date",
        help="Business date YYYY-MM-DD (default: the last snapshot).",
        show_default=False,
    ),
]


def _pct(value: Any) -> str:
    return "-" if value is None else f"{(Decimal(value) * 100).quantize(Decimal('0.01'))}%"


def _money(fen: Any) -> str:
    return "-" if fen is None else format_fen(int(fen), symbol=False)


def _csv(rows: Sequence[dict[str, Any]]) -> None:
    flat = [_flat(r) for r in rows]
    writer = csv.DictWriter(sys.stdout, fieldnames=list(flat[0]) if flat else ["month_end"])
    writer.writeheader()
    writer.writerows(flat)


def _emit(
    doc: dict[str, Any],
    rows: Sequence[dict[str, Any]],
    as_json: bool,
    as_csv: bool,
    show: Callable[[], None],
) -> None:
    if as_json:
        emit_json(doc)
    elif as_csv:
        _csv(rows)
    else:
        show()


@cli_errors
def report_vintage(
    business_date: DayOpt = None, as_json: JsonOpt = False, as_csv: CsvOpt = False
) -> None:
    """Vintage curves: per booking month, by months on book, the cumulative M1+ and M3+ rates
    ((past due beyond M1 / M3 + written off) / originated) at each month end up to --date."""
    from fengkong.api.report_curve_schemas import VintageOut
    from fengkong.monitoring.curves import vintage_report

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.REPORTS_READ)
    doc = VintageOut.of(vintage_report(ctx.reads.monitoring, business_date)).model_dump(mode="json")

    def show() -> None:
        table = Table(title=f"vintages up to {doc['until']}", box=box.SIMPLE_HEAD)
        for header in ("vintage", "MOB", "month end", "originated", "M1+", "M3+"):
            table.add_column(header, justify="left" if header == "vintage" else "right")
        for p in doc["points"]:
            table.add_row(
                p["vintage"],
                str(p["months_on_book"]),
                p["month_end"],
                _money(p["originated_fen"]),
                _pct(p["m1_plus_rate"]),
                _pct(p["m3_plus_rate"]),
            )
        out.print(table)
        out.print("amounts in yuan; '-': not in snapshots taken before it was kept")

    _emit(doc, doc["points"], as_json, as_csv, show)


@cli_errors
def report_rolls(
    business_date: DayOpt = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            help="product, channel, region, industry or score_band: rolls per segment (default: the "
            "whole book).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Roll rates month over month: balance in bucket k+1 at a month end over balance in
    bucket k at the month end before (M0→M1, M1→M2, M2→M3, M3→M3+)."""
    from fengkong.api.report_curve_schemas import RollsOut
    from fengkong.monitoring.curves import roll_report

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.REPORTS_READ)
    doc = RollsOut.of(roll_report(ctx.reads.monitoring, business_date, by)).model_dump(mode="json")

    def show() -> None:
        table = Table(title=f"roll rates up to {doc['until']}", box=box.SIMPLE_HEAD)
        for header in ("segment", "month end", "roll", "from", "to", "rate"):
            table.add_column(header, justify="left" if header == "segment" else "right")
        for p in doc["points"]:
            table.add_row(
                p["segment"],
                p["month_end"],
                p["roll"],
                _money(p["from_fen"]),
                _money(p["to_fen"]),
                _pct(p["rate"]),
            )
        out.print(table)
        if not doc["points"]:
            out.print("no two consecutive month ends with a snapshot yet")

    _emit(doc, doc["points"], as_json, as_csv, show)


@cli_errors
def report_concentration(
    business_date: DayOpt = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            help="region, product, channel or industry (repeatable, or comma-separated; "
            "default: all).",
            show_default=False,
        ),
    ] = None,
    top: Annotated[
        int | None, typer.Option("--top", help="Borrowers to list, 1 to 20 (default 10).")
    ] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Concentration on a date: the top N borrowers (masked) and their share, the HHI of each
    dimension and each segment's share, with the segments above the configured limits."""
    from fengkong.api.report_curve_schemas import ConcentrationOut
    from fengkong.monitoring.concentration import concentration_report

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.REPORTS_READ)
    report = concentration_report(ctx.reads.monitoring, business_date, by, top)
    doc = ConcentrationOut.of(report).model_dump(mode="json")
    rows = [
        {"dimension": d["dimension"], "hhi": d["hhi"], "limit": d["limit"], **s}
        for d in doc["dimensions"]
        for s in d["segments"]
    ]

    def show() -> None:
        out.print(
            f"concentration on {doc['business_date']}: {_money(doc['outstanding_fen'])} yuan "
            f"outstanding; top {doc['top_n']} borrowers hold {_pct(doc['top_share'])}",
            highlight=False,
        )
        top_table = Table(title="largest borrowers", box=box.SIMPLE_HEAD)
        for header in ("#", "customer", "name", "loans", "outstanding", "share"):
            top_table.add_column(header)
        for b in doc["top"]:
            masked = b["masked"] or {}
            top_table.add_row(
                str(b["rank"]),
                b["customer_id"][:16] + "…",
                masked.get("name", "-"),
                str(b["loans"]),
                _money(b["outstanding_fen"]),
                _pct(b["share"]),
            )
        out.print(top_table)
        for d in doc["dimensions"]:
            limit = "no limit" if d["limit"] is None else f"limit {_pct(d['limit'])}"
            table = Table(
                title=f"by {d['dimension']}: HHI {d['hhi'] or '-'}, {limit}", box=box.SIMPLE_HEAD
            )
            for header in ("segment", "outstanding", "share", ""):
                table.add_column(header)
            for s in d["segments"]:
                name = s["segment"] if s["name"] == s["segment"] else f"{s['segment']} {s['name']}"
                table.add_row(
                    name,
                    _money(s["outstanding_fen"]),
                    _pct(s["share"]),
                    "BREACH" if s["breached"] else "",
                )
            out.print(table)

    _emit(doc, rows, as_json, as_csv, show)
