"""Two runs on the same population compared: both summaries and the second minus the first,
as JSON, a terminal table and one HTML page with both runs on the same charts."""

from __future__ import annotations

import re
from pathlib import Path

from rich.console import Console

from fengkong.sim.report import compare_summary, compare_table, write_compare_html
from fengkong.sim.stats import RunStats
from sim.report_runs import three_months


def stricter_and_looser() -> tuple[RunStats, RunStats]:
    """The looser policy approves 3 more in January, books a third loan (1,500 yuan), earns 10
    yuan more interest by March and writes off 200 yuan less."""
    strict = three_months()
    loose = RunStats.from_dict(strict.as_dict())
    loose.policy = "retail-loose"
    jan, _, mar = loose.months
    jan.approved = 7
    jan.loans_booked, jan.amount_booked = 3, 550_000
    mar.interest_income = 5_000
    mar.write_off_loss = 30_000
    return strict, loose


def test_the_differences_are_the_second_run_minus_the_first() -> None:
    strict, loose = stricter_and_looser()
    doc = compare_summary(strict, loose, ("strict", "loose"))
    assert doc["labels"] == ["strict", "loose"]
    assert doc["a"]["approved"] == 5 and doc["b"]["approved"] == 8
    diff = doc["difference"]
    assert diff["approved"] == 3
    assert diff["approval_rate"] == 0.2  # 8/15 − 5/15
    assert diff["booked_count"] == 1
    assert (diff["booked_amount"], diff["booked_amount_fen"]) == ("1500.00", 150_000)
    assert diff["income_fen"] == 1_000
    assert diff["losses_fen"] == -20_000
    assert (diff["net"], diff["net_fen"]) == ("210.00", 21_000)
    assert diff["reserve_coverage"] is None  # neither run holds 90+ principal at the end


def test_the_table_puts_the_runs_side_by_side() -> None:
    strict, loose = stricter_and_looser()
    console = Console(record=True, width=160)
    console.print(compare_table(strict, loose, ("strict", "loose")))
    text = console.export_text()
    net = next(line for line in text.splitlines() if "net (profit)" in line)
    assert re.search(r"-¥573\.00.*-¥363\.00.*¥210\.00", net)
    rate = next(line for line in text.splitlines() if "approval rate" in line)
    assert "+20.0 pp" in rate


def test_one_page_with_both_runs_on_each_chart(tmp_path: Path) -> None:
    strict, loose = stricter_and_looser()
    text = write_compare_html(strict, loose, ("strict", "loose"), tmp_path / "cmp.html").read_text(
        encoding="utf-8"
    )
    assert "<script" not in text.lower() and "http" not in text
    assert (
        "<h2>Vintage curves 账龄曲线</h2>" in text
        and "<h2>Income vs losses 收入与损失</h2>" in text
    )
    charts = re.findall(r"<svg.*?</svg>", text)
    assert len(charts) >= 8
    assert all(">strict</text>" in c and ">loose</text>" in c for c in charts)
