"""A simulated statement written as any bank's CSV (GBK, UTF-8, UTF-8 with BOM) or XLSX export
reads back to the same typed document; the same seed gives the same statement."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.sim.sources_statements import (
    statement_document,
    write_statement_csv,
    write_statement_xlsx,
)
from fengkong.sources.connector import Subject
from fengkong.sources.statement_files import LAYOUTS
from fengkong.sources.statements import read, read_file

ME = Subject("k", name="王小明")


def _document(seed: int, income_yuan: int, z: float, salaried: bool, as_of: date) -> dict:
    return {
        "statements": [
            statement_document(
                holder="王小明",
                monthly_income=Fen(income_yuan * 100),
                creditworthiness=z,
                salaried=salaried,
                monthly_debt=Fen(income_yuan * 10),
                rng=random.Random(seed),
                as_of=as_of,
            )
        ]
    }


people = st.tuples(
    st.integers(0, 10_000),
    st.integers(3_000, 60_000),
    st.floats(-3, 3),
    st.booleans(),
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
)


@settings(max_examples=25, deadline=None)
@given(people, st.sampled_from([layout.name for layout in LAYOUTS]),
       st.sampled_from(["gb18030", "gbk", "utf-8", "utf-8-sig"]))  # fmt: skip
def test_csv_export_reads_back_to_the_same_document(person, layout, encoding) -> None:  # type: ignore[no-untyped-def]
    doc = _document(*person)
    as_of = person[-1]
    want = read(doc, ME, as_of)
    data = write_statement_csv(doc["statements"][0], layout, encoding)
    assert read(read_file(data, "export.csv"), ME, as_of) == want


@settings(max_examples=10, deadline=None)
@given(people, st.sampled_from([layout.name for layout in LAYOUTS]))
def test_xlsx_export_reads_back_to_the_same_document(person, layout) -> None:  # type: ignore[no-untyped-def]
    doc = _document(*person)
    as_of = person[-1]
    assert read(read_file(write_statement_xlsx(doc, layout), "export.xlsx"), ME, as_of) == read(
        doc, ME, as_of
    )


def test_same_seed_same_statement_and_risky_people_gamble_or_bounce() -> None:
    as_of = date(2026, 7, 15)
    assert _document(7, 9000, 0.0, True, as_of) == _document(7, 9000, 0.0, True, as_of)
    risky = [_document(s, 5000, -2.5, False, as_of)["statements"][0] for s in range(20)]
    flagged = [
        t for doc in risky for t in doc["transactions"]
        if "博彩" in t["counterparty"] or "彩票" in t["counterparty"] or "失败" in t["description"]
    ]  # fmt: skip
    assert flagged
