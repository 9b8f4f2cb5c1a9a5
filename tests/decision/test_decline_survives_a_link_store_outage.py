"""A decline is stored and answered before a link store of its own (Redis) is told of it: a
link store that is down at that moment costs the graph one flag, not the applicant their
answer."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import sqlalchemy as sa

from factories import risky_body
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.decision.outcome import Outcome
from fengkong.decision.service import submit_application
from fengkong.fraud.links import LinksUnavailable

RISKY = risky_body()


class MarksFail:
    """The real link store, but down when asked to flag an outcome."""

    def __init__(self, links: Any) -> None:
        self.links = links
        self.asked: list[str] = []

    def link(self, app: Any) -> Any:
        return self.links.link(app)

    def mark_outcome(self, application_id: str, *, declined: bool, defaulted: bool) -> None:
        self.asked.append(application_id)
        raise LinksUnavailable("link store is down")


def test_a_decline_is_answered_when_the_link_store_fails_to_flag_it(context: Context) -> None:
    assert context.fraud is not None
    links = MarksFail(context.fraud.links)
    fraud = replace(context.fraud, links=links, links_in_books=False)
    svc = replace(context.decisions, fraud=fraud)
    req = ApplicationIn.model_validate(RISKY).to_request(context.clock.business_date())

    decision = submit_application(req, svc)

    assert decision.outcome is Outcome.DECLINE
    assert links.asked == [decision.application_id]
    with context.db.engine.connect() as conn:
        stored = conn.execute(
            sa.text("select outcome from decisions where id = :i"), {"i": decision.id}
        ).scalar_one()
    assert stored == "decline"
