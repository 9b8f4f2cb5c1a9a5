"""`fengkong report stress`: a scenario applied to the book of a date over 12 months (or
`--months`): projected defaults, losses, provisions against those held, coverage and capital
need, and the collections the schedules expect against those made (`monitoring.stress_report`);
as tables, `--json` or `--csv` (one row per month). See docs/stress-testing.md."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, out
from fengkong.cli.finding import CsvOpt, _formats
from fengkong.cli.report_curves import DayOpt, _csv, _money, _pct


def _factor(scenario: dict[str, Any]) -> str:
    """What the income shock multiplies PDs by, 1 + elasticity × shock, without trailing zeros."""
    value = 1 + Decimal(scenario["income_elasticity"]) * Decimal(scenario["income_shock"])
    return f"{value.normalize():f}"


def _months_table(doc: dict[str, Any]) -> Table:
    table = Table(title="projection by month", box=box.SIMPLE_HEAD, pad_edge=False)
    headers = (
        "month",
        "to",
        "defaults",
        "loss",
        "cum. loss",
        "performing",
        "required",
        "cover",
        "capital",
    )
    for header in headers:
        table.add_column(header, justify="left" if header == "to" else "right", no_wrap=True)
    for m in doc["months"]:
        table.add_row(
            str(m["month"]),
            m["last_day"],
            _money(m["defaults_fen"]),
            _money(m["loss_fen"]),
            _money(m["cumulative_loss_fen"]),
            _money(m["performing_fen"]),
            _money(m["required_provisions_fen"]),
            _pct(m["coverage"]),
            _money(m["capital_need_fen"]),
        )
    return table


def _collections_table(doc: dict[str, Any]) -> Table:
    table = Table(title="collections by month", box=box.SIMPLE_HEAD, pad_edge=False)
    for header in ("month", "from", "to", "scheduled", "expected", "collected"):
        table.add_column(header, justify="left" if header in ("from", "to") else "right")
    for m in doc["months"]:
        collected = _money(m["collected_fen"])
        if m["collected_fen"] is not None and not m["collected_complete"]:
            collected += " (so far)"
        table.add_row(
            str(m["month"]),
            m["first_day"],
            m["last_day"],
            _money(m["scheduled_fen"]),
            _money(m["expected_collections_fen"]),
            collected,
        )
    return table


def _segments_table(doc: dict[str, Any]) -> Table:
    by = doc["scenario"]["by"] or "the whole book"
    table = Table(title=f"by {by}", box=box.SIMPLE_HEAD, pad_edge=False)
    for header in ("segment", "EAD", "PD", "×", "stressed", "LGD", "loss", "required", "held"):
        table.add_column(header, justify="left" if header == "segment" else "right")
    for s in doc["segments"]:
        table.add_row(
            s["segment"],
            _money(s["ead_fen"]),
            _pct(s["pd"]),
            str(s["multiplier"]),
            _pct(s["stressed_pd"]),
            _pct(s["lgd"]),
            _money(s["projected_loss_fen"]),
            _money(s["required_provisions_fen"]),
            _money(s["held_fen"]),
        )
    return table


@cli_errors
def report_stress(
    business_date: DayOpt = None,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            help="A shipped scenario: baseline (default), downturn or severe.",
            show_default=False,
        ),
    ] = None,
    scenario_file: Annotated[
        Path | None,
        typer.Option(
            "--scenario-file",
            help="A scenario in YAML (docs/stress-testing.md), instead of --scenario.",
            show_default=False,
        ),
    ] = None,
    months: Annotated[
        int | None,
        typer.Option(
            "--months",
            help="Horizon in months, 1 to 60 (default: the scenario's, 12).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """A stress test of the book of --date: the scenario's PD multipliers, income shock and
    collateral haircut projected month by month; losses, provisions, coverage and capital need;
    and the collections expected each month against those made."""
    from fengkong.api.report_stress_schemas import StressOut
    from fengkong.monitoring.stress_report import stress_report

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.REPORTS_READ)
    report = stress_report(ctx.reads.stress, business_date, scenario, scenario_file, months)
    doc = StressOut.of(report).model_dump(mode="json")
    if as_json:
        emit_json(doc)
        return
    if as_csv:
        _csv(
            [
                {"business_date": doc["business_date"], "scenario": doc["scenario"]["name"], **m}
                for m in doc["months"]
            ]
        )
        return
    s = doc["scenario"]
    out.print(
        f"stress '{s['name']}' on the book of {doc['business_date']}: {doc['loans']} loans, "
        f"{_money(doc['ead_fen'])} outstanding, {_money(doc['held_fen'])} held (allowance + "
        f"reserve); over {doc['horizon_months']} month{'' if doc['horizon_months'] == 1 else 's'} "
        "the projected loss is "
        f"{_money(doc['projected_loss_fen'])}, coverage {_pct(doc['coverage'])}, provisions "
        f"required {_money(doc['required_provisions_fen'])} (shortfall "
        f"{_money(doc['shortfall_fen'])}), capital need {_money(doc['capital_need_fen'])} "
        f"(peak {_money(doc['peak_capital_need_fen'])}); amounts in yuan",
        highlight=False,
    )
    out.print(
        f"PD × multiplier × {_factor(s)} "
        f"(income shock {_pct(s['income_shock'])}, elasticity {s['income_elasticity']}); "
        f"LGD {s['lgd']}, collateral haircut {_pct(s['collateral_haircut'])}; capital "
        f"{_pct(s['capital_ratio'])} × risk weight {s['risk_weight']}; M0→M1 roll rate "
        f"{_pct(doc['roll_rate_m0_m1'])}",
        highlight=False,
    )
    out.print(_segments_table(doc))
    out.print(_months_table(doc))
    out.print(_collections_table(doc))
