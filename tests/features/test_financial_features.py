"""The `financials.` features on the trading company's export fixture: ratios computed by hand,
the cover of a requested instalment, and the same values online and in batch."""

from __future__ import annotations

import math
import random
import re
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.features.financials import FINANCIAL_FEATURES, FinancialsRequest, instalment_of
from fengkong.sim.sources_financials import financials_document
from fengkong.sources.connector import Subject
from fengkong.sources.financials import Financials, read, read_file

DATA = Path(__file__).parents[1] / "sources" / "data"
FIRM = Subject("k", uscc="91330100MA2B3C4D5E")
AS_OF = date(2026, 3, 1)


def _fixture() -> Financials:
    name = "trade_company_financials_gbk.csv"
    return read(read_file((DATA / name).read_bytes(), name), FIRM, AS_OF)


def test_ratios_of_the_latest_year_by_hand() -> None:
    # 2025, in 万元: assets 900.20, liabilities 500.10, current 610.20 / 380.10, revenue 1,650
    # (1,500 in 2024), operating profit 66.20, interest 24.50, net profit 49.65, cash flow −12.
    got = FINANCIAL_FEATURES.compute_online(FinancialsRequest(_fixture(), Fen(500000)), AS_OF)
    assert math.isclose(got["financials.debt_ratio"], 500.10 / 900.20)
    assert math.isclose(got["financials.current_ratio"], 610.20 / 380.10)
    assert math.isclose(got["financials.interest_coverage"], (66.20 + 24.50) / 24.50)
    assert math.isclose(got["financials.revenue_growth"], 1650 / 1500 - 1)
    assert math.isclose(got["financials.net_margin"], 49.65 / 1650)
    # −120,000 yuan a year is −10,000 a month against a 5,000-yuan instalment
    assert math.isclose(got["financials.instalment_cover"], -2.0)
    assert got["financials.months_reported"] == 12


def test_without_an_instalment_or_a_year_before_the_features_are_missing() -> None:
    fin = _fixture()
    one_year = Financials(fin.company, fin.uscc, fin.periods[-1:])
    got = FINANCIAL_FEATURES.compute_online(FinancialsRequest(one_year), AS_OF)
    assert got["financials.instalment_cover"] is None
    assert got["financials.revenue_growth"] is None
    assert got["financials.debt_ratio"] is not None


def test_the_instalment_from_a_requests_params() -> None:
    assert instalment_of({"instalment_fen": 500000}) == 500000
    assert instalment_of({"instalment_fen": "5000.00"}) is None
    assert instalment_of({}) is None


def test_reason_texts_in_chinese_have_no_latin_words() -> None:
    for f in FINANCIAL_FEATURES.features:
        assert f.name.startswith("financials.")
        assert not re.search(r"[A-Za-z]", f.label_zh + f.reason_zh), f.name


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 999), st.floats(-3, 3), st.integers(1, 3),
                          st.one_of(st.none(), st.integers(1, 10_000_000))),
                min_size=1, max_size=4))  # fmt: skip
def test_online_equals_batch(firms: list[tuple[int, float, int, int | None]]) -> None:
    rows = []
    for seed, z, years, instalment in firms:
        doc = financials_document(company="某公司", uscc="", annual_revenue=Fen(300_000_000),
                                  creditworthiness=z, rng=random.Random(seed), as_of=AS_OF,
                                  years=years)  # fmt: skip
        fin = read(doc, FIRM, AS_OF)
        rows.append((FinancialsRequest(fin, Fen(instalment) if instalment else None), AS_OF))
    frame = FINANCIAL_FEATURES.compute_batch(rows)
    for i, (request, at) in enumerate(rows):
        assert frame.row(i, named=True) == FINANCIAL_FEATURES.compute_online(request, at)
