"""Business registry records, tax and utility payments: read from JSON documents or CSV exports
(UTF-8 with or without a BOM, GBK; Chinese or English columns), refused whole when any row is
bad, and refused when about another business."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.onboarding.industry import INDUSTRY_CODES
from fengkong.sources.business import (
    BUSINESS_REGISTRY,
    INDUSTRY_SECTIONS,
    RegistryStatus,
    as_json,
    read,
)
from fengkong.sources.connector import Subject
from fengkong.sources.kinds import SourceKind
from fengkong.sources.payments import _TAX_ZH as _TAX_NAMES
from fengkong.sources.payments import (
    TAX_PAYMENTS,
    UTILITY_PAYMENTS,
    TaxCreditGrade,
    TaxPayment,
    TaxRecords,
    TaxType,
    Utility,
    read_tax,
    read_tax_file,
    read_utility,
    read_utility_file,
    tax_as_json,
    utility_as_json,
)

USCC = "91110105MA01ABCD1X"
BUSINESS = Subject(key="blind-index", uscc=USCC)
AS_OF = date(2026, 3, 31)


def _registry(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "uscc": USCC,
        "name": "北京鑫源商贸有限公司",
        "legal_representative": "张伟",
        "registered_capital_fen": 100_000_000,
        "established": "2019-06-18",
        "status": "存续",
        "industry": "f",
        "region": "110105",
        "record_date": "2026-03-30",
        "shareholders": [{"name": "张伟", "share_bp": 7000}, {"name": "李娜", "share_bp": 3000}],
    }
    doc.update(changes)
    return doc


def _locs(error: pytest.ExceptionInfo[Invalid]) -> set[tuple[str | int, ...]]:
    return {e.loc for e in error.value.errors}


def test_the_sections_are_onboardings() -> None:
    assert frozenset(INDUSTRY_CODES) == INDUSTRY_SECTIONS


def test_a_registry_record_reads_and_writes_back() -> None:
    record = read(_registry(), BUSINESS, AS_OF)
    assert (record.status, record.industry, record.registered_capital) == (
        RegistryStatus.ACTIVE,
        "F",
        100_000_000,
    )
    assert read(as_json(record), BUSINESS, AS_OF) == record
    assert BUSINESS_REGISTRY.kind is SourceKind.BUSINESS_REGISTRY
    content = json.dumps(_registry(), ensure_ascii=False).encode()
    assert BUSINESS_REGISTRY.read(BUSINESS_REGISTRY.read_file(content, "r.json"), BUSINESS, AS_OF)


def test_a_record_of_another_business_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        read(_registry(uscc="91310115MA1K3YJ12X"), BUSINESS, AS_OF)
    assert _locs(error) == {("uscc",)}
    # the same code written with spaces, dashes and lower case is the subject's
    assert read(_registry(uscc="9111-0105 ma01 abcd1x"), BUSINESS, AS_OF).uscc == USCC


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"registered_capital_fen": 1000.5}, ("registered_capital_fen",)),
        ({"registered_capital_fen": "1000"}, ("registered_capital_fen",)),
        ({"status": "歇业"}, ("status",)),
        ({"industry": "C13"}, ("industry",)),
        ({"region": "11010"}, ("region",)),
        ({"record_date": "2026-04-01"}, ("record_date",)),
        ({"established": "2026-03-31"}, ("established",)),
        (
            {"shareholders": [{"name": "甲", "share_bp": 9000}, {"name": "乙", "share_bp": 2000}]},
            ("shareholders",),
        ),
    ],
)
def test_a_bad_registry_field_is_named(change: dict[str, Any], loc: tuple[str, ...]) -> None:
    with pytest.raises(Invalid) as error:
        read(_registry(**change), BUSINESS, AS_OF)
    assert _locs(error) == {loc}


# --- tax ---

TAX_CSV_ZH = (
    "统一社会信用代码,税款所属期,税种,实缴金额(元),是否按期缴纳,纳税信用等级\n"
    f'{USCC},2026年1月,增值税,"1,234.56",是,B\n'
    f"{USCC},2026/02,企业所得税,100,否,B\n"
    f"{USCC},202602,增值税,0.5,是,\n"
)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8", "utf-8-sig"])
def test_a_tax_csv_in_chinese_reads_in_any_encoding(encoding: str) -> None:
    doc = read_tax_file(TAX_CSV_ZH.encode(encoding), "纳税记录.csv")
    records = read_tax(doc, BUSINESS, AS_OF)
    assert records.credit_grade is TaxCreditGrade.B
    assert [(p.period, p.tax_type, p.amount, p.on_time) for p in records.payments] == [
        (date(2026, 1, 1), TaxType.VAT, 123_456, True),
        (date(2026, 2, 1), TaxType.CORPORATE_INCOME, 10_000, False),
        (date(2026, 2, 1), TaxType.VAT, 50, True),
    ]
    assert read_tax(tax_as_json(records), BUSINESS, AS_OF) == records
    assert TAX_PAYMENTS.read_file is read_tax_file


def test_a_tax_csv_with_bad_rows_is_refused_naming_each_line() -> None:
    csv_text = (
        "uscc,period,tax_type,amount,paid_on_time\n"
        f"{USCC},2026-01,vat,1.234,yes\n"  # line 2: a third of a fen
        f"{USCC},2026-01,corporate_income,10,maybe\n"  # line 3
        f"{USCC},2026-01,vat,10,yes\n"  # line 4: vat for January again
        f"{USCC},2026-13,vat,10,yes\n"  # line 5: no such month
    )
    with pytest.raises(Invalid) as error:
        read_tax_file(csv_text.encode(), "tax.csv")
    assert _locs(error) == {("rows", 2, "amount"), ("rows", 3, "paid_on_time")}
    fixed = csv_text.replace("1.234", "1.23").replace("maybe", "no")
    with pytest.raises(Invalid) as error:
        read_tax_file(fixed.encode(), "tax.csv")
    assert _locs(error) == {("rows", 4), ("rows", 5, "period")}


def test_a_csv_missing_a_column_or_mixing_businesses_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        read_tax_file(b"uscc,period,amount\nX,2026-01,1\n", "tax.csv")
    assert _locs(error) == {("header",)}
    other = TAX_CSV_ZH + "91310115MA1K3YJ12X,2026-03,增值税,1,是,B\n"
    with pytest.raises(Invalid) as error:
        read_tax_file(other.encode(), "tax.csv")
    assert _locs(error) == {("uscc",)}


def test_tax_records_of_another_business_or_the_future_are_refused() -> None:
    doc = read_tax_file(TAX_CSV_ZH.encode(), "t.csv")
    with pytest.raises(Invalid) as error:
        read_tax(doc, Subject(key="k", uscc="91310115MA1K3YJ12X"), AS_OF)
    assert _locs(error) == {("uscc",)}
    with pytest.raises(Invalid) as error:
        read_tax(doc, BUSINESS, date(2026, 1, 31))
    assert _locs(error) == {("records", 1, "period"), ("records", 2, "period")}


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_a_float_tax_amount_is_refused(amount: float) -> None:
    doc = {
        "uscc": USCC,
        "records": [
            {"period": "2026-01", "tax_type": "vat", "amount_fen": amount, "paid_on_time": True}
        ],
    }
    with pytest.raises(Invalid) as error:
        read_tax(doc, BUSINESS, AS_OF)
    assert _locs(error) == {("records", 0, "amount_fen")}


# --- utilities ---


def test_a_utility_csv_reads_with_english_or_chinese_columns() -> None:
    english = f"uscc,month,utility,amount_fen,days_late\n{USCC},2026-01,electricity,52310,0\n"
    chinese = f"统一社会信用代码,账期,费用类型,金额(元),逾期天数\n{USCC},2026-01,电费,523.10,0\n"
    read_en = read_utility(read_utility_file(english.encode("utf-8-sig"), "u.csv"), BUSINESS, AS_OF)
    read_zh = read_utility(read_utility_file(chinese.encode("gbk"), "u.csv"), BUSINESS, AS_OF)
    assert read_en == read_zh
    assert read_en.payments[0].utility is Utility.ELECTRICITY
    assert read_utility(utility_as_json(read_en), BUSINESS, AS_OF) == read_en
    assert UTILITY_PAYMENTS.kind is SourceKind.UTILITY_PAYMENTS


def test_a_bill_listed_twice_or_late_by_negative_days_is_refused() -> None:
    doc = {
        "uscc": USCC,
        "records": [
            {"month": "2026-01", "utility": "water", "amount_fen": 100, "days_late": 0},
            {"month": "2026-01", "utility": "水费", "amount_fen": 100, "days_late": -1},
        ],
    }
    with pytest.raises(Invalid) as error:
        read_utility(doc, BUSINESS, AS_OF)
    assert _locs(error) == {("records", 1), ("records", 1, "days_late")}


def test_a_file_neither_utf8_nor_gbk_is_refused() -> None:
    with pytest.raises(Invalid) as error:
        read_utility_file(b"month\n\xff\xff\xff\n", "u.csv")
    assert _locs(error) == {("file",)}


_MONTHS = st.builds(date, st.integers(2015, 2025), st.integers(1, 12), st.just(1))


@given(
    st.lists(
        st.builds(
            TaxPayment,
            _MONTHS,
            st.sampled_from(TaxType),
            st.integers(0, 10**11).map(Fen),
            st.booleans(),
        ),
        max_size=12,
        unique_by=lambda p: (p.period, p.tax_type),
    ),
    st.sampled_from([*TaxCreditGrade, None]),
    st.booleans(),
)
def test_any_tax_records_read_back_from_json_and_csv(
    payments: list[TaxPayment], grade: TaxCreditGrade | None, chinese: bool
) -> None:
    records = TaxRecords(USCC, grade, tuple(payments))
    assert read_tax(tax_as_json(records), BUSINESS, AS_OF) == records
    zh = {v: k for k, v in _TAX_NAMES.items()}
    header = (
        "统一社会信用代码,所属期,税种,金额,按期缴纳,纳税信用等级"
        if chinese
        else ("uscc,period,tax_type,amount,paid_on_time,credit_grade")
    )
    lines = [header] + [
        ",".join(
            (
                USCC,
                f"{p.period.year}年{p.period.month}月" if chinese else p.period.isoformat()[:7],
                zh[p.tax_type] if chinese else p.tax_type.value,
                f"{p.amount // 100}.{p.amount % 100:02d}",
                ("是" if p.on_time else "否") if chinese else str(p.on_time).lower(),
                grade.value if grade else "",
            )
        )
        for p in payments
    ]
    if not payments:
        return  # a file with no rows names no business
    content = "\n".join(lines).encode("gbk" if chinese else "utf-8")
    doc = read_tax_file(content, "tax.csv")
    assert {r["tax_type"] for r in doc["records"]} <= {t.value for t in TaxType}
    assert read_tax(doc, BUSINESS, AS_OF) == records
