"""The personal credit-bureau report (个人征信报告): who it is about, the credit accounts with their
24-month repayment record, the enquiries made into it, and public records.

The JSON document (`docs/external-data.md`, "Credit-bureau report") is what a provider answers
and what is recorded with a decision; `read` checks it against the subject and the business date
and returns a `BureauReport`; `as_json` writes one back (`read(as_json(r), …) == r`).

A month's repayment status uses the PBOC's characters: `N` paid as agreed, `1` to `7` that many
months overdue (`7`: seven or more, 180+ days), `*` nothing due, `/` not yet open, `C` settled,
`G` ended otherwise, `D` paid by a guarantor, `Z` paid by disposing of assets, `#` unknown. A
provider may instead send a list of days past due per month (null: nothing due); it is read into
the same characters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.sources.connector import Subject
from fengkong.sources.handler import KindHandler
from fengkong.sources.json_fields import (
    Fields,
    Loc,
    first_of_month,
    json_object,
    normal_code,
    normal_name,
)
from fengkong.sources.kinds import SourceKind

__all__ = [
    "BUREAU",
    "HISTORY_MONTHS",
    "REVOLVING",
    "AccountStatus",
    "AccountType",
    "BureauAccount",
    "BureauReport",
    "Enquiry",
    "EnquiryReason",
    "PublicRecord",
    "PublicRecordKind",
    "as_json",
    "dpd_to_status",
    "overdue_months",
    "read",
    "read_file",
]

HISTORY_MONTHS = 24
STATUS_CHARACTERS = frozenset("N1234567*/CGDZ#")


class AccountType(StrEnum):
    CONSUMER_LOAN = "consumer_loan"  # 个人消费贷款
    MORTGAGE = "mortgage"  # 个人住房贷款
    CAR_LOAN = "car_loan"  # 个人汽车贷款
    BUSINESS_LOAN = "business_loan"  # 个人经营性贷款
    CREDIT_CARD = "credit_card"  # 贷记卡
    QUASI_CREDIT_CARD = "quasi_credit_card"  # 准贷记卡
    OTHER_LOAN = "other_loan"  # 其他贷款


REVOLVING = frozenset({AccountType.CREDIT_CARD, AccountType.QUASI_CREDIT_CARD})


class AccountStatus(StrEnum):
    OPEN = "open"  # 正常
    OVERDUE = "overdue"  # 逾期
    FROZEN = "frozen"  # 冻结/止付
    BAD_DEBT = "bad_debt"  # 呆账
    CLOSED = "closed"  # 结清/销户


class EnquiryReason(StrEnum):
    LOAN_APPROVAL = "loan_approval"  # 贷款审批
    CARD_APPROVAL = "card_approval"  # 信用卡审批
    POST_LOAN = "post_loan"  # 贷后管理
    GUARANTEE = "guarantee"  # 担保资格审查
    SELF = "self"  # 本人查询


class PublicRecordKind(StrEnum):
    COURT_JUDGMENT = "court_judgment"  # 民事判决
    ENFORCEMENT = "enforcement"  # 强制执行
    TAX_ARREARS = "tax_arrears"  # 欠税
    ADMINISTRATIVE_PENALTY = "administrative_penalty"  # 行政处罚


_TYPE_ZH = {
    "个人消费贷款": AccountType.CONSUMER_LOAN,
    "个人住房贷款": AccountType.MORTGAGE,
    "个人汽车贷款": AccountType.CAR_LOAN,
    "个人经营性贷款": AccountType.BUSINESS_LOAN,
    "贷记卡": AccountType.CREDIT_CARD,
    "准贷记卡": AccountType.QUASI_CREDIT_CARD,
    "其他贷款": AccountType.OTHER_LOAN,
}
_STATUS_ZH = {
    "正常": AccountStatus.OPEN,
    "逾期": AccountStatus.OVERDUE,
    "冻结": AccountStatus.FROZEN,
    "止付": AccountStatus.FROZEN,
    "呆账": AccountStatus.BAD_DEBT,
    "结清": AccountStatus.CLOSED,
    "销户": AccountStatus.CLOSED,
}
_REASON_ZH = {
    "贷款审批": EnquiryReason.LOAN_APPROVAL,
    "信用卡审批": EnquiryReason.CARD_APPROVAL,
    "贷后管理": EnquiryReason.POST_LOAN,
    "担保资格审查": EnquiryReason.GUARANTEE,
    "本人查询": EnquiryReason.SELF,
}
_PUBLIC_ZH = {
    "民事判决": PublicRecordKind.COURT_JUDGMENT,
    "强制执行": PublicRecordKind.ENFORCEMENT,
    "欠税": PublicRecordKind.TAX_ARREARS,
    "行政处罚": PublicRecordKind.ADMINISTRATIVE_PENALTY,
}


@dataclass(frozen=True, slots=True)
class BureauAccount:
    lender: str
    type: AccountType
    opened: date
    amount: Fen  # the credit limit of a card, the principal of a loan
    balance: Fen
    status: AccountStatus
    # One PBOC character a month, oldest first; the last is `history_month`'s (first day).
    history: str
    history_month: date
    closed: date | None = None

    @property
    def revolving(self) -> bool:
        return self.type in REVOLVING

    @property
    def is_open(self) -> bool:
        return self.status is not AccountStatus.CLOSED

    def months(self) -> tuple[tuple[date, str], ...]:
        """Each month of the record (its first day) with its status character, oldest first."""
        last = self.history_month.year * 12 + self.history_month.month - 1
        start = last - len(self.history) + 1
        return tuple(
            (date((start + i) // 12, (start + i) % 12 + 1, 1), ch)
            for i, ch in enumerate(self.history)
        )


@dataclass(frozen=True, slots=True)
class Enquiry:
    on: date
    lender: str
    reason: EnquiryReason


@dataclass(frozen=True, slots=True)
class PublicRecord:
    kind: PublicRecordKind
    on: date
    amount: Fen | None = None
    authority: str | None = None


@dataclass(frozen=True, slots=True)
class BureauReport:
    # Personal data, kept out of `repr` (and so out of logs and test reports), as the subject's.
    name: str = field(repr=False)
    id_number: str = field(repr=False)
    report_date: date
    accounts: tuple[BureauAccount, ...] = ()
    enquiries: tuple[Enquiry, ...] = ()
    public_records: tuple[PublicRecord, ...] = ()


def overdue_months(status: str) -> int:
    """How many months overdue a status character says (0 for any but `1` to `7`)."""
    return int(status) if status in "1234567" and len(status) == 1 else 0


def dpd_to_status(days: int | None) -> str:
    """Days past due in a month as its PBOC character: none due `*`, 0 `N`, 1–30 `1`, … 181+ `7`."""
    if days is None:
        return "*"
    return "N" if days <= 0 else str(min(7, (days + 29) // 30))


# --- reading ---


def read(payload: Mapping[str, Any], subject: Subject, as_of: date) -> BureauReport:
    """The report in `payload`, about `subject`, dated no later than `as_of`; raises `Invalid`
    listing every problem (malformed fields, amounts not in integer fen, a report about another
    person, a report or an entry dated after the report date or `as_of`).

    The subject's resident ID and name are compared when it carries them (a fetch does; a replay
    from a recorded answer may not, and relies on the check made when it was fetched)."""
    f = Fields()
    person = f.obj(payload.get("person"), ("person",)) or {}
    name = f.text(person, "name", ("person",))
    id_number = f.text(person, "id_number", ("person",))
    report_date = f.day(payload, "report_date", ())
    if report_date is not None and report_date > as_of:
        f.fail(("report_date",), f"is after the business date {as_of.isoformat()}")
    _check_person(f, subject, name, id_number)
    accounts = tuple(
        a
        for i, raw in enumerate(f.items(payload, "accounts", ()))
        if (a := _account(f, raw, ("accounts", i), report_date)) is not None
    )
    enquiries = tuple(
        e
        for i, raw in enumerate(f.items(payload, "enquiries", ()))
        if (e := _enquiry(f, raw, ("enquiries", i), report_date)) is not None
    )
    records = tuple(
        r
        for i, raw in enumerate(f.items(payload, "public_records", ()))
        if (r := _public_record(f, raw, ("public_records", i), report_date)) is not None
    )
    f.raise_if_any("credit-bureau report")
    assert name is not None and id_number is not None and report_date is not None
    return BureauReport(name, id_number, report_date, accounts, enquiries, records)


def _check_person(f: Fields, subject: Subject, name: str | None, id_number: str | None) -> None:
    # The messages never repeat either value: they are personal data.
    if subject.id_number and id_number and normal_code(id_number) != normal_code(subject.id_number):
        f.fail(
            ("person", "id_number"), "is not the subject's: a report for another person", "subject"
        )
    if subject.name and name and normal_name(name) != normal_name(subject.name):
        f.fail(("person", "name"), "is not the subject's: a report for another person", "subject")


def _not_after(f: Fields, loc: Loc, day: date | None, report_date: date | None) -> None:
    if day is not None and report_date is not None and day > report_date:
        f.fail(loc, "is after the report date")


def _account(f: Fields, raw: object, loc: Loc, report_date: date | None) -> BureauAccount | None:
    doc = f.obj(raw, loc)
    if doc is None:
        return None
    before = len(f.errors)
    lender = f.text(doc, "lender", loc)
    type_ = f.choice(doc, "type", loc, AccountType, _TYPE_ZH)
    opened = f.day(doc, "opened", loc)
    _not_after(f, (*loc, "opened"), opened, report_date)
    amount = f.fen(doc, "amount_fen", loc)
    balance = f.fen(doc, "balance_fen", loc)
    status = f.choice(doc, "status", loc, AccountStatus, _STATUS_ZH)
    closed = f.day(doc, "closed", loc, optional=True)
    _not_after(f, (*loc, "closed"), closed, report_date)
    if closed is not None and opened is not None and closed < opened:
        f.fail((*loc, "closed"), "is before the account was opened")
    if closed is not None and status is not None and status is not AccountStatus.CLOSED:
        f.fail((*loc, "closed"), "is given for an account that is not closed")
    history = _history(f, doc.get("repayment_24m"), (*loc, "repayment_24m"))
    history_month = f.month(doc, "history_month", loc)
    if history_month and report_date and history_month > first_of_month(report_date):
        f.fail((*loc, "history_month"), "is after the report's month")
    if len(f.errors) > before:
        return None
    assert lender and type_ and opened and amount is not None and balance is not None
    assert status is not None and history is not None and history_month is not None
    return BureauAccount(
        lender, type_, opened, amount, balance, status, history, history_month, closed
    )


def _history(f: Fields, value: object, loc: Loc) -> str | None:
    if isinstance(value, str):
        text = value.strip().upper()
        bad = [i for i, ch in enumerate(text) if ch not in STATUS_CHARACTERS]
        if bad:
            f.fail((*loc, bad[0]), "is not a repayment status: one of N 1-7 * / C G D Z #")
            return None
    elif isinstance(value, list | tuple):
        if any(
            not (d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0))
            for d in value
        ):
            f.fail(loc, "must list whole days past due (or null) per month", "type_error")
            return None
        text = "".join(dpd_to_status(d) for d in value)
    else:
        f.fail(loc, "is required: the repayment status of each month, oldest first", "missing")
        return None
    if not 1 <= len(text) <= HISTORY_MONTHS:
        f.fail(loc, f"must cover 1 to {HISTORY_MONTHS} months, got {len(text)}")
        return None
    return text


def _enquiry(f: Fields, raw: object, loc: Loc, report_date: date | None) -> Enquiry | None:
    doc = f.obj(raw, loc)
    if doc is None:
        return None
    before = len(f.errors)
    on = f.day(doc, "date", loc)
    _not_after(f, (*loc, "date"), on, report_date)
    lender = f.text(doc, "lender", loc)
    reason = f.choice(doc, "reason", loc, EnquiryReason, _REASON_ZH)
    if len(f.errors) > before or on is None or lender is None or reason is None:
        return None
    return Enquiry(on, lender, reason)


def _public_record(
    f: Fields, raw: object, loc: Loc, report_date: date | None
) -> PublicRecord | None:
    doc = f.obj(raw, loc)
    if doc is None:
        return None
    before = len(f.errors)
    kind = f.choice(doc, "kind", loc, PublicRecordKind, _PUBLIC_ZH)
    on = f.day(doc, "date", loc)
    _not_after(f, (*loc, "date"), on, report_date)
    amount = f.fen(doc, "amount_fen", loc, optional=True)
    authority = f.text(doc, "authority", loc, optional=True)
    if len(f.errors) > before or kind is None or on is None:
        return None
    return PublicRecord(kind, on, amount, authority)


def read_file(content: bytes, filename: str) -> Mapping[str, Any]:
    """A bureau report exported as a JSON file (UTF-8, with or without a BOM) → its document."""
    if not filename.lower().endswith(".json"):
        raise Invalid((FieldError(("file",), "a bureau report is read from a .json file"),))
    return json_object(content, "bureau report")


# --- writing ---


def as_json(report: BureauReport) -> dict[str, Any]:
    """The report as its JSON document, which `read` reads back to an equal report."""
    return {
        "person": {"name": report.name, "id_number": report.id_number},
        "report_date": report.report_date.isoformat(),
        "accounts": [_account_json(a) for a in report.accounts],
        "enquiries": [
            {"date": e.on.isoformat(), "lender": e.lender, "reason": e.reason.value}
            for e in report.enquiries
        ],
        "public_records": [_public_json(r) for r in report.public_records],
    }


def _account_json(a: BureauAccount) -> dict[str, Any]:
    return {
        "lender": a.lender,
        "type": a.type.value,
        "opened": a.opened.isoformat(),
        "amount_fen": a.amount,
        "balance_fen": a.balance,
        "status": a.status.value,
        "repayment_24m": a.history,
        "history_month": a.history_month.isoformat()[:7],
        "closed": a.closed.isoformat() if a.closed else None,
    }


def _public_json(r: PublicRecord) -> dict[str, Any]:
    return {
        "kind": r.kind.value,
        "date": r.on.isoformat(),
        "amount_fen": r.amount,
        "authority": r.authority,
    }


BUREAU: KindHandler[BureauReport] = KindHandler(SourceKind.CREDIT_BUREAU, read_file, read)
