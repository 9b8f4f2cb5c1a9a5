"""The customer view: one borrower across applications, decisions, loans and credit lines.

A customer is the holder of one resident ID number, named by `onboarding.party.customer_id`
(derived from the blind index, no table). `customer_view` gathers everything one of them has,
newest first, with only masks of the personal data. It lives above lending because it reads
decisions; the customer list itself is `lending.customers`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.core.paging import MAX_LIMIT, Page, PageRequest
from fengkong.decision.search import (
    NEWEST_APPLICATIONS,
    NEWEST_DECISIONS,
    ApplicationFilter,
    ApplicationRow,
    ApplicationSearch,
    DecisionFilter,
    DecisionRow,
    DecisionSearch,
    find_applications,
    find_decisions,
)
from fengkong.lending.customers import CustomerSearch
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
from fengkong.onboarding.party import MaskedParty, PartyMatch, bidx_of_customer, customer_id

T = TypeVar("T")


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


__all__ = ["CustomerNotFound", "CustomerView", "Finders", "customer_view"]
