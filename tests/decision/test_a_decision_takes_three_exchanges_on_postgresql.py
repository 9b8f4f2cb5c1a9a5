"""On PostgreSQL with its fraud stores in the same database, a decision takes three pooled
connections, one per exchange: its reads, its velocity record and link update (sent together),
and its transaction. On SQLite the stores are asked apart."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.decision.service import submit_application


def _checkouts(context: Context) -> int:
    count = 0

    def counted(*_: Any) -> None:
        nonlocal count
        count += 1

    sa.event.listen(context.db.engine, "checkout", counted)
    try:
        request = ApplicationIn.model_validate(body()).to_request(context.clock.business_date())
        submit_application(request, context.decisions)
    finally:
        sa.event.remove(context.db.engine, "checkout", counted)
    return count


def test_velocity_and_links_go_together_only_on_postgresql(context: Context) -> None:
    assert context.fraud is not None
    assert (context.fraud.together is not None) == (context.db.dialect == "postgresql")


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_decision_takes_three_exchanges(context: Context) -> None:
    _checkouts(context)  # the first also stores the policy bundle and reads the registries
    assert _checkouts(context) == 3
