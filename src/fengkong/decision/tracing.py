"""From a complaint to the decision: the caller quotes the request id it was answered with
(`X-Request-ID`), and the officer finds the application and decision that request made."""

from __future__ import annotations

from fengkong.core.errors import NotFound
from fengkong.decision.service import ApplicationView, DecisionServices, get_application


def application_for_request(request_id: str, svc: DecisionServices) -> ApplicationView:
    """The application made by the request `request_id`, as `get_application` shows it (its
    decision, and the officer's on a referral); `NotFound` when that request made none (it
    failed, asked for something else, or came before ids were kept)."""
    with svc.uow() as uow:
        decision = uow.decisions.by_request_id(request_id)
    if decision is None:
        raise NotFound(f"no decision was made for request {request_id!r}")
    return get_application(decision.application_id, svc)
