"""`fengkong report drift` and `fengkong report fairness`: the model reports of
`api/routes/model_reports.py` on the command line. A table per part of the report, one JSON
document with `--json`, or CSV rows of the main table with `--csv` (the periods of the drift
report; the groups of the fairness report). A bad window or `--by` exits 2, an unknown model 1.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, out
from fengkong.core.errors import FieldError, Invalid

ModelOpt = Annotated[
    str, typer.Option("--model", help="The model version, e.g. application-v1.", show_default=False)
]
FromOpt = Annotated[
    str | None,
    typer.Option("--from", help="First business date, YYYY-MM-DD.", show_default=False),
]
ToOpt = Annotated[
    str | None,
    typer.Option(
        "--to", help="Last business date, YYYY-MM-DD (default today).", show_default=False
    ),
]
ByOpt = Annotated[str, typer.Option("--by", help="Periods: day or month.")]
ReferenceOpt = Annotated[
    str | None,
    typer.Option(
        help="The period drifts are measured from (default: the first).", show_default=False
    ),
]
MatureOpt = Annotated[int, typer.Option(help="Months on book before a loan's outcome counts.")]
PsiOpt = Annotated[float, typer.Option(help="PSI/CSI above this is a breach (0.1 a warning).")]
AirOpt = Annotated[float, typer.Option(help="Adverse-impact ratio below this is a breach.")]
MinGroupOpt = Annotated[int, typer.Option(help="Settled decisions a group needs to be judged.")]
CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV rows on stdout.")]


def _formats(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise Invalid((FieldError(("csv",), "choose --json or --csv, not both"),))


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


# Short headers, so a table of many columns fits a terminal; --json and --csv use the full names.
HEADERS = {
    "decisions": "n",
    "mean_score": "mean",
    "psi": "PSI",
    "approval_rate": "approval",
    "approval_drift": "drift",
    "automatic_approval_rate": "auto",
    "referrals": "refer",
    "officer_approved": "off+",
    "officer_declined": "off-",
    "officer_approval_rate": "off rate",
    "override_drift": "off drift",
    "adverse_impact_ratio": "AIR",
    "matured_loans": "matured",
    "bad_rate": "bad rate",
    "auc": "AUC",
    "ks": "KS",
    "csi": "CSI",
}


def _table(title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for name in columns:
        table.add_column(HEADERS.get(name, name.replace("_", " ")), overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(name)) for name in columns))
    return table


def _csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    writer = csv.DictWriter(sys.stdout, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in r.items()} for r in rows)


def _findings(doc: dict[str, Any]) -> None:
    columns = ("severity", "kind", "subject", "value", "limit", "message")
    if doc["findings"]:
        out.print(_table("findings", doc["findings"], columns))
    else:
        out.print("no findings", highlight=False)


PERIOD_COLUMNS = (
    "period", "decisions", "scored", "mean_score", "psi", "approval_rate", "approval_drift",
    "automatic_approval_rate", "referrals", "officer_approved", "officer_declined",
    "officer_approval_rate", "override_drift",
)  # fmt: skip


@cli_errors
def report_drift(
    model: ModelOpt,
    start: FromOpt = None,
    end: ToOpt = None,
    by: ByOpt = "month",
    reference: ReferenceOpt = None,
    mature_months: MatureOpt = 6,
    psi_breach: PsiOpt = 0.25,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """A model's drift: score PSI and approval and override rates per period, feature CSI,
    realised AUC and KS by vintage, and the findings outside the limits."""
    from fengkong.api.routes.model_reports import drift_document
    from fengkong.scoring.monitored import MonitoringLimits

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.REPORTS_READ)
    limits = MonitoringLimits(mature_months=mature_months, psi_breach=psi_breach)
    doc = drift_document(ctx, model, start, end, by, reference, limits)
    if as_json:
        emit_json(doc)
        return
    if as_csv:
        _csv(doc["periods"], PERIOD_COLUMNS)
        return
    w = doc["window"]
    out.print(
        f"model {doc['model_version']}: {doc['decisions']} decisions {w['start']} to {w['end']} "
        f"by {w['by']}; PSI {_cell(doc['psi'])} against the {doc['baseline_sample'] or 'no'} "
        f"baseline; drifts from {doc['reference_period'] or '-'}",
        highlight=False,
    )
    out.print(_table("periods", doc["periods"], PERIOD_COLUMNS))
    out.print(_table("features (CSI)", doc["features"], ("feature", "csi")))
    vintages = [
        {
            **v["matured"],
            "vintage": v["vintage"],
            "booked": v["loans"],
            "matured": v["matured"]["loans"],
        }
        for v in doc["vintages"]
    ]
    out.print(
        _table(
            f"vintages (matured: {doc['limits']['mature_months']}+ months on book; "
            f"training AUC {_cell(doc['training_auc'])})",
            vintages,
            ("vintage", "booked", "matured", "bads", "bad_rate", "auc", "ks"),
        )
    )
    _findings(doc)


GROUP_COLUMNS = (
    "policy_version", "dimension", "group", "decisions", "settled", "approved", "approval_rate",
    "adverse_impact_ratio", "flagged", "matured_loans", "bad_rate", "auc",
)  # fmt: skip


@cli_errors
def report_fairness(
    model: ModelOpt,
    start: FromOpt = None,
    end: ToOpt = None,
    mature_months: MatureOpt = 6,
    air_floor: AirOpt = 0.8,
    min_group: MinGroupOpt = 20,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """A model's fairness per policy: approval rate, bad rate and AUC by age band, sex and
    region, with adverse-impact ratios below the floor as findings."""
    from fengkong.api.routes.model_reports import fairness_document
    from fengkong.scoring.monitored import MonitoringLimits

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.REPORTS_READ)
    limits = MonitoringLimits(mature_months=mature_months, air_floor=air_floor, min_group=min_group)
    doc = fairness_document(ctx, model, start, end, limits)
    if as_json:
        emit_json(doc)
        return
    rows = [
        {
            "policy_version": p["policy_version"],
            **g,
            "matured_loans": g["matured"]["loans"],
            "bad_rate": g["matured"]["bad_rate"],
            "auc": g["matured"]["auc"],
        }
        for p in doc["policies"]
        for g in p["groups"]
    ]
    if as_csv:
        _csv(rows, GROUP_COLUMNS)
        return
    w = doc["window"]
    out.print(
        f"model {doc['model_version']}: {w['start']} to {w['end']}; adverse-impact floor "
        f"{doc['limits']['air_floor']}, judged from {doc['limits']['min_group']} settled decisions",
        highlight=False,
    )
    for p in doc["policies"]:
        mine = [r for r in rows if r["policy_version"] == p["policy_version"]]
        out.print(_table(f"policy {p['policy_version']}", mine, GROUP_COLUMNS[1:]))
    _findings(doc)
