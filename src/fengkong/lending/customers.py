"""The customer: one borrower across applications, decisions, loans and credit lines.

A customer is the holder of one resident ID number, named by `onboarding.party.customer_id`
(derived from the blind index, no table). `find_customers` lists them; `customer_view` gathers
everything one of them has, with only masks of the personal data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol, TypeVar

from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.core.filters import ANY_DAY, DateRange, date_range, words
from fengkong.core.paging import MAX_LIMIT, KeyKind, Page, PageRequest, Sort, page_request
from fengkong.decision.search import (
    ANYONE,
    NEWEST_APPLICATIONS,
    NEWEST_DECISIONS,
    ApplicationFilter,
    ApplicationRow,
    ApplicationSearch,
    DecisionFilter,
    DecisionRow,
    DecisionSearch,
    Who,
    find_applications,
    find_decisions,
)
from fengkong.lending.search import (
    NEWEST_LINES,
    NEWEST_LOANS,
    LineFilter,
    LineRow,
    LineSearch,
    LoanFilter,
    LoanRow,
    LoanSearch,
    find_lines,
    find_loans,
)
from fengkong.onboarding.application import PersonalDataVault
from fengkong.onboarding.party import (
    Borrower,
    MaskedParty,
    PartyMatch,
    PartyTokens,
    bidx_of_customer,
    borrower,
    customer_id,
    party_match,
)

CUSTOMER_SORTS = {"last_applied_at": KeyKind.DATETIME, "first_applied_at": KeyKind.DATETIME}
LATEST_CUSTOMERS = Sort("last_applied_at", descending=True)
FIRST_CUSTOMERS = PageRequest(LATEST_CUSTOMERS)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CustomerFilter:
    page: PageRequest = FIRST_CUSTOMERS
    products: tuple[str, ...] = ()  # applied for at least once
    applied: DateRange = ANY_DAY  # applied at least once in the range
    party: PartyMatch | None = None


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """A customer with the masks of their latest application (the adapter fills `tokens`)."""

    customer_id: str
    applications: int
    first_applied_at: datetime
    last_applied_at: datetime
    tokens: PartyTokens | None = None
    borrower: Borrower | None = None


class CustomerSearch(Protocol):
    def customers(self, f: CustomerFilter) -> Page[CustomerRow]: ...


@dataclass(frozen=True, slots=True)
class Finders:
    """The read models, wired once (`bootstrap`), with the vault that masks what they find."""

    applications: ApplicationSearch
    decisions: DecisionSearch
    loans: LoanSearch
    lines: LineSearch
    customers: CustomerSearch
    vault: PersonalDataVault
    clock: Clock


@dataclass(frozen=True, slots=True)
class CustomerView:
    customer_id: str
    masked: MaskedParty
    applications: tuple[ApplicationRow, ...]
    decisions: tuple[DecisionRow, ...]
    loans: tuple[LoanRow, ...]
    lines: tuple[LineRow, ...]


class CustomerNotFound(NotFound):
    pass


def customer_filter(
    *,
    vault: PersonalDataVault,
    as_of: date,
    who: Who = ANYONE,
    product: Iterable[str] | str | None = None,
    applied_from: str | date | None = None,
    applied_to: str | date | None = None,
    sort: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> CustomerFilter:
    """The filter of `GET /v1/customers`, `POST /v1/customers/search` and
    `fengkong customer list`."""
    errors: list[FieldError] = []
    f = CustomerFilter(
        products=words(product),
        applied=date_range(applied_from, applied_to, "applied", errors),
        party=party_match(
            customer=who.customer,
            id_number=who.id_number,
            phone=who.phone,
            vault=vault,
            as_of=as_of,
            errors=errors,
        ),
        page=page_request(sort, limit, cursor, CUSTOMER_SORTS, LATEST_CUSTOMERS, errors),
    )
    if errors:
        raise Invalid(tuple(errors))
    return f


def find_customers(f: CustomerFilter, finders: Finders) -> Page[CustomerRow]:
    page = finders.customers.customers(f)
    rows = tuple(
        replace(r, tokens=None, borrower=borrower(r.tokens, finders.vault))
        for r in page.items
        if r.tokens is not None
    )
    return Page(rows, page.next)


def _every(first: PageRequest, fetch: Callable[[PageRequest], Page[T]]) -> tuple[T, ...]:
    """All rows, page after page (a customer has few; the bound is the list's own)."""
    rows: list[T] = []
    request = first
    while True:
        page = fetch(request)
        rows.extend(page.items)
        if page.next is None:
            return tuple(rows)
        request = replace(request, after=page.next)


def customer_view(text: str, finders: Finders) -> CustomerView:
    """Everything the customer `text` (a customer id) has, newest first; `CustomerNotFound`
    when no application of theirs is stored."""
    errors: list[FieldError] = []
    bidx = bidx_of_customer(text, "customer_id", errors)
    if bidx is None:
        raise Invalid(tuple(errors))
    party = PartyMatch(id_number_bidx=bidx)
    vault = finders.vault
    applications = _every(
        PageRequest(NEWEST_APPLICATIONS, MAX_LIMIT),
        lambda p: find_applications(
            ApplicationFilter(page=p, party=party), finders.applications, vault
        ),
    )
    if not applications or applications[0].borrower is None:
        raise CustomerNotFound(f"no customer {text.strip()!r}")
    decisions = _every(
        PageRequest(NEWEST_DECISIONS, MAX_LIMIT),
        lambda p: find_decisions(DecisionFilter(page=p, party=party), finders.decisions, vault),
    )
    loans = _every(
        PageRequest(NEWEST_LOANS, MAX_LIMIT),
        lambda p: find_loans(LoanFilter(page=p, party=party), finders.loans, vault),
    )
    lines = _every(
        PageRequest(NEWEST_LINES, MAX_LIMIT),
        lambda p: find_lines(LineFilter(page=p, party=party), finders.lines, vault),
    )
    return CustomerView(
        customer_id=customer_id(bidx),
        masked=applications[0].borrower.masked,
        applications=applications,
        decisions=decisions,
        loans=loans,
        lines=lines,
    )
