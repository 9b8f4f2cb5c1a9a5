"""Financial statements read from a Chinese CSV export in 万元 and from the JSON document, and
refused when they do not balance, lack a required item, are of another business, in another
currency, or end after the business date."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fengkong.core.errors import Invalid
from fengkong.sources.connector import Subject
from fengkong.sources.financial_files import item_of, period_of
from fengkong.sources.financials import FINANCIALS, balance_tolerance, read, read_file

DATA = Path(__file__).parent / "data"
FIRM = Subject("k", uscc="91330100MA2B3C4D5E")
AS_OF = date(2026, 3, 1)


def _fixture() -> dict[str, Any]:
    name = "trade_company_financials_gbk.csv"
    return dict(read_file((DATA / name).read_bytes(), name))


def test_a_gbk_export_in_ten_thousands_of_yuan() -> None:
    fin = read(_fixture(), FIRM, AS_OF)
    assert fin.company == "杭州某某贸易有限公司"
    older, latest = fin.periods
    assert (latest.period_from, latest.period_to, latest.months) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
        12,
    )
    assert latest.revenue == 1650_0000_00  # 1,650.00 万元 in fen
    assert latest.total_assets == 900_2000_00
    assert latest.interest_expense == 24_5000_00  # 利息费用 preferred to 财务费用
    assert latest.operating_cash_flow == -12_0000_00  # (12.00): negative
    assert latest.cost_of_sales == 1270_0000_00  # "减：营业成本"
    assert fin.year_before(latest) == older
    assert FINANCIALS.kind == "financial_statements"


def test_item_names_and_period_headers() -> None:
    assert item_of("一、营业总收入") == ("revenue", 1)
    assert item_of("其中：利息费用") == ("interest_expense", 0)
    assert item_of("Total Assets") == ("total_assets", 2)
    assert item_of("固定资产") is None
    assert period_of("2025年度") == (date(2025, 1, 1), date(2025, 12, 31))
    assert period_of("FY2024") == (date(2024, 1, 1), date(2024, 12, 31))
    assert period_of("2025-01-01至2025-06-30") == (date(2025, 1, 1), date(2025, 6, 30))
    assert period_of("2025-06-30") == (date(2024, 7, 1), date(2025, 6, 30))
    assert period_of("本期金额") is None


def _refused(
    doc: dict[str, Any], subject: Subject = FIRM
) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(Invalid) as caught:
        read(doc, subject, AS_OF)
    return [(e.loc, e.msg) for e in caught.value.errors]


def test_assets_must_be_liabilities_plus_equity_within_rounding() -> None:
    doc = _fixture()
    tolerance = balance_tolerance(doc["unit_fen"])
    assert tolerance == 1_500_000  # 1.5 万元: three figures each off by half a unit
    items = doc["periods"][1]["items"]
    items["total_assets"] += tolerance
    assert read(doc, FIRM, AS_OF)
    items["total_assets"] += 1
    errors = _refused(doc)
    assert [loc for loc, _ in errors] == [("periods", 1, "items", "total_assets")]
    assert "off by ¥15,000.01" in errors[0][1]


def test_a_required_item_missing_is_named() -> None:
    doc = _fixture()
    del doc["periods"][0]["items"]["current_liabilities"]
    assert _refused(doc) == [(("periods", 0, "items", "current_liabilities"), "is required")]


def test_another_business_another_currency_a_future_period() -> None:
    doc = _fixture()
    assert _refused(doc, Subject("k", uscc="91110000MA00000000"))[0][1] == (
        "the statements are of another business"
    )
    other = copy.deepcopy(doc)
    other["currency"] = "USD"
    assert _refused(other)[0][0] == ("currency",)
    future = copy.deepcopy(doc)
    future["periods"][1]["period_to"] = "2026-12-31"
    assert _refused(future) == [(("periods", 1, "period_to"), "the period ends after 2026-03-01")]


def test_a_repeated_period_is_refused() -> None:
    doc = _fixture()
    doc["periods"].append(copy.deepcopy(doc["periods"][0]))
    assert _refused(doc) == [(("periods", 2), "repeats period 0")]


def test_a_bad_amount_cell_names_its_row_and_column() -> None:
    text = "单位：元\n项目,2025年度\n营业收入,abc\n资产总计,1.234\n"
    with pytest.raises(Invalid) as caught:
        read_file(text.encode("gbk"), "f.csv")
    assert [e.loc for e in caught.value.errors] == [
        ("f.csv", 3, "2025年度"),
        ("f.csv", 4, "2025年度"),
    ]


def test_an_export_without_an_item_header_is_refused() -> None:
    with pytest.raises(Invalid, match="no header row"):
        read_file("编制单位：某公司\n随便,写写\n".encode(), "f.csv")
