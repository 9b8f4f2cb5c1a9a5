"""A statement that is not one is refused whole, each error naming its statement, row and
column: unparseable rows (all of them), another currency, another holder, a broken balance
chain, dates outside the period or after the business date, overlapping months, duplicates."""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest

from fengkong.core.errors import Invalid
from fengkong.sources.connector import Subject
from fengkong.sources.statements import read, read_file

ME = Subject("k", name="王小明")
AS_OF = date(2026, 4, 1)

HEADER = "交易日期,摘要,记账金额(收入),记账金额(支出),余额,对方户名\n"
PREAMBLE = (
    "户名：王小明\n卡号：6222021234567890123\n币种：人民币\n起止日期：2026-01-01 至 2026-03-31\n"
)


def _statement(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "holder": "王小明",
        "account": "6222021234567890123",
        "bank": "中国工商银行",
        "currency": "CNY",
        "period_from": "2026-01-01",
        "period_to": "2026-01-31",
        "opening_balance_fen": 100000,
        "closing_balance_fen": 130000,
        "transactions": [
            {"date": "2026-01-05", "time": "09:00:00", "amount_fen": 50000, "balance_fen": 150000,
             "counterparty": "某公司", "description": "代发工资", "channel": "网银"},
            {"date": "2026-01-09", "time": "10:00:00", "amount_fen": -20000, "balance_fen": 130000,
             "counterparty": "超市", "description": "消费", "channel": "POS"},
        ],
    }  # fmt: skip
    doc.update(changes)
    return doc


