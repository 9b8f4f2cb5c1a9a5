"""Simulated financial statements balance, and their CSV and XLSX exports (Chinese or English
item names) read back to the same document."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.sim.sources_financials import (
    financials_document,
    write_financials_csv,
    write_financials_xlsx,
)
from fengkong.sources.connector import Subject
from fengkong.sources.financials import read, read_file

FIRM = Subject("k", uscc="91310000MA1K00000X")


@settings(max_examples=20, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(200_000, 50_000_000),
    st.floats(-3, 3),
    st.integers(1, 3),
    st.booleans(),
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
)
def test_exports_read_back_to_the_same_financials(
    seed: int, revenue_yuan: int, z: float, years: int, english: bool, as_of: date
) -> None:
    doc = financials_document(
        company="上海某某餐饮有限公司",
        uscc="91310000MA1K00000X",
        annual_revenue=Fen(revenue_yuan * 100),
        creditworthiness=z,
        rng=random.Random(seed),
        as_of=as_of,
        years=years,
    )
    want = read(doc, FIRM, as_of)
    assert len(want.periods) == years
    for p in want.periods:
        assert p.total_assets == p.total_liabilities + p.equity
        assert p.current_assets <= p.total_assets
    csv_doc = read_file(write_financials_csv(doc, english=english), "f.csv")
    assert read(csv_doc, FIRM, as_of) == want
    xlsx_doc = read_file(write_financials_xlsx(doc, english=english), "f.xlsx")
    assert read(xlsx_doc, FIRM, as_of) == want
