"""Bank statements (银行流水): the JSON document a provider answers (or an export file becomes,
`sources.statement_files`), checked and read into `BankStatements`.

The document::

    {"statements": [{
        "holder": "张三", "account": "1234", "bank": "中国工商银行", "currency": "CNY",
        "period_from": "2026-01-01", "period_to": "2026-06-30",
        "opening_balance_fen": 1250000, "closing_balance_fen": 1310000,
        "transactions": [{"date": "2026-01-05", "time": "09:12:00", "amount_fen": 850000,
                          "balance_fen": 2100000, "counterparty": "某某科技有限公司",
                          "description": "代发工资", "channel": "网银", "row": 7}]}]}

Amounts are integer fen, signed: an inflow is positive, an outflow negative; `balance_fen` is
the balance after the transaction. `account` may be the full number: only its last four digits
are kept. `row` (optional) is the file row a transaction was read from, cited in errors.

`read` refuses the whole document (`Invalid`, every error with its statement, transaction and
field, up to `tabular.ERROR_CAP`) when: a field is missing or malformed; a currency is not CNY;
the holder is not the subject (when the subject's name is known: a replay from a recorded answer
may not carry it); the balance chain does not add up to the fen (each balance after, and opening
plus transactions against closing); a transaction is dated outside its statement's period or
after `as_of`, or out of date order; a period ends after `as_of`; two statements of one account
overlap; a transaction appears twice."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fengkong.core.money import CURRENCY, Fen, format_fen
from fengkong.sources.connector import Subject
from fengkong.sources.handler import KindHandler
from fengkong.sources.kinds import SourceKind
from fengkong.sources.statement_files import last4, read_statement_file
from fengkong.sources.tabular import Errors

__all__ = [
    "STATEMENTS",
    "BankStatements",
    "Statement",
    "Transaction",
    "combine",
    "holder_matches",
    "read",
    "read_file",
]


@dataclass(frozen=True, slots=True)
class Transaction:
    on: date
    time: str  # "09:12:00", or "" when the export has no time
    amount: Fen  # inflow +, outflow −
    balance: Fen  # after the transaction
    counterparty: str  # 对方户名
    description: str  # 摘要 / 用途
    channel: str  # 渠道: 网银, ATM, POS …

    @property
    def month(self) -> tuple[int, int]:
        return (self.on.year, self.on.month)


@dataclass(frozen=True, slots=True)
class Statement:
    """One account's statement for one period."""

    holder: str
    account_last4: str
    bank: str
    currency: str
    period_from: date
    period_to: date
    opening_balance: Fen
    closing_balance: Fen
    transactions: tuple[Transaction, ...]


@dataclass(frozen=True, slots=True)
class BankStatements:
    """Every statement of a document: one or more accounts, each for one or more periods."""

    statements: tuple[Statement, ...]

    @property
    def holder(self) -> str:
        return self.statements[0].holder


_NAME_NOISE = re.compile(r"[\s\u3000·•・.]")


def holder_matches(holder: str, name: str) -> bool:
    """Whether an account holder is the named person: spaces, middle dots and case aside, with a
    bank's mask (张*三) matching any one character."""
    a, b = _NAME_NOISE.sub("", holder).lower(), _NAME_NOISE.sub("", name).lower()
    return len(a) == len(b) and all(x == y or x == "*" for x, y in zip(a, b, strict=True))


