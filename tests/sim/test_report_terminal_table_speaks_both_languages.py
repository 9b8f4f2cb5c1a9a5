"""The terminal report: one row per month under English or Chinese headers, then the run's
totals."""

from __future__ import annotations

import pytest
from rich.console import Console

from fengkong.sim.report import monthly_table, render
from sim.report_runs import empty_month, three_months


def test_one_row_per_month_with_the_months_figures() -> None:
    table = monthly_table(three_months())
    headers = [str(c.header) for c in table.columns]
    assert headers[:3] == ["month", "applications", "approval rate"]
    assert headers[-3:] == ["income", "losses", "net"]
    assert table.row_count == 3
    by_header = {str(c.header): [str(x) for x in c.cells] for c in table.columns}
    assert by_header["month"] == ["2027-01", "2027-02", "2027-03"]
    assert by_header["approval rate"] == ["40.0%", "–", "20.0%"]
    assert by_header["90+ rate"] == ["0.0%", "26.3%", "0.0%"]
    assert by_header["net"] == ["-¥5.00", "-¥48.00", "-¥520.00"]
    assert by_header["allowance+reserve"] == ["¥30.00", "¥95.00", "¥65.00"]


def test_chinese_headers() -> None:
    headers = [str(c.header) for c in monthly_table(three_months(), "zh").columns]
    assert headers[:3] == ["月份", "申请数", "通过率"]
    assert "净收益" in headers
    assert [str(c.header) for c in monthly_table(three_months(), "zh-CN").columns] == headers


def test_render_prints_the_table_and_the_totals() -> None:
    console = Console(record=True, width=240)
    render(three_months(), console)
    text = console.export_text()
    assert "2027-03" in text
    assert "net: -¥573.00" in text
    assert "fraud missed: 1" in text
    console = Console(record=True, width=240)
    render(empty_month(), console, language="zh")
    text = console.export_text()
    assert "通过率: –" in text and "准备金覆盖率: –" in text


def test_a_narrow_terminal_gets_the_table_in_parts_each_led_by_the_month() -> None:
    console = Console(record=True, width=80)
    render(three_months(), console)
    text = console.export_text()
    assert "…" not in text  # nothing cut short
    assert text.count("2027-03") >= 2
    assert "-¥520.00" in text and "allowance+reserve" in text
    wide = Console(record=True, width=300)
    render(three_months(), wide)
    assert wide.export_text().count("2027-03") == 1


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="language"):
        monthly_table(three_months(), "fr")