def _refused(payload: dict[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    with pytest.raises(Invalid) as caught:
        read(payload, ME, AS_OF)
    return [(e.loc, e.msg) for e in caught.value.errors]


def test_a_good_statement_reads() -> None:
    (st,) = read({"statements": [_statement()]}, ME, AS_OF).statements
    assert st.account_last4 == "0123" and st.closing_balance == 130000


def test_every_unparseable_row_is_listed_with_its_row_and_column() -> None:
    rows = (
        "2026-01-05,工资,500.00,,1500.00,某公司\n"
        "2026-13-01,消费,,20.00,1480.00,超市\n"
        "2026-01-07,消费,,abc,1460.00,超市\n"
        "2026-01-08,消费,,20.00,,超市\n"
    )
    with pytest.raises(Invalid) as caught:
        read_file((PREAMBLE + HEADER + rows).encode("gbk"), "icbc.csv")
    locs = [e.loc for e in caught.value.errors]
    assert locs == [
        ("icbc.csv", 7, "交易日期"),
        ("icbc.csv", 8, "记账金额(收入)"),
        ("icbc.csv", 9, "余额"),
    ]


def test_errors_are_capped_and_the_rest_counted() -> None:
    rows = "".join(f"2026-01-{d:02d}x,消费,,1.00,1.00,超市\n" for d in range(1, 29)) * 3
    with pytest.raises(Invalid) as caught:
        read_file((PREAMBLE + HEADER + rows).encode("gbk"), "icbc.csv")
    assert len(caught.value.errors) == 51
    assert caught.value.errors[-1].msg == "and 34 more errors not listed"


def test_another_currency_is_refused() -> None:
    errors = _refused({"statements": [_statement(currency="USD")]})
    assert errors == [(("statements", 0, "currency"), "currency 'USD', only CNY is accepted")]
    txn = _statement()
    txn["transactions"][1]["currency"] = "HKD"
    assert _refused({"statements": [txn]})[0][0] == ("statements", 0, "transactions", 1, "currency")


def test_a_usd_export_is_refused_when_read() -> None:
    usd = PREAMBLE.replace("人民币", "美元") + HEADER + "2026-01-05,工资,500.00,,1500.00,某公司\n"
    with pytest.raises(Invalid, match="only CNY"):
        read(read_file(usd.encode("gbk"), "usd.csv"), ME, AS_OF)


def test_a_statement_of_another_person_is_refused() -> None:
    assert _refused({"statements": [_statement(holder="李四")]}) == [
        (("statements", 0, "holder"), "the account holder is not the applicant")
    ]
    # replaying a recorded answer without the clear name still reads it
    assert read({"statements": [_statement(holder="李四")]}, Subject("k"), AS_OF)


def test_a_broken_balance_chain_names_the_row() -> None:
    doc = _statement()
    doc["transactions"][0]["balance_fen"] = 150001
    doc["transactions"][0]["row"] = 12
    errors = _refused({"statements": [doc]})
    assert errors[0][0] == ("statements", 0, "transactions", 0, "row 12", "balance_fen")
    assert "¥1,500.01" in errors[0][1]
    assert len(errors) == 2  # and the next row, which follows from the stated balance


def test_opening_plus_transactions_must_be_closing() -> None:
    errors = _refused({"statements": [_statement(closing_balance_fen=130001)]})
    assert [loc for loc, _ in errors] == [("statements", 0, "closing_balance_fen")]


def test_dates_outside_the_period_or_after_the_business_date() -> None:
    doc = _statement()
    doc["transactions"][1]["date"] = "2026-02-03"
    assert "outside the period" in _refused({"statements": [doc]})[0][1]
    late = _statement(period_to="2026-04-30")
    late["transactions"][1]["date"] = "2026-04-03"
    msgs = [m for _, m in _refused({"statements": [late]})]
    assert "the period ends after 2026-04-01" in msgs and "2026-04-03 is after 2026-04-01" in msgs


def test_overlapping_months_of_one_account_are_refused() -> None:
    january = _statement()
    february = _statement(period_from="2026-01-20", period_to="2026-02-28", opening_balance_fen=130000,
                          closing_balance_fen=130000, transactions=[])  # fmt: skip
    errors = _refused({"statements": [january, february]})
    assert errors == [
        (
            ("statements", 1, "period_from"),
            "overlaps statement 0 of the same account (2026-01-01–2026-01-31): months overlap",
        )
    ]
    february["period_from"] = "2026-02-01"
    assert len(read({"statements": [january, february]}, ME, AS_OF).statements) == 2
    other_account = copy.deepcopy(january)
    other_account["account"] = "6222020000009999"
    assert len(read({"statements": [january, other_account]}, ME, AS_OF).statements) == 2


def test_a_duplicated_transaction_is_refused() -> None:
    doc = _statement()
    failed = {"date": "2026-01-20", "time": "08:00:00", "amount_fen": 0, "balance_fen": 130000,
              "counterparty": "某消费金融", "description": "扣款失败", "channel": "代扣"}  # fmt: skip
    doc["transactions"] += [failed, dict(failed)]  # the chain holds: only the repeat is wrong
    assert _refused({"statements": [doc]}) == [
        (("statements", 0, "transactions", 3), "duplicates transaction 2 of statement 0")
    ]


def test_a_missing_field_is_named() -> None:
    doc = _statement()
    del doc["holder"]
    doc["transactions"][0]["amount_fen"] = "500.00"
    errors = _refused({"statements": [doc]})
    assert [loc for loc, _ in errors] == [
        ("statements", 0, "holder"),
        ("statements", 0, "transactions", 0, "amount_fen"),
    ]


def test_two_exports_of_overlapping_months_are_refused_together() -> None:
    from fengkong.sources.statements import combine

    q1 = PREAMBLE + HEADER + "2026-01-05,工资,500.00,,1500.00,某公司\n"
    feb_apr = q1.replace("2026-01-01 至 2026-03-31", "2026-02-01 至 2026-03-31").replace(
        "2026-01-05", "2026-02-05"
    )
    docs = [read_file(text.encode("gbk"), f"{i}.csv") for i, text in enumerate((q1, feb_apr))]
    for doc in docs:
        assert read(doc, ME, AS_OF)
    with pytest.raises(Invalid, match="months overlap"):
        read(combine(*docs), ME, AS_OF)


def test_a_bad_row_in_a_workbook_names_its_sheet() -> None:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "明细"
    for row in (["户名", "王小明"], ["账号", "6222021234567890123"],
                ["交易日期", "交易金额", "借贷标志", "账户余额"],
                ["2026-01-05", 500, "贷", 1500], ["2026-01-06", 20, "不知", 1480]):  # fmt: skip
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(Invalid) as caught:
        read_file(out.getvalue(), "abc.xlsx")
    assert [(e.loc, e.msg) for e in caught.value.errors] == [
        (("明细", 5, "交易金额"), "not a debit/credit flag: '不知'")
    ]


def test_the_json_document_is_read_as_it_is() -> None:
    import json

    payload = {"statements": [_statement()]}
    data = json.dumps(payload, ensure_ascii=False).encode()
    assert read(read_file(data, "answer.json"), ME, AS_OF) == read(payload, ME, AS_OF)
    with pytest.raises(Invalid, match="a list of statements"):
        read_file(b"{}", "answer.json")


def test_an_export_not_naming_its_bank_overlaps_one_that_does() -> None:
    named = _statement()
    unnamed = _statement(bank="", period_from="2026-01-09", period_to="2026-01-31")
    unnamed["opening_balance_fen"] = 150000
    unnamed["transactions"] = unnamed["transactions"][1:]
    errors = _refused({"statements": [named, unnamed]})
    assert errors[0][0] == ("statements", 1, "period_from")
    elsewhere = copy.deepcopy(unnamed)
    elsewhere["bank"] = "招商银行"  # same last four digits at another bank: another account
    assert len(read({"statements": [named, elsewhere]}, ME, AS_OF).statements) == 2
