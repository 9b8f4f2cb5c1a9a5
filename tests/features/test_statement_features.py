"""The `statement.` features on the ICBC-like export fixture and on hand-made statements, and
the same values online and in batch."""

from __future__ import annotations

import math
import random
import re
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.features.statements import STATEMENT_FEATURES
from fengkong.sim.sources_statements import statement_document
from fengkong.sources.connector import Subject
from fengkong.sources.statements import BankStatements, read, read_file

DATA = Path(__file__).parents[1] / "sources" / "data"
ME = Subject("k", name="王小明")


def _icbc() -> BankStatements:
    name = "icbc_like_gbk.csv"
    return read(read_file((DATA / name).read_bytes(), name), ME, date(2026, 4, 1))


def test_salary_and_flows_on_the_icbc_fixture() -> None:
    # January to March: salaries 8,500, 8,500, 8,600 from one employer, described 代发工资;
    # rent 3,200 a month; 256.80 at a supermarket; 1,000 to a lottery; one failed debit.
    got = STATEMENT_FEATURES.compute_online(_icbc(), date(2026, 4, 1))
    assert got["statement.months_covered"] == 3
    assert got["statement.salary_detected"] is True
    assert got["statement.salary_amount"] == 8500.0
    assert math.isclose(got["statement.monthly_inflow"], (8500 + 8500 + 8600) / 3)
    inflows = [8500, 8500, 8600]
    mean = sum(inflows) / 3
    cv = math.sqrt(sum((x - mean) ** 2 for x in inflows) / 3) / mean
    assert math.isclose(got["statement.inflow_cv"], cv)
    spent = 3200 * 3 + 256.80 + 1000
    assert math.isclose(got["statement.gambling_share"], 1000 / spent)
    assert got["statement.lender_share"] == 0.0
    assert got["statement.bounced_debits"] == 1
    assert got["statement.months_negative_net"] == 0
    assert got["statement.min_balance"] == 2000.0  # the opening balance, before the first salary


def _txn(day: str, amount: int, balance: int, who: str, what: str = "") -> dict[str, Any]:
    return {"date": day, "time": "", "amount_fen": amount, "balance_fen": balance,
            "counterparty": who, "description": what, "channel": ""}  # fmt: skip


def _doc(
    rows: list[tuple[str, int, str, str]], start: str, end: str, opening: int = 0
) -> BankStatements:
    txns, balance = [], opening
    for day, amount, who, what in rows:
        balance += amount
        txns.append(_txn(day, amount, balance, who, what))
    doc = {"statements": [{"holder": "王小明", "account": "1234", "bank": "某银行", "currency": "CNY",
                           "period_from": start, "period_to": end, "opening_balance_fen": opening,
                           "closing_balance_fen": balance, "transactions": txns}]}  # fmt: skip
    return read(doc, ME, date(2026, 12, 31))


def test_a_regular_payer_without_salary_words_is_a_salary() -> None:
    rows = [(f"2026-0{m}-10", 600000 + 1000 * m, "某某科技有限公司", "转账") for m in range(1, 7)]
    rows += [(f"2026-0{m}-12", -100000, "超市", "消费") for m in range(1, 7)]
    rows.sort()
    got = STATEMENT_FEATURES.compute_online(
        _doc(rows, "2026-01-01", "2026-06-30"), date(2026, 7, 1)
    )
    assert got["statement.salary_detected"] is True
    assert got["statement.salary_amount"] == (603000 + 604000) / 2 / 100


def test_irregular_customers_are_no_salary_and_own_transfers_are_not_inflow() -> None:
    rows = [
        ("2026-01-03", 500000, "客户甲", "货款"),
        ("2026-02-07", 90000, "客户甲", "货款"),
        ("2026-02-09", 300000, "王小明", "转入"),  # from the applicant's own account
        ("2026-03-20", 700000, "客户甲", "货款"),
        ("2026-03-21", -2000000, "某某小额贷款有限公司", "还款"),
    ]
    got = STATEMENT_FEATURES.compute_online(
        _doc(rows, "2026-01-01", "2026-03-31", 1000000), date(2026, 4, 1)
    )
    assert got["statement.salary_detected"] is False and got["statement.salary_amount"] is None
    assert math.isclose(got["statement.monthly_inflow"], (5000 + 900 + 7000) / 3)
    assert got["statement.lender_share"] == 1.0
    assert got["statement.months_negative_net"] == 1
    assert got["statement.min_balance"] == 5900.0  # 10,000 + 5,000 + 900 + 3,000 + 7,000 − 20,000


def test_only_full_months_ending_by_the_business_date_count() -> None:
    rows = [("2026-01-20", 100000, "甲", ""), ("2026-02-10", 100000, "甲", "")]
    doc = _doc(rows, "2026-01-15", "2026-02-28")
    assert STATEMENT_FEATURES.compute_online(doc, date(2026, 3, 1))["statement.months_covered"] == 1
    nothing = STATEMENT_FEATURES.compute_online(doc, date(2026, 2, 27))
    assert nothing["statement.months_covered"] == 0 and nothing["statement.monthly_inflow"] is None
    assert nothing["statement.salary_detected"] is False


def test_reason_texts_in_chinese_have_no_latin_words() -> None:
    for f in STATEMENT_FEATURES.features:
        assert f.name.startswith("statement.")
        assert not re.search(r"[A-Za-z]", f.label_zh + f.reason_zh), f.name
        assert f.reason_en and f.label_en


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 999), st.floats(-3, 3), st.booleans()), min_size=1, max_size=4
    )
)
def test_online_equals_batch(people: list[tuple[int, float, bool]]) -> None:
    as_of = date(2026, 7, 15)
    docs = []
    for seed, z, salaried in people:
        raw = statement_document(holder="王小明", monthly_income=Fen(800000), creditworthiness=z,
                                 salaried=salaried, monthly_debt=Fen(50000),
                                 rng=random.Random(seed), as_of=as_of)  # fmt: skip
        docs.append((read({"statements": [raw]}, ME, as_of), as_of))
    frame = STATEMENT_FEATURES.compute_batch(docs)
    assert frame.columns == list(STATEMENT_FEATURES.names)
    for i, (doc, at) in enumerate(docs):
        assert frame.row(i, named=True) == STATEMENT_FEATURES.compute_online(doc, at)


def test_two_accounts_add_their_flows_and_balances() -> None:
    main = _doc([("2026-01-10", 500000, "某公司", "代发工资"), ("2026-01-20", -400000, "王小明", "转出")],
                "2026-01-01", "2026-01-31", 100000).statements[0]  # fmt: skip
    savings = _doc([("2026-01-20", 400000, "王小明", "转入")], "2026-01-01", "2026-01-31", 0)
    both = BankStatements((main, savings.statements[0]))
    got = STATEMENT_FEATURES.compute_online(both, date(2026, 2, 1))
    assert got["statement.monthly_inflow"] == 5000.0  # the transfer between them is no inflow
    assert got["statement.months_negative_net"] == 0
    assert got["statement.min_balance"] == 1000.0  # before the salary, both together