class _Reader:
    """Reads one document, gathering every error rather than stopping at the first."""

    def __init__(self) -> None:
        self.errors = Errors()

    def _where(self, loc: tuple[str | int, ...], row: object) -> tuple[str | int, ...]:
        return (*loc, f"row {row}") if isinstance(row, int) else loc

    def text(self, doc: Mapping[str, Any], key: str, loc: tuple[str | int, ...]) -> str | None:
        value = doc.get(key, "")
        if not isinstance(value, str):
            self.errors.add((*loc, key), "must be text")
            return None
        return value

    def required_text(
        self, doc: Mapping[str, Any], key: str, loc: tuple[str | int, ...]
    ) -> str | None:
        value = self.text(doc, key, loc)
        if value is not None and not value.strip():
            self.errors.add((*loc, key), "is required")
            return None
        return value

    def day(self, doc: Mapping[str, Any], key: str, loc: tuple[str | int, ...]) -> date | None:
        value = doc.get(key)
        if not isinstance(value, str):
            self.errors.add((*loc, key), "a date as YYYY-MM-DD is required")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.errors.add((*loc, key), f"not a date: {value!r}")
            return None

    def fen(self, doc: Mapping[str, Any], key: str, loc: tuple[str | int, ...]) -> Fen | None:
        value = doc.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors.add((*loc, key), "an integer amount in fen is required")
            return None
        return Fen(value)

    def transaction(self, doc: object, loc: tuple[str | int, ...]) -> Transaction | None:
        if not isinstance(doc, Mapping):
            self.errors.add(loc, "a transaction must be an object")
            return None
        loc = self._where(loc, doc.get("row"))
        on = self.day(doc, "date", loc)
        amount = self.fen(doc, "amount_fen", loc)
        balance = self.fen(doc, "balance_fen", loc)
        texts = [self.text(doc, k, loc) for k in ("time", "counterparty", "description", "channel")]
        currency = doc.get("currency", CURRENCY)
        if currency != CURRENCY:
            self.errors.add((*loc, "currency"), f"currency {currency!r}, only CNY is accepted")
        if on is None or amount is None or balance is None or None in texts:
            return None
        time, counterparty, description, channel = (t or "" for t in texts)
        return Transaction(on, time, amount, balance, counterparty, description, channel)

    def statement(
        self, doc: object, loc: tuple[str | int, ...], subject: Subject, as_of: date
    ) -> Statement | None:
        if not isinstance(doc, Mapping):
            self.errors.add(loc, "a statement must be an object")
            return None
        holder = self.required_text(doc, "holder", loc)
        account = self.required_text(doc, "account", loc)
        bank = self.text(doc, "bank", loc)
        currency = doc.get("currency")
        if currency != CURRENCY:
            self.errors.add((*loc, "currency"), f"currency {currency!r}, only CNY is accepted")
        start, end = self.day(doc, "period_from", loc), self.day(doc, "period_to", loc)
        opening = self.fen(doc, "opening_balance_fen", loc)
        closing = self.fen(doc, "closing_balance_fen", loc)
        raw = doc.get("transactions")
        if not isinstance(raw, list):
            self.errors.add((*loc, "transactions"), "a list of transactions is required")
            raw = []
        txns = [self.transaction(t, (*loc, "transactions", j)) for j, t in enumerate(raw)]
        if holder and subject.name and not holder_matches(holder, subject.name):
            self.errors.add((*loc, "holder"), "the account holder is not the applicant")
        if account is not None and len(last4(account)) != 4:
            self.errors.add((*loc, "account"), "an account number of at least four digits")
        if start and end:
            if start > end:
                self.errors.add((*loc, "period_to"), "the period ends before it starts")
            if end > as_of:
                self.errors.add((*loc, "period_to"), f"the period ends after {as_of}")
        if None in txns or None in (holder, account, bank, start, end, opening, closing):
            return None
        assert start and end and opening is not None and closing is not None
        assert holder is not None and account is not None and bank is not None
        complete = tuple(t for t in txns if t is not None)
        self._check_dates_and_chain(complete, raw, loc, start, end, as_of, opening, closing)
        return Statement(
            holder.strip(), last4(account), bank.strip(), CURRENCY, start, end, opening, closing,
            complete,
        )  # fmt: skip

    def _check_dates_and_chain(
        self,
        txns: tuple[Transaction, ...],
        raw: list[Any],
        loc: tuple[str | int, ...],
        start: date,
        end: date,
        as_of: date,
        opening: Fen,
        closing: Fen,
    ) -> None:
        balance = opening
        previous: date | None = None
        for j, txn in enumerate(txns):
            where = self._where((*loc, "transactions", j), raw[j].get("row"))
            if not start <= txn.on <= end:
                self.errors.add((*where, "date"), f"{txn.on} is outside the period {start}–{end}")
            if txn.on > as_of:
                self.errors.add((*where, "date"), f"{txn.on} is after {as_of}")
            if previous is not None and txn.on < previous:
                self.errors.add((*where, "date"), f"{txn.on} comes after {previous}: out of order")
            if balance + txn.amount != txn.balance:
                self.errors.add(
                    (*where, "balance_fen"),
                    f"balance after is {format_fen(txn.balance)}, but {format_fen(balance)} "
                    f"{'+' if txn.amount >= 0 else '−'} {format_fen(abs(txn.amount))} is "
                    f"{format_fen(balance + txn.amount)}",
                )
            balance, previous = txn.balance, txn.on
        total = opening + sum(t.amount for t in txns)
        if total != closing or balance != closing:
            self.errors.add(
                (*loc, "closing_balance_fen"),
                f"closing balance {format_fen(closing)}, but opening {format_fen(opening)} plus "
                f"the transactions is {format_fen(total)}",
            )


