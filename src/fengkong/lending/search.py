"""Finding loans and credit lines: status, product, dates, days past due and bucket, borrower.

A loan's borrower is the applicant of the application it was booked from, or, for a draw, of
the application its line was opened on; a line opened without one has no borrower to show.
Filters are built and validated once at the edge (`loan_filter`, `line_filter`); the search is
a Protocol implemented in `db/search_lending.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.filters import (
    ANY_DAY,
    ANY_NUMBER,
    ANYONE,
    DateRange,
    IntRange,
    Who,
    among,
    choices,
    date_range,
    int_range,
    words,
)
from fengkong.core.money import Fen
from fengkong.core.paging import KeyKind, Page, PageRequest, Sort, page_request
from fengkong.lending.delinquency import DEFAULT_BUCKETS, LoanClass
from fengkong.lending.errors import LineNotFound
from fengkong.lending.line import LineStatus
from fengkong.lending.records import LoanStage
from fengkong.onboarding.application import PersonalDataVault
from fengkong.onboarding.channel import SalesChannel, sales_channels
from fengkong.onboarding.party import Borrower, PartyMatch, PartyTokens, borrower, party_match

LOAN_SORTS = {
    "booked_on": KeyKind.DATE,
    "days_past_due": KeyKind.INT,
    "principal_outstanding": KeyKind.INT,
    "amount": KeyKind.INT,
}
LINE_SORTS = {"opened_at": KeyKind.DATETIME, "limit": KeyKind.INT}
NEWEST_LOANS = Sort("booked_on", descending=True)
FIRST_LOANS = PageRequest(NEWEST_LOANS)
NEWEST_LINES = Sort("opened_at", descending=True)
FIRST_LINES = PageRequest(NEWEST_LINES)
BUCKETS = tuple(t.name for t in DEFAULT_BUCKETS)


@dataclass(frozen=True, slots=True)
class LoanFilter:
    page: PageRequest = FIRST_LOANS
    statuses: tuple[LoanStage, ...] = ()
    products: tuple[str, ...] = ()
    booked: DateRange = ANY_DAY
    dpd: IntRange = ANY_NUMBER
    buckets: tuple[str, ...] = ()
    classes: tuple[LoanClass, ...] = ()
    line_id: str | None = None
    party: PartyMatch | None = None
    channels: tuple[SalesChannel, ...] = ()  # of the borrower's application


@dataclass(frozen=True, slots=True)
class LineFilter:
    page: PageRequest = FIRST_LINES
    statuses: tuple[LineStatus, ...] = ()
    products: tuple[str, ...] = ()
    opened: DateRange = ANY_DAY
    party: PartyMatch | None = None


@dataclass(frozen=True, slots=True)
class LoanRow:
    loan_id: str
    application_id: str | None
    line_id: str | None
    product: str
    status: LoanStage
    amount: Fen
    principal_outstanding: Fen
    annual_rate: Decimal
    booked_on: date
    days_past_due: int
    dpd_bucket: str
    loan_class: LoanClass
    # The sales channel of the application it was booked from (a draw: its line's); None when
    # there is none, or it was stored before channels were kept.
    channel: SalesChannel | None = None
    channel_partner: str | None = None
    tokens: PartyTokens | None = None
    borrower: Borrower | None = None


@dataclass(frozen=True, slots=True)
class LineRow:
    line_id: str
    application_id: str | None
    product: str
    status: LineStatus
    limit: Fen
    drawn: Fen
    annual_rate: Decimal
    opened_at: datetime
    tokens: PartyTokens | None = None
    borrower: Borrower | None = None

    @property
    def available(self) -> Fen:
        return Fen(max(0, self.limit - self.drawn))


class LoanSearch(Protocol):
    def loans(self, f: LoanFilter) -> Page[LoanRow]: ...


class LineSearch(Protocol):
    def lines(self, f: LineFilter) -> Page[LineRow]: ...
    def line(self, line_id: str) -> LineRow | None: ...


def loan_filter(
    *,
    vault: PersonalDataVault,
    as_of: date,
    who: Who = ANYONE,
    status: Iterable[str] | str | None = None,
    product: Iterable[str] | str | None = None,
    booked_from: str | date | None = None,
    booked_to: str | date | None = None,
    dpd_min: int | None = None,
    dpd_max: int | None = None,
    bucket: Iterable[str] | str | None = None,
    loan_class: Iterable[str] | str | None = None,
    line_id: str | None = None,
    channel: Iterable[str] | str | None = None,
    buckets: tuple[str, ...] = BUCKETS,
    sort: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> LoanFilter:
    """The filter of `GET /v1/loans` and `fengkong loan list`; `Invalid` names every bad field
    and the allowed values."""
    errors: list[FieldError] = []
    f = LoanFilter(
        statuses=choices(status, LoanStage, "status", errors),
        products=words(product),
        booked=date_range(booked_from, booked_to, "booked", errors),
        dpd=int_range(dpd_min, dpd_max, "dpd", errors),
        buckets=among(bucket, buckets, "bucket", errors),
        classes=choices(loan_class, LoanClass, "loan_class", errors),
        line_id=line_id.strip() if line_id and line_id.strip() else None,
        channels=sales_channels(channel, errors),
        party=party_match(
            customer=who.customer,
            id_number=who.id_number,
            phone=who.phone,
            vault=vault,
            as_of=as_of,
            errors=errors,
        ),
        page=page_request(sort, limit, cursor, LOAN_SORTS, NEWEST_LOANS, errors),
    )
    if errors:
        raise Invalid(tuple(errors))
    return f


def line_filter(
    *,
    vault: PersonalDataVault,
    as_of: date,
    who: Who = ANYONE,
    status: Iterable[str] | str | None = None,
    product: Iterable[str] | str | None = None,
    opened_from: str | date | None = None,
    opened_to: str | date | None = None,
    sort: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> LineFilter:
    """The filter of `GET /v1/lines` and `fengkong line list`."""
    errors: list[FieldError] = []
    f = LineFilter(
        statuses=choices(status, LineStatus, "status", errors),
        products=words(product),
        opened=date_range(opened_from, opened_to, "opened", errors),
        party=party_match(
            customer=who.customer,
            id_number=who.id_number,
            phone=who.phone,
            vault=vault,
            as_of=as_of,
            errors=errors,
        ),
        page=page_request(sort, limit, cursor, LINE_SORTS, NEWEST_LINES, errors),
    )
    if errors:
        raise Invalid(tuple(errors))
    return f


def _masked_loan(row: LoanRow, vault: PersonalDataVault) -> LoanRow:
    shown = None if row.tokens is None else borrower(row.tokens, vault)
    return replace(row, tokens=None, borrower=shown)


def _masked_line(row: LineRow, vault: PersonalDataVault) -> LineRow:
    shown = None if row.tokens is None else borrower(row.tokens, vault)
    return replace(row, tokens=None, borrower=shown)


def find_loans(f: LoanFilter, search: LoanSearch, vault: PersonalDataVault) -> Page[LoanRow]:
    page = search.loans(f)
    return Page(tuple(_masked_loan(r, vault) for r in page.items), page.next)


def find_lines(f: LineFilter, search: LineSearch, vault: PersonalDataVault) -> Page[LineRow]:
    page = search.lines(f)
    return Page(tuple(_masked_line(r, vault) for r in page.items), page.next)


def show_line(line_id: str, search: LineSearch, vault: PersonalDataVault) -> LineRow:
    row = search.line(line_id)
    if row is None:
        raise LineNotFound(f"no credit line {line_id!r}")
    return _masked_line(row, vault)
