"""The customer list: one row per borrower who has applied, with masks of their latest
application.

A customer is the holder of one resident ID number, named by `onboarding.party.customer_id`
(derived from the blind index, no table). `find_customers` lists them; everything one of them
has, decisions included, is `decision.customer_view`'s (it reads decisions, which lending
never imports).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.filters import ANY_DAY, ANYONE, DateRange, Who, date_range, words
from fengkong.core.paging import KeyKind, Page, PageRequest, Sort, page_request
from fengkong.onboarding.application import PersonalDataVault
from fengkong.onboarding.party import (
    Borrower,
    PartyMatch,
    PartyTokens,
    borrower,
    party_match,
)

CUSTOMER_SORTS = {"last_applied_at": KeyKind.DATETIME, "first_applied_at": KeyKind.DATETIME}
LATEST_CUSTOMERS = Sort("last_applied_at", descending=True)
FIRST_CUSTOMERS = PageRequest(LATEST_CUSTOMERS)


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


class CustomerFinders(Protocol):
    """The customer read model and the vault that masks what it finds (`decision.customer_view.
    Finders` wires both, beside the other lists)."""

    @property
    def customers(self) -> CustomerSearch: ...
    @property
    def vault(self) -> PersonalDataVault: ...


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


def find_customers(f: CustomerFilter, finders: CustomerFinders) -> Page[CustomerRow]:
    page = finders.customers.customers(f)
    rows = tuple(
        replace(r, tokens=None, borrower=borrower(r.tokens, finders.vault))
        for r in page.items
        if r.tokens is not None
    )
    return Page(rows, page.next)
