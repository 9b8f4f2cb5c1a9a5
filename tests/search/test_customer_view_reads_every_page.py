"""The customer view gathers every page a search returns, asks each search for that customer
only, and masks what it shows; cursors round-trip each kind of sort key. On fakes, no database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from fengkong.core.clock import FakeClock
from fengkong.core.errors import FieldError
from fengkong.core.money import Fen
from fengkong.core.paging import (
    KeyKind,
    Page,
    PageRequest,
    Position,
    Sort,
    decode_cursor,
    encode_cursor,
)
from fengkong.decision.customer_view import CustomerNotFound, Finders, customer_view
from fengkong.decision.outcome import Outcome
from fengkong.decision.search import ApplicationFilter, ApplicationRow
from fengkong.onboarding.party import PartyTokens, customer_id
from fengkong.onboarding.vault import Vault, generate_keyring

VAULT = Vault(generate_keyring())
BIDX = VAULT.blind_index("id_number", "110105199003071239")
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _tokens() -> PartyTokens:
    return PartyTokens(
        BIDX,
        VAULT.encrypt("name", "张三"),
        VAULT.encrypt("id_number", "110105199003071239"),
        VAULT.encrypt("phone", "13800138000"),
    )


def _application(n: int) -> ApplicationRow:
    return ApplicationRow(
        id=f"app_{n:04d}",
        received_at=T0 - timedelta(minutes=n),
        product="cash_loan",
        amount=Fen(100_000),
        term_months=12,
        purpose="test",
        decision_id=f"dec_{n:04d}",
        decided_at=T0 - timedelta(minutes=n),
        outcome=Outcome.APPROVE,
        score=600,
        approved_amount=Fen(100_000),
        policy_version="p",
        model_version=None,
        tokens=_tokens(),
    )


class PagedApplications:
    """Returns at most `size` rows a page, whatever the request's limit."""

    def __init__(self, rows: list[ApplicationRow], size: int) -> None:
        self.rows, self.size, self.asked = rows, size, []

    def applications(self, f: ApplicationFilter) -> Page[ApplicationRow]:
        self.asked.append(f)
        start = 0
        if f.page.after is not None:
            start = next(i for i, r in enumerate(self.rows) if r.id == f.page.after.id) + 1
        chunk = self.rows[start : start + self.size]
        more = start + self.size < len(self.rows)
        return Page(tuple(chunk), Position(chunk[-1].received_at, chunk[-1].id) if more else None)


class Nothing:
    def __getattr__(self, name: str) -> Any:
        return lambda f: Page(())


def _finders(applications: Any) -> Finders:
    nothing: Any = Nothing()
    return Finders(
        applications=applications,
        decisions=nothing,
        loans=nothing,
        lines=nothing,
        customers=nothing,
        vault=VAULT,
        clock=FakeClock(T0),
    )


def test_the_view_reads_every_page_of_one_customer() -> None:
    search = PagedApplications([_application(n) for n in range(7)], size=3)
    view = customer_view(customer_id(BIDX), _finders(search))
    assert [a.id for a in view.applications] == [f"app_{n:04d}" for n in range(7)]
    assert len(search.asked) == 3
    assert {f.party.id_number_bidx for f in search.asked if f.party} == {BIDX}
    assert all(f.party is not None for f in search.asked)
    assert (view.masked.name, view.masked.id_number, view.masked.phone) == (
        "张*",
        "110***********1239",
        "138****8000",
    )
    assert all(a.tokens is None for a in view.applications)


def test_a_customer_without_applications_is_not_found() -> None:
    with pytest.raises(CustomerNotFound):
        customer_view(customer_id(BIDX), _finders(PagedApplications([], size=3)))


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (KeyKind.DATETIME, datetime(2026, 3, 2, 1, 2, 3, 456789, tzinfo=UTC)),
        (KeyKind.DATE, date(2026, 3, 2)),
        (KeyKind.INT, 0),
        (KeyKind.INT, -1),
    ],
)
def test_cursors_round_trip(kind: KeyKind, value: Any) -> None:
    sort = Sort("key", descending=True)
    errors: list[FieldError] = []
    text = encode_cursor(sort, Position(value, "row_1"))
    assert decode_cursor(text, sort, kind, errors) == Position(value, "row_1")
    assert errors == []
    decode_cursor(text, replace(sort, descending=False), kind, errors)
    assert [e.loc for e in errors] == [("cursor",)]
    assert PageRequest(sort).limit == 50
