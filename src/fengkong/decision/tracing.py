"""From a complaint to the decision: the caller quotes the request id it was answered with
(`X-Request-ID`), and the officer finds the application and decision that request made."""

from __future__ import annotations

from fengkong.core.errors import NotFound
from fengkong.decision.service import ApplicationView, DecisionServices


def application_for_request(request_id: str, svc: DecisionServices) -> ApplicationView:
    """The application and decision made for the request `request_id`; `NotFound` when that
    request made none (it failed, asked for something else, or came before ids were kept)."""
    with svc.uow() as uow:
        decision = uow.decisions.by_request_id(request_id)
        app = None if decision is None else uow.applications.get(decision.application_id)
    if app is None or decision is None:
        raise NotFound(f"no decision was made for request {request_id!r}")
    return ApplicationView(app, decision)
