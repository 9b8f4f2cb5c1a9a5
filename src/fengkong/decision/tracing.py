"""From a complaint to the decision: the caller quotes the request id it was answered with
(`X-Request-ID`), and the officer finds the application and decision that request made."""

from __future__ import annotations

from fengkong.core.errors import NotFound
from fengkong.decision.record import DecisionRecord
from fengkong.decision.service import ApplicationView, DecisionServices, get_application
from fengkong.onboarding.application import ApplicationRequest


def application_for_request(request_id: str, svc: DecisionServices) -> ApplicationView:
    """The application made by the request `request_id`, as `get_application` shows it (its
    decision, and the officer's on a referral); `NotFound` when that request made none (it
    failed, asked for something else, or came before ids were kept)."""
    with svc.uow() as uow:
        decision = uow.decisions.by_request_id(request_id)
    if decision is None:
        raise NotFound(f"no decision was made for request {request_id!r}")
    return get_application(decision.application_id, svc)


def decided_before(
    request_id: str, req: ApplicationRequest, svc: DecisionServices
) -> DecisionRecord | None:
    """The decision the request `request_id` committed for this same application `req` (the
    same applicant, product, amount and term), or None: what an earlier attempt at a request
    made before its worker died, to answer its repeat with rather than deciding twice."""
    with svc.uow() as uow:
        decision = uow.decisions.by_request_id(request_id)
        application = None if decision is None else uow.applications.get(decision.application_id)
    if decision is None or application is None:
        return None
    same = (
        application.id_number_bidx == svc.vault.blind_index("id_number", req.applicant.id_number)
        and application.product == req.product
        and application.amount == req.amount
        and application.term_months == req.term_months
    )
    return decision if same else None
