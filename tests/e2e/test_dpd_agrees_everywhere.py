"""A loan aged through end of day shows one DPD, bucket and class everywhere: `fengkong loan show
--json`, GET /v1/loans/{id}, its instalment rows, the line it was drawn on, and the columns end of
day stored, on SQLite and PostgreSQL.

The reported case: `fengkong eod --date D` run ahead of the calendar aged the loan to DPD 68,
while `loan show` worked out each instalment's DPD as of the clock's day and said 0. A loan is
now aged as of the date its state is accrued through (`accrued_through`), by one function."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.clock import BUSINESS_TZ, FakeClock
from fengkong.lending.catalogue import CREDIT_LINE
from fengkong.lending.credit_lines import draw, open_line
from fengkong.lending.disbursement import disburse
from fengkong.lending.origination import accept_offer
from lending.test_service_support import seed_approved

runner = CliRunner()


@pytest.fixture
def client(context: Context, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setattr("fengkong.cli.lending.context", lambda: context)
    monkeypatch.delenv("FENGKONG_API_KEY", raising=False)
    monkeypatch.setenv("FENGKONG_SESSION", "fks_all")  # the context's `FakeAuthenticator` knows it
    with api_client(context) as c:
        yield c


def _cli(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def _book(context: Context) -> tuple[str, str, str]:
    """(a cash loan, a credit line, the draw on that line), all paid out today."""
    svc = context.lending
    application = seed_approved(
        context.db,
        context.clock,  # type: ignore[arg-type]
        amount=600_000,
        terms=6,
        vault=svc.vault,
    )
    loan_id = accept_offer(application, "acc", svc).record.loan_id
    disburse(loan_id, "pay", svc)
    line = open_line(500_000, CREDIT_LINE.min_annual_rate, "line", svc)
    drawn = draw(line.line_id, 200_000, 3, "draw", svc)
    return loan_id, line.line_id, drawn.loan.record.loan_id


def _assert_one_answer(client: TestClient, context: Context, loan_id: str, on: date) -> int:
    """Every view of the loan agrees with what end of day stored; the loan's DPD."""
    shown = _cli("loan", "show", loan_id)
    served = client.get(f"/v1/loans/{loan_id}")
    assert served.status_code == 200, served.text
    assert served.json() == shown
    with context.uow() as uow:
        stored = uow.lending.get_loan(loan_id)
    assert stored is not None and stored.eod_date == on
    assert shown["accrued_through"] == on.isoformat()
    assert (shown["days_past_due"], shown["dpd_bucket"], shown["loan_class"]) == (
        stored.days_past_due,
        stored.bucket,
        stored.loan_class.value,
    )
    rows = shown["positions"]
    assert max(r["days_past_due"] for r in rows) == shown["days_past_due"]
    # The oldest instalment still unpaid on `on` sets the DPD: counted here from its due date.
    overdue = [date.fromisoformat(r["due"]) for r in rows if date.fromisoformat(r["due"]) < on]
    expected = (on - min(overdue)).days if overdue else 0
    assert shown["days_past_due"] == expected
    for row in rows:
        due = date.fromisoformat(row["due"])
        assert row["days_past_due"] == max((on - due).days, 0)
    return expected


def test_a_loan_aged_ahead_of_the_calendar_shows_one_dpd(
    client: TestClient, context: Context
) -> None:
    loan_id, line_id, draw_id = _book(context)
    assert isinstance(context.clock, FakeClock)
    aged_to = context.clock.business_date() + timedelta(days=100)

    # the clock still says today: a run ahead of the calendar is a simulation, said so
    ran = _cli("eod", "--date", aged_to.isoformat(), "--simulate")
    assert ran["already_done"] is False
    dpd = _assert_one_answer(client, context, loan_id, aged_to)
    assert dpd > 60
    assert _cli("loan", "show", loan_id)["dpd_bucket"] == "M3"

    draw_dpd = _assert_one_answer(client, context, draw_id, aged_to)
    line = client.get(f"/v1/lines/{line_id}").json()
    draw = client.get(f"/v1/loans/{draw_id}").json()
    assert (line["days_past_due"], line["dpd_bucket"], line["loan_class"]) == (
        draw_dpd,
        draw["dpd_bucket"],
        draw["loan_class"],
    )
    assert line["status"] == "frozen"  # the trigger end of day fired saw the same DPD
    with context.uow() as uow:
        assert uow.lending.worst_dpd_on_line(line_id) == draw_dpd


def test_days_after_end_of_day_the_views_keep_its_date_until_the_next(
    client: TestClient, context: Context
) -> None:
    loan_id, _, _ = _book(context)
    assert isinstance(context.clock, FakeClock)
    first = context.clock.business_date() + timedelta(days=45)
    context.clock.set(datetime.combine(first, time(22), tzinfo=BUSINESS_TZ))
    _cli("eod", "--date", first.isoformat())
    # The calendar moves on two days without an end of day: the loan is still aged as of
    # `first`, in every view, and says so.
    later = first + timedelta(days=2)
    context.clock.set(datetime.combine(later, time(10), tzinfo=BUSINESS_TZ))
    before = _assert_one_answer(client, context, loan_id, first)
    assert before > 0
    _cli("eod")  # catches up through the clock's day
    after = _assert_one_answer(client, context, loan_id, later)
    assert after == before + 2
