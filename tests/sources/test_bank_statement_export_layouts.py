"""Real-looking exports read into the statement document: an ICBC-like CSV in GBK with a
preamble, a CMB-like XLSX exported newest first, an English CSV with a byte-order mark."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fengkong.core.errors import Invalid
from fengkong.sources.connector import Subject
from fengkong.sources.statements import STATEMENTS, holder_matches, read, read_file
from fengkong.sources.tabular import parse_amount, parse_date

DATA = Path(__file__).parent / "data"


def _file(name: str) -> tuple[bytes, str]:
    return (DATA / name).read_bytes(), name


def test_icbc_like_gbk_csv_with_preamble_and_footer() -> None:
    doc = read_file(*_file("icbc_like_gbk.csv"))
    (st,) = read(doc, Subject("k", name="王小明"), date(2026, 4, 1)).statements
    assert doc["statements"][0]["layout"] == "icbc"
    assert (st.holder, st.account_last4, st.currency) == ("王小明", "0123", "CNY")
    assert (st.period_from, st.period_to) == (date(2026, 1, 1), date(2026, 3, 31))
    assert len(st.transactions) == 9  # the 合计 footer is not a transaction
    first = st.transactions[0]
    assert (first.amount, first.balance, first.counterparty) == (
        850000,
        1050000,
        "上海某某科技有限公司",
    )
    assert st.transactions[1].amount == -320000
    assert st.opening_balance == 1050000 - 850000
    assert st.closing_balance == 1674320
    assert st.opening_balance + sum(t.amount for t in st.transactions) == st.closing_balance


def test_cmb_like_xlsx_newest_first_with_two_cell_preamble() -> None:
    doc = read_file(*_file("cmb_like.xlsx"))
    (st,) = read(doc, Subject("k", name="陈静"), date(2026, 6, 1)).statements
    assert doc["statements"][0]["layout"] == "cmb"
    assert (st.bank, st.account_last4) == ("招商银行上海分行", "9876")
    assert [t.on for t in st.transactions] == sorted(t.on for t in st.transactions)
    assert st.transactions[0].balance == -680000  # an overdraft reads as a negative balance
    assert st.transactions[-1].amount == -8850
    assert st.closing_balance == 971150


def test_english_csv_with_bom_signed_amounts_and_parentheses() -> None:
    doc = read_file(*_file("english_bom.csv"))
    (st,) = read(doc, Subject("k", name="Wang Xiaoming"), date(2026, 3, 1)).statements
    assert doc["statements"][0]["layout"] == "english"
    assert st.account_last4 == "5678"
    assert [t.amount for t in st.transactions] == [100000, 1200000, -50000, 1200000, -200050]
    assert st.transactions[0].on == date(2026, 1, 2)


def test_the_handler_is_the_bank_statement_kind() -> None:
    assert STATEMENTS.kind == "bank_statement"
    assert STATEMENTS.read is read and STATEMENTS.read_file is read_file


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1,234.56", 123456),
        ("¥1,234.56", 123456),
        ("￥12", 1200),
        ("-12.30", -1230),
        ("+7.5", 750),
        ("(2,000.50)", -200050),
        ("（3.00）", -300),
        ("0.00", 0),
    ],
)
def test_amount_cells(text: str, fen: int) -> None:
    assert parse_amount(text) == fen


@pytest.mark.parametrize("text", ["", "abc", "1.234", "12-3", "1,2,3.4.5"])
def test_amount_cells_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


@pytest.mark.parametrize(
    "text",
    ["2026-01-05", "2026/1/5", "20260105", "2026.01.05", "2026年1月5日", "2026-01-05 10:22:33"],
)
def test_date_cells(text: str) -> None:
    assert parse_date(text) == date(2026, 1, 5)


def test_masked_holder_names_match_and_others_do_not() -> None:
    assert holder_matches("张*三", "张小三")
    assert not holder_matches("张*三", "张三")  # a mask stands for one character
    assert holder_matches("张*", "张三")
    assert holder_matches("WANG Xiaoming", "wang xiaoming")
    assert not holder_matches("李四", "张三")


def test_a_file_without_a_header_row_is_refused() -> None:
    with pytest.raises(Invalid, match="no header row"):
        read_file("户名：张三\n随便,什么\n".encode(), "x.csv")


def test_an_unknown_file_type_is_refused() -> None:
    with pytest.raises(Invalid, match="unknown file type"):
        read_file(b"%PDF-1.4", "statement.pdf")


def test_a_tab_separated_export_with_thousands_separators() -> None:
    text = (
        "户名：王小明\n账号：6222021234567890123\n"
        "交易日期\t交易金额\t借贷标志\t账户余额\t摘要\n"
        "2026/1/5\t8,500.00\t贷\t10,500.00\t代发工资\n"
        "2026/1/6\t3,200.00\t借\t7,300.00\t房租\n"
    )
    doc = read_file(text.encode("gb18030"), "abc.txt")
    (st,) = read(doc, Subject("k", name="王小明"), date(2026, 2, 1)).statements
    assert [t.amount for t in st.transactions] == [850000, -320000]
    assert doc["statements"][0]["layout"] == "abc"
