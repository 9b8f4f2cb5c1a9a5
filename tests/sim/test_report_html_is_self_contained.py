"""The run's HTML report: one file with inline SVG charts, bilingual section headings, no script
and nothing fetched from elsewhere; the run's names are escaped."""

from __future__ import annotations

import re
from pathlib import Path

from fengkong.sim.report import write_html
from fengkong.sim.report_html import bar_chart
from fengkong.sim.stats import RunStats
from sim.report_runs import empty_month, three_months

HEADINGS = (
    "Vintage curves 账龄曲线",
    "Roll rates 迁徙率",
    "Approval and bad rates 通过率与逾期率",
    "Fraud caught vs missed 欺诈拦截与漏过",
    "Expected vs realised loss 预期损失与实际损失",
    "Reserve fund coverage 风险准备金覆盖率",
    "Lines frozen or closed, and why 额度冻结与关闭及原因",
    "Income vs losses 收入与损失",
    "Month by month 月度明细",
)


def self_contained(text: str) -> None:
    assert "<script" not in text.lower()
    assert not re.search(r"\b(src|href)\s*=", text)
    assert "http://" not in text and "https://" not in text


def test_the_report_has_charts_and_bilingual_sections(tmp_path: Path) -> None:
    path = write_html(three_months(), tmp_path / "out" / "run.html")
    text = path.read_text(encoding="utf-8")
    assert path.exists()
    assert text.count("<svg") >= 8
    for heading in HEADINGS:
        assert f"<h2>{heading}</h2>" in text
    self_contained(text)
    # the title names the run; the monthly table has a row per month
    assert "downturn · retail-v1 · app-2 · seed 42 · 2027-01-01" in text
    assert "<td>2027-03</td>" in text and "<td>-¥520.00</td>" in text


def test_chinese_tables(tmp_path: Path) -> None:
    text = write_html(three_months(), tmp_path / "run.html", language="zh").read_text(
        encoding="utf-8"
    )
    assert '<html lang="zh-CN">' in text
    assert "<th>通过率</th>" in text and "<th>净收益</th>" in text


def test_names_are_escaped(tmp_path: Path) -> None:
    stats = empty_month()
    stats.scenario = '<img src=x onerror="alert(1)">'
    text = write_html(stats, tmp_path / "run.html").read_text(encoding="utf-8")
    assert "<img" not in text and "&lt;img src=x" in text


def test_a_run_without_months_still_writes_a_page(tmp_path: Path) -> None:
    stats = RunStats(seed=1, scenario="s", policy="p", model=None, start="2027-01-01")
    text = write_html(stats, tmp_path / "run.html").read_text(encoding="utf-8")
    self_contained(text)
    assert "<svg" in text


def test_bars_scale_to_the_largest_value() -> None:
    svg = bar_chart("t", ["a", "b"], [("s", "#000", [1.0, 2.0])], y_label="n")
    heights = [float(h) for h in re.findall(r'height="([\d.]+)" fill="#000"', svg)]
    assert len(heights) == 2
    assert heights[1] == 2 * heights[0] > 0


def test_lines_are_shown_by_why_they_stopped(tmp_path: Path) -> None:
    stats = three_months()
    stats.months[1].end_lines_active = 7
    stats.months[1].end_lines_by_reason = {"frozen: DPD_OVER_THRESHOLD": 2}
    stats.months[2].end_lines_active = 5
    stats.months[2].end_lines_by_reason = {
        "closed: BLACKLIST_HIT": 1,
        "frozen: DPD_OVER_THRESHOLD": 3,
    }
    text = write_html(stats, tmp_path / "run.html").read_text(encoding="utf-8")
    table = text[text.index("额度冻结与关闭及原因") :]
    assert "<th>closed: black-list hit 命中黑名单</th>" in table
    assert "<th>frozen: a draw past due 逾期</th>" in table
    # the third month: 5 active, 1 closed on a black-list hit, 3 frozen for arrears
    assert f"<td>{stats.months[2].month}</td><td>5</td><td>1</td><td>3</td>" in table
    assert f"<td>{stats.months[0].month}</td><td>0</td><td>0</td><td>0</td>" in table
