"""The `--json` summary: totals by hand for the run of `sim.report_runs`, money as yuan strings
beside integer fen (never a float), and the same report after the run's stats go through
`as_dict`/JSON/`from_dict` (as a resumed run reads them)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fengkong.sim.portfolio_curves import average_roll_rates, m3_vintage_curves, vintage_curves
from fengkong.sim.report import snapshot_curves, summary
from fengkong.sim.report_html import render_html
from fengkong.sim.stats import RunStats
from sim.report_runs import empty_month, stopped_in_april, three_months

RATES = {
    "approval_rate",
    "fraud_catch_rate",
    "m1_plus_rate",
    "dpd30_rate",
    "m3_plus_rate",
    "reserve_coverage",
}


def floats(doc: Any, path: str = "") -> list[str]:
    if isinstance(doc, float):
        return [path]
    if isinstance(doc, dict):
        return [p for k, v in doc.items() for p in floats(v, f"{path}.{k}" if path else k)]
    if isinstance(doc, list):
        return [p for i, v in enumerate(doc) for p in floats(v, f"{path}[{i}]")]
    return []


def test_totals_by_hand() -> None:
    doc = summary(three_months())
    assert (doc["applications"], doc["approved"], doc["approval_rate"]) == (15, 5, 0.333333)
    assert (doc["fraud_applications"], doc["fraud_caught"], doc["fraud_missed"]) == (4, 3, 1)
    assert doc["fraud_catch_rate"] == 0.75
    assert (doc["booked_count"], doc["booked_amount"], doc["booked_amount_fen"]) == (
        2,
        "4000.00",
        400_000,
    )
    assert doc["referred"] == 2
    assert doc["income"] == "47.00" and doc["losses"] == "620.00"
    assert (doc["net"], doc["net_fen"]) == ("-573.00", -57_300)
    assert doc["amount_written_off"] == "1000.00"
    assert doc["expected_loss_fen"] == 9_000
    assert doc["m3_plus_balance_fen"] == 0
    assert (doc["m1_plus_rate"], doc["m3_plus_rate"], doc["reserve_coverage"]) == (1.0, 0.0, None)
    assert (doc["months"], doc["days"], doc["first_month"], doc["last_month"]) == (
        3,
        90,
        "2027-01",
        "2027-03",
    )


def test_money_is_never_a_float() -> None:
    for stats in (three_months(), stopped_in_april(), empty_month()):
        doc = json.loads(json.dumps(summary(stats)))
        assert set(floats(doc)) <= RATES
        for key, fen in doc.items():
            if key.endswith("_fen"):
                assert isinstance(fen, int)
                yuan = doc[key.removesuffix("_fen")]
                assert isinstance(yuan, str) and Decimal(yuan) * 100 == fen


def test_a_run_stopped_in_mid_month_sums_to_its_last_month_end() -> None:
    doc, earlier = summary(stopped_in_april()), summary(three_months())
    assert doc["last_month"] == "2027-04" and doc["applications"] == 17
    assert doc["net_fen"] == earlier["net_fen"]
    assert doc["allowance_fen"] == earlier["allowance_fen"] == 5_000


def test_an_empty_run_has_no_rates() -> None:
    doc = summary(RunStats(seed=1, scenario="s", policy="p", model=None, start="2027-01-01"))
    assert doc["applications"] == 0 and doc["approval_rate"] is None
    assert doc["m3_plus_rate"] is None and doc["net"] == "0.00"


def test_the_stats_round_trip_into_the_same_report() -> None:
    stats = three_months()
    again = RunStats.from_dict(json.loads(json.dumps(stats.as_dict())))
    assert summary(again) == summary(stats)
    assert vintage_curves(again) == vintage_curves(stats)
    assert m3_vintage_curves(again) == m3_vintage_curves(stats)
    assert average_roll_rates(again) == average_roll_rates(stats)
    assert snapshot_curves(again) == snapshot_curves(stats)
    assert render_html(again) == render_html(stats)
