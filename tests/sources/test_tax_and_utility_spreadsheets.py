"""Tax and utility records exported as XLSX workbooks (generated here with openpyxl): read as
their CSV twins are, number, date and yes/no cells included; a bad row refuses the whole file
naming its row and column, and nothing of it is recorded; a workbook with data on two sheets is
refused; `fengkong sources import` takes them."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from fakes.sources import give_consent
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Invalid
from fengkong.db.source_tables import source_answers
from fengkong.onboarding.consent import Purpose
from fengkong.sources.connector import Subject
from fengkong.sources.payments import (
    TaxType,
    Utility,
    read_tax,
    read_tax_file,
    read_utility,
    read_utility_file,
)
from sources.test_sources_command_and_endpoint import _application

USCC = "91110105MA01ABCD1X"
BUSINESS = Subject(key="blind-index", uscc=USCC)
AS_OF = date(2026, 3, 31)
TAX_HEADER = (
    "统一社会信用代码",
    "税款所属期",
    "税种",
    "实缴金额(元)",
    "是否按期缴纳",
    "纳税信用等级",
)


def _xlsx(*sheets: Sequence[Sequence[object]]) -> bytes:
    book = openpyxl.Workbook()
    for i, rows in enumerate(sheets):
        sheet = book.active if i == 0 else book.create_sheet(f"Sheet{i + 1}")
        assert sheet is not None
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _tax_rows() -> list[tuple[object, ...]]:
    return [
        TAX_HEADER,
        (USCC, datetime(2026, 1, 1), "增值税", 1234.56, "是", "B"),  # a date cell, a number
        (USCC, "2026/02", "企业所得税", 100, False, "B"),  # an integer, a boolean cell
        (USCC, "202602", "增值税", "0.50", True, None),
    ]


def test_a_tax_workbook_reads_as_its_csv_twin() -> None:
    doc = read_tax_file(_xlsx(_tax_rows()), "纳税记录.xlsx")
    records = read_tax(doc, BUSINESS, AS_OF)
    assert [(p.period, p.tax_type, p.amount, p.on_time) for p in records.payments] == [
        (date(2026, 1, 1), TaxType.VAT, 123_456, True),
        (date(2026, 2, 1), TaxType.CORPORATE_INCOME, 10_000, False),
        (date(2026, 2, 1), TaxType.VAT, 50, True),
    ]
    csv_text = "\n".join(
        ",".join(cells)
        for cells in (
            TAX_HEADER,
            (USCC, "2026-01", "增值税", "1234.56", "是", "B"),
            (USCC, "2026/02", "企业所得税", "100", "否", "B"),
            (USCC, "202602", "增值税", "0.50", "是", ""),
        )
    )
    assert doc == read_tax_file(csv_text.encode("gbk"), "纳税记录.csv")


def test_a_utility_workbook_reads_with_english_columns() -> None:
    rows = [
        ("uscc", "month", "utility", "amount_fen", "days_late"),
        (USCC, "2026-01", "electricity", 52310, 0),
        (USCC, "2026年2月", "水费", 8800, 3),
    ]
    records = read_utility(read_utility_file(_xlsx(rows), "u.xlsx"), BUSINESS, AS_OF)
    assert [(p.month, p.utility, p.amount, p.days_late) for p in records.payments] == [
        (date(2026, 1, 1), Utility.ELECTRICITY, 52_310, 0),
        (date(2026, 2, 1), Utility.WATER, 8_800, 3),
    ]


def _locs(error: pytest.ExceptionInfo[Invalid]) -> set[tuple[str | int, ...]]:
    return {e.loc for e in error.value.errors}


def test_a_workbook_with_a_bad_row_is_refused_whole_naming_the_row() -> None:
    rows = _tax_rows()
    rows[2] = (USCC, "2026/02", "企业所得税", 1.234, "maybe", "B")  # row 3 of the sheet
    with pytest.raises(Invalid) as error:
        read_tax_file(_xlsx(rows), "tax.xlsx")
    assert _locs(error) == {("rows", 3, "amount"), ("rows", 3, "paid_on_time")}
    late = [
        ("uscc", "month", "utility", "amount", "days_late"),
        (USCC, "2026-01", "gas", 10, -2),
        (USCC, "2026-01", "gas", 10, 0),  # the same bill twice
    ]
    with pytest.raises(Invalid) as error:
        read_utility_file(_xlsx(late), "u.xlsx")
    assert ("rows", 2, "days_late") in _locs(error)


def test_data_on_two_worksheets_or_a_broken_workbook_is_refused() -> None:
    with pytest.raises(Invalid, match="one worksheet"):
        read_tax_file(_xlsx(_tax_rows(), _tax_rows()), "tax.xlsx")
    with pytest.raises(Invalid, match="XLSX"):
        read_tax_file(b"PK\x03\x04 not a workbook", "tax.xlsx")
    with pytest.raises(Invalid, match=r"\.xlsx"):
        read_tax_file(b"whatever", "tax.xls")


def test_the_import_command_takes_a_workbook_and_records_nothing_of_a_bad_one(
    context: Context,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    application_id, bidx = _application(context, clock)
    give_consent(context.uow(), bidx, Purpose.DATA_SOURCES, clock, clock.now())
    good, bad = tmp_path / "纳税记录.xlsx", tmp_path / "bad.xlsx"
    good.write_bytes(_xlsx(_tax_rows()))
    rows = _tax_rows()
    rows[3] = (USCC, "2026-13", "增值税", 5, "是", None)
    bad.write_bytes(_xlsx(rows))
    staff_login("fks_officer")
    runner = CliRunner()
    args = ["sources", "import", "tax_payments", "--application", application_id, "--json"]
    refused = runner.invoke(app, [*args[:3], str(bad), *args[3:]])
    assert refused.exit_code == 2, refused.stdout
    assert ["rows", 4, "period"] in [e["loc"] for e in json.loads(refused.stdout)["errors"]]
    with context.db.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(source_answers)).scalar() == 0
    made = runner.invoke(app, [*args[:3], str(good), *args[3:]])
    assert made.exit_code == 0, made.stdout
    assert json.loads(made.stdout)["provider"] == "file:纳税记录.xlsx"
