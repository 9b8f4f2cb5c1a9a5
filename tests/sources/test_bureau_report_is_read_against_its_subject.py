"""A bureau report is read from its JSON document only when it is about the subject, dated no
later than the business date, and every amount is in integer fen; each problem names its path."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.sources.bureau import BUREAU, as_json, dpd_to_status, read, read_file
from fengkong.sources.connector import Subject
from fengkong.sources.kinds import SourceKind
from sources.bureau_strategies import ID_NUMBER, NAME, SUBJECT, reports

AS_OF = date(2026, 3, 31)


def _doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "person": {"name": NAME, "id_number": ID_NUMBER},
        "report_date": "2026-03-30",
        "accounts": [
            {
                "lender": "招商银行",
                "type": "credit_card",
                "opened": "2021-05-01",
                "amount_fen": 2_000_000,
                "balance_fen": 350_000,
                "status": "open",
                "repayment_24m": "NNNNNNNNNNNNNNNNNNNNNN1N",
                "history_month": "2026-03",
                "closed": None,
            }
        ],
        "enquiries": [{"date": "2026-02-10", "lender": "微众银行", "reason": "loan_approval"}],
    }
    doc.update(changes)
    return doc


def _locs(error: pytest.ExceptionInfo[Invalid]) -> set[tuple[str | int, ...]]:
    return {e.loc for e in error.value.errors}


@given(reports())
def test_any_report_reads_back_to_itself(report: Any) -> None:
    as_of = report.report_date + timedelta(days=3)
    assert read(as_json(report), SUBJECT, as_of) == report
    # and through the file it would be exported as
    content = json.dumps(as_json(report), ensure_ascii=False).encode("utf-8-sig")
    assert read(read_file(content, "report.json"), SUBJECT, as_of) == report


def test_the_handler_is_the_bureau_kinds() -> None:
    assert BUREAU.kind is SourceKind.CREDIT_BUREAU
    assert BUREAU.read(_doc(), SUBJECT, AS_OF).accounts[0].history.endswith("1N")


@pytest.mark.parametrize(
    ("name", "id_number", "field"),
    [
        (NAME, "110105194912310038", "id_number"),
        ("李娜", ID_NUMBER, "name"),
    ],
)
def test_a_report_for_another_person_is_refused_naming_the_field(
    name: str, id_number: str, field: str
) -> None:
    doc = _doc(person={"name": name, "id_number": id_number})
    with pytest.raises(Invalid) as error:
        read(doc, SUBJECT, AS_OF)
    assert _locs(error) == {("person", field)}
    assert id_number not in str(error.value) and name not in str(error.value)


def test_the_person_is_compared_in_normal_form() -> None:
    # a lower-case x, full-width digits, spaces and dashes, a space in the name
    id_text = "１１０１０５-1949 1231 002x"
    report = read(_doc(person={"name": "张 伟", "id_number": id_text}), SUBJECT, AS_OF)
    assert report.id_number == id_text


def test_a_replay_without_the_clear_values_reads_the_recorded_report() -> None:
    assert read(_doc(), Subject(key="blind-index"), AS_OF).name == NAME


@given(st.floats(allow_nan=False, allow_infinity=False) | st.decimals().map(str))
def test_an_amount_not_in_integer_fen_is_refused(amount: object) -> None:
    doc = _doc()
    doc["accounts"][0]["balance_fen"] = amount
    with pytest.raises(Invalid) as error:
        read(doc, SUBJECT, AS_OF)
    assert _locs(error) == {("accounts", 0, "balance_fen")}


def test_a_report_dated_after_the_business_date_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        read(_doc(report_date="2026-04-01"), SUBJECT, AS_OF)
    assert ("report_date",) in _locs(error)


def test_every_problem_is_named_at_once() -> None:
    doc = _doc(
        enquiries=[{"date": "2026-04-01", "lender": "", "reason": "curiosity"}],
        accounts=[{"lender": "x", "type": "loan?", "opened": "2021-13-01", "amount_fen": True}],
    )
    with pytest.raises(Invalid) as error:
        read(doc, SUBJECT, AS_OF)
    assert {
        ("enquiries", 0, "date"),
        ("enquiries", 0, "lender"),
        ("enquiries", 0, "reason"),
        ("accounts", 0, "type"),
        ("accounts", 0, "opened"),
        ("accounts", 0, "amount_fen"),
        ("accounts", 0, "balance_fen"),
        ("accounts", 0, "status"),
        ("accounts", 0, "repayment_24m"),
        ("accounts", 0, "history_month"),
    } <= _locs(error)


def test_chinese_names_of_types_statuses_and_reasons_are_read() -> None:
    doc = _doc()
    doc["accounts"][0] |= {"type": "个人住房贷款", "status": "结清", "closed": "2025-12-01"}
    doc["enquiries"][0]["reason"] = "信用卡审批"
    report = read(doc, SUBJECT, AS_OF)
    assert (report.accounts[0].type.value, report.accounts[0].status.value) == (
        "mortgage",
        "closed",
    )
    assert report.enquiries[0].reason.value == "card_approval"


@pytest.mark.parametrize(
    ("days", "status"),
    [(None, "*"), (0, "N"), (1, "1"), (30, "1"), (31, "2"), (180, "6"), (181, "7"), (900, "7")],
)
def test_days_past_due_become_pboc_characters(days: int | None, status: str) -> None:
    assert dpd_to_status(days) == status


def test_a_list_of_days_past_due_reads_as_the_pboc_string() -> None:
    doc = _doc()
    doc["accounts"][0]["repayment_24m"] = [0, None, 45, 0]
    assert read(doc, SUBJECT, AS_OF).accounts[0].history == "N*2N"


@pytest.mark.parametrize(
    ("content", "filename"),
    [(b"{not json", "r.json"), (b"[1, 2]", "r.json"), (b"{}", "r.csv")],
)
def test_a_file_that_is_not_one_json_report_is_refused(content: bytes, filename: str) -> None:
    with pytest.raises(Invalid) as error:
        read_file(content, filename)
    assert _locs(error) == {("file",)}


@given(
    st.text(alphabet="0123456789X", min_size=15, max_size=18).filter(lambda n: n != ID_NUMBER),
    st.booleans(),
)
def test_any_other_id_number_is_refused_at_its_field(other: str, report_ok: bool) -> None:
    subject = Subject(key="k", name=NAME, id_number=other)
    doc = _doc() if report_ok else _doc(report_date="2026-04-02")
    with pytest.raises(Invalid) as error:
        read(doc, subject, AS_OF)
    assert ("person", "id_number") in _locs(error)
    assert ("person", "name") not in _locs(error)
    assert other not in str(error.value)


def test_a_closed_date_on_an_open_account_or_before_opening_is_refused() -> None:
    doc = _doc()
    doc["accounts"][0]["closed"] = "2020-01-01"  # before 2021-05-01, on an open account
    with pytest.raises(Invalid) as error:
        read(doc, SUBJECT, AS_OF)
    assert _locs(error) == {("accounts", 0, "closed")}
    assert len(error.value.errors) == 2