def _same_account(a: Statement, b: Statement) -> bool:
    """The same account: the same last four digits at the same bank, or at a bank one export
    does not name (ICBC's lists only the card)."""
    banks = (_NAME_NOISE.sub("", a.bank), _NAME_NOISE.sub("", b.bank))
    return a.account_last4 == b.account_last4 and (not all(banks) or banks[0] == banks[1])


def _check_accounts(statements: list[tuple[int, Statement]], errors: Errors) -> None:
    """Statements of one account must not overlap, and no transaction may appear twice."""
    for k, (j, b) in enumerate(statements):
        for i, a in statements[:k]:
            if (
                _same_account(a, b)
                and a.period_from <= b.period_to
                and b.period_from <= a.period_to
            ):
                errors.add(
                    ("statements", j, "period_from"),
                    f"overlaps statement {i} of the same account "
                    f"({a.period_from}–{a.period_to}): months overlap",
                )
    seen: dict[tuple[object, ...], list[tuple[int, int, Statement]]] = {}
    for i, s in statements:
        for k, t in enumerate(s.transactions):
            key = (
                s.account_last4,
                t.on,
                t.time,
                t.amount,
                t.balance,
                t.counterparty,
                t.description,
            )
            first = next((p for p in seen.get(key, ()) if _same_account(p[2], s)), None)
            if first is not None:
                errors.add(
                    ("statements", i, "transactions", k),
                    f"duplicates transaction {first[1]} of statement {first[0]}",
                )
            seen.setdefault(key, []).append((i, k, s))


def read(payload: Mapping[str, Any], subject: Subject, as_of: date) -> BankStatements:
    """The checked, typed statements of a JSON document about `subject` as of `as_of`."""
    reader = _Reader()
    raw = payload.get("statements")
    if not isinstance(raw, list) or not raw:
        reader.errors.add(("statements",), "at least one statement is required")
        raw = []
    read_ = [(i, reader.statement(s, ("statements", i), subject, as_of)) for i, s in enumerate(raw)]
    complete = [(i, s) for i, s in read_ if s is not None]
    if len(complete) == len(read_):
        _check_accounts(complete, reader.errors)
    reader.errors.raise_if_any()
    return BankStatements(tuple(s for _, s in complete))


def combine(*payloads: Mapping[str, Any]) -> dict[str, Any]:
    """One document of the statements of several (several export files of one applicant, say),
    so that `read` checks them together: overlapping months of an account are then refused."""
    return {"statements": [s for payload in payloads for s in payload.get("statements", [])]}


def read_file(data: bytes, name: str) -> Mapping[str, Any]:
    """An export file (CSV, XLSX, JSON) → the JSON document (`statement_files`)."""
    return read_statement_file(data, name)


STATEMENTS: KindHandler[BankStatements] = KindHandler(SourceKind.BANK_STATEMENT, read_file, read)
