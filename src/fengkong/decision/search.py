"""Finding applications and decisions: the filters officers use, validated once at the edge, and
the read models a list shows (personal data only masked).

`application_filter` and `decision_filter` turn what was typed (query string or CLI options)
into a frozen filter, reporting every bad field at once with the allowed values; the search
itself is a Protocol the adapters implement (`db/search_decisions.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Protocol

from fengkong.core import request_id as request_ids
from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.core.filters import (
    ANY_DAY,
    ANY_NUMBER,
    ANYONE,
    DateRange,
    IntRange,
    Who,
    choices,
    date_range,
    int_range,
    text,
    words,
)
from fengkong.core.money import Fen
from fengkong.core.paging import KeyKind, Page, PageRequest, Sort, page_request
from fengkong.decision.outcome import Outcome, Reason
from fengkong.onboarding.application import PersonalDataVault
from fengkong.onboarding.channel import SalesChannel, sales_channels
from fengkong.onboarding.party import Borrower, PartyMatch, PartyTokens, borrower, party_match

APPLICATION_SORTS = {"received_at": KeyKind.DATETIME, "amount": KeyKind.INT}
DECISION_SORTS = {"decided_at": KeyKind.DATETIME, "score": KeyKind.INT}
NEWEST_APPLICATIONS = Sort("received_at", descending=True)
FIRST_APPLICATIONS = PageRequest(NEWEST_APPLICATIONS)
NEWEST_DECISIONS = Sort("decided_at", descending=True)
FIRST_DECISIONS = PageRequest(NEWEST_DECISIONS)
# A decision without a score (a knock-out before scoring) sorts as this score.
NO_SCORE = -1


@dataclass(frozen=True, slots=True)
class ApplicationFilter:
    page: PageRequest = FIRST_APPLICATIONS
    products: tuple[str, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    received: DateRange = ANY_DAY
    policy_version: str | None = None
    model_version: str | None = None
    party: PartyMatch | None = None
    channels: tuple[SalesChannel, ...] = ()
    request_id: str | None = None  # of the API request that made its decision


@dataclass(frozen=True, slots=True)
class DecisionFilter:
    page: PageRequest = FIRST_DECISIONS
    products: tuple[str, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    decided: DateRange = ANY_DAY
    score: IntRange = ANY_NUMBER
    policy_version: str | None = None
    model_version: str | None = None
    party: PartyMatch | None = None
    channels: tuple[SalesChannel, ...] = ()
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    """An application with its decision and, once accepted, its loan. The adapter fills
    `tokens`; the use case replaces them with the masked `borrower`."""

    id: str
    received_at: datetime
    product: str
    amount: Fen
    term_months: int
    purpose: str
    decision_id: str
    decided_at: datetime
    outcome: Outcome
    score: int | None
    approved_amount: Fen | None
    policy_version: str
    model_version: str | None
    loan_id: str | None = None
    channel: SalesChannel | None = None  # None: stored before channels were kept
    channel_partner: str | None = None
    request_id: str | None = None  # of the API request that made the decision
    tokens: PartyTokens | None = None
    borrower: Borrower | None = None


@dataclass(frozen=True, slots=True)
class DecisionRow:
    id: str
    application_id: str
    decided_at: datetime
    outcome: Outcome
    score: int | None
    pd: str | None
    approved_amount: Fen | None
    annual_rate: str | None
    term_months: int | None
    reasons: tuple[Reason, ...]
    policy_version: str
    model_version: str | None
    product: str
    requested_amount: Fen
    channel: SalesChannel | None = None
    channel_partner: str | None = None
    request_id: str | None = None
    tokens: PartyTokens | None = None
    borrower: Borrower | None = None


class ApplicationSearch(Protocol):
    def applications(self, f: ApplicationFilter) -> Page[ApplicationRow]: ...


class DecisionSearch(Protocol):
    def decisions(self, f: DecisionFilter) -> Page[DecisionRow]: ...
    def decision(self, decision_id: str) -> DecisionRow | None: ...


class DecisionNotFound(NotFound):
    pass


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise Invalid(tuple(errors))


def _party(
    who: Who, vault: PersonalDataVault, as_of: date, errors: list[FieldError]
) -> PartyMatch | None:
    return party_match(
        customer=who.customer,
        id_number=who.id_number,
        phone=who.phone,
        vault=vault,
        as_of=as_of,
        errors=errors,
    )


def request_id_of(value: str | None, errors: list[FieldError]) -> str | None:
    """The `request_id` filter: an id as `core.request_id` keeps them; blank means none."""
    if value is None or not value.strip():
        return None
    word = value.strip()
    if not request_ids.is_sane(word):
        errors.append(
            FieldError(
                ("request_id",),
                f"not a request id: 1 to {request_ids.MAX_LENGTH} letters, digits or '-_.:'",
            )
        )
        return None
    return word


def application_filter(
    *,
    vault: PersonalDataVault,
    as_of: date,
    who: Who = ANYONE,
    product: Iterable[str] | str | None = None,
    outcome: Iterable[str] | str | None = None,
    channel: Iterable[str] | str | None = None,
    request_id: str | None = None,
    received_from: str | date | None = None,
    received_to: str | date | None = None,
    policy_version: str | None = None,
    model_version: str | None = None,
    sort: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> ApplicationFilter:
    """The filter of `GET /v1/applications` and `fengkong application list`; `Invalid` names
    every bad field."""
    errors: list[FieldError] = []
    f = ApplicationFilter(
        products=words(product),
        outcomes=choices(outcome, Outcome, "outcome", errors),
        received=date_range(received_from, received_to, "received", errors),
        policy_version=text(policy_version, "policy_version", errors),
        model_version=text(model_version, "model_version", errors),
        party=_party(who, vault, as_of, errors),
        channels=sales_channels(channel, errors),
        request_id=request_id_of(request_id, errors),
        page=page_request(sort, limit, cursor, APPLICATION_SORTS, NEWEST_APPLICATIONS, errors),
    )
    _raise(errors)
    return f


def decision_filter(
    *,
    vault: PersonalDataVault,
    as_of: date,
    who: Who = ANYONE,
    product: Iterable[str] | str | None = None,
    outcome: Iterable[str] | str | None = None,
    channel: Iterable[str] | str | None = None,
    request_id: str | None = None,
    decided_from: str | date | None = None,
    decided_to: str | date | None = None,
    score_min: int | None = None,
    score_max: int | None = None,
    policy_version: str | None = None,
    model_version: str | None = None,
    sort: str | None = None,
    limit: int | None = None,
    cursor: str | None = None,
) -> DecisionFilter:
    """The filter of `GET /v1/decisions` and `fengkong decision list`."""
    errors: list[FieldError] = []
    f = DecisionFilter(
        products=words(product),
        outcomes=choices(outcome, Outcome, "outcome", errors),
        decided=date_range(decided_from, decided_to, "decided", errors),
        score=int_range(score_min, score_max, "score", errors),
        policy_version=text(policy_version, "policy_version", errors),
        model_version=text(model_version, "model_version", errors),
        party=_party(who, vault, as_of, errors),
        channels=sales_channels(channel, errors),
        request_id=request_id_of(request_id, errors),
        page=page_request(sort, limit, cursor, DECISION_SORTS, NEWEST_DECISIONS, errors),
    )
    _raise(errors)
    return f


def _masked_application(row: ApplicationRow, vault: PersonalDataVault) -> ApplicationRow:
    assert row.tokens is not None
    return replace(row, tokens=None, borrower=borrower(row.tokens, vault))


def _masked_decision(row: DecisionRow, vault: PersonalDataVault) -> DecisionRow:
    assert row.tokens is not None
    return replace(row, tokens=None, borrower=borrower(row.tokens, vault))


def find_applications(
    f: ApplicationFilter, search: ApplicationSearch, vault: PersonalDataVault
) -> Page[ApplicationRow]:
    page = search.applications(f)
    return Page(tuple(_masked_application(r, vault) for r in page.items), page.next)


def find_decisions(
    f: DecisionFilter, search: DecisionSearch, vault: PersonalDataVault
) -> Page[DecisionRow]:
    page = search.decisions(f)
    return Page(tuple(_masked_decision(r, vault) for r in page.items), page.next)


def show_decision(
    decision_id: str, search: DecisionSearch, vault: PersonalDataVault
) -> DecisionRow:
    row = search.decision(decision_id)
    if row is None:
        raise DecisionNotFound(f"no decision {decision_id!r}")
    return _masked_decision(row, vault)
