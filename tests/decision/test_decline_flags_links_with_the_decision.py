"""With the link graph in the books' own database, a decline's flag is written in the decision's
transaction: it commits with the decision, and the link store is not asked again after it."""

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


class Watched:
    """The real link store, counting what it is asked; `down` makes linking fail."""

    def __init__(self, links: Any, *, down: bool = False) -> None:
        self.links = links
        self.down = down
        self.marked: list[str] = []

    def link(self, app: Any) -> Any:
        if self.down:
            raise LinksUnavailable("link store is down")
        return self.links.link(app)

    def mark_outcome(self, application_id: str, *, declined: bool, defaulted: bool) -> None:
        self.marked.append(application_id)
        self.links.mark_outcome(application_id, declined=declined, defaulted=defaulted)


def _flags(context: Context, application_id: str) -> tuple[bool | None, list[bool]]:
    """The application's declined flag (None: not in the graph) and its edges' flags."""
    with context.db.engine.connect() as conn:
        declined = conn.execute(
            sa.text("select declined from link_applications where application_id = :a"),
            {"a": application_id},
        ).scalar_one_or_none()
        edges = conn.execute(
            sa.text("select flagged from link_edges where application_id = :a"),
            {"a": application_id},
        ).scalars()
        return (None if declined is None else bool(declined)), [bool(e) for e in edges]


def _decide(context: Context, links: Watched) -> Any:
    assert context.fraud is not None and context.fraud.links_in_books
    svc = replace(context.decisions, fraud=replace(context.fraud, links=links))
    req = ApplicationIn.model_validate(RISKY).to_request(context.clock.business_date())
    return submit_application(req, svc)


def test_a_decline_is_flagged_on_the_graph_in_its_own_transaction(context: Context) -> None:
    assert context.fraud is not None
    links = Watched(context.fraud.links)

    decision = _decide(context, links)

    assert decision.outcome is Outcome.DECLINE
    assert links.marked == []  # nothing left to tell the store after the commit
    declined, edges = _flags(context, decision.application_id)
    assert declined is True
    assert edges and all(edges)


def test_a_decline_the_graph_never_took_is_stored_without_a_flag(context: Context) -> None:
    assert context.fraud is not None
    links = Watched(context.fraud.links, down=True)

    decision = _decide(context, links)

    assert decision.outcome is Outcome.DECLINE
    assert _flags(context, decision.application_id) == (None, [])
    with context.db.engine.connect() as conn:
        stored = conn.execute(
            sa.text("select outcome from decisions where id = :i"), {"i": decision.id}
        ).scalar_one()
    assert stored == "decline"
