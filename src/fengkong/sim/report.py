"""A simulated run's report, in one place for its callers (the `simulate` command, the run's
finish): pure figures over `RunStats`, the `--json` summary, the terminal table, the HTML page,
and two runs compared. Each part lives in a module of its own:

- `sim.portfolio_curves`: vintage curves and roll rates from the month-end loan snapshots;
- `sim.report_figures`: the figures by month, the summary, the terminal table (English, Chinese);
- `sim.report_html`: one self-contained HTML file (inline SVG, no script, no external link);
- `sim.report_compare`: two runs' summaries, differences, table and HTML page side by side."""

from __future__ import annotations

from fengkong.sim.portfolio_curves import (
    average_roll_rates,
    forward_rolls_by_month,
    m3_vintage_curves,
    pooled_vintage,
    roll_rates,
    vintage_curves,
)
from fengkong.sim.report_compare import (
    compare_summary,
    compare_table,
    render_compare_html,
    write_compare_html,
)
from fengkong.sim.report_figures import (
    MonthFigures,
    approval_rates,
    bad_rates,
    monthly_figures,
    monthly_table,
    render,
    reserve_coverage,
    snapshot_curves,
    summary,
)
from fengkong.sim.report_html import render_html, write_html

__all__ = [
    "MonthFigures",
    "approval_rates",
    "average_roll_rates",
    "bad_rates",
    "compare_summary",
    "compare_table",
    "forward_rolls_by_month",
    "m3_vintage_curves",
    "monthly_figures",
    "monthly_table",
    "pooled_vintage",
    "render",
    "render_compare_html",
    "render_html",
    "reserve_coverage",
    "roll_rates",
    "snapshot_curves",
    "summary",
    "vintage_curves",
    "write_compare_html",
    "write_html",
]
