from __future__ import annotations

from fastapi import APIRouter, status

from fengkong.api.deps import ContextDep, MetricsDep
from fengkong.api.schemas import (
    ApplicationIn,
    ApplicationOut,
    DecisionOut,
    OfficerDecisionOut,
    StepUpIn,
)
from fengkong.core.money import fen_to_yuan
from fengkong.decision.service import complete_step_up, get_application, submit_application
from fengkong.onboarding.service import masked_applicant

router = APIRouter(prefix="/v1/applications", tags=["applications"])

PROBLEMS = {
    400: {"description": "Malformed JSON (problem+json)"},
    422: {"description": "Invalid input, with field-level errors (problem+json)"},
    503: {"description": "No champion model yet (problem+json)"},
}


@router.post("", status_code=status.HTTP_201_CREATED, responses=PROBLEMS)  # type: ignore[arg-type]
def create_application(body: ApplicationIn, ctx: ContextDep, metrics: MetricsDep) -> DecisionOut:
    """Submit an application; it is validated, scored and decided at once."""
    request = body.to_request(ctx.clock.business_date())
    decision = submit_application(request, ctx.decisions)
    metrics.decisions.labels(decision.outcome.value).inc()
    return DecisionOut.of(decision, request.amount)


@router.post(
    "/{application_id}/step-up",
    responses={
        404: {"description": "Unknown application"},
        409: {"description": "The decision is not waiting for a step-up check"},
    },
)
def step_up(
    application_id: str, body: StepUpIn, ctx: ContextDep, metrics: MetricsDep
) -> DecisionOut:
    """Record the result of the identity check a `verify` decision asked for (e.g. a live face
    check); the same policy then completes the decision."""
    decision = complete_step_up(application_id, body.check, body.passed, ctx.decisions)
    metrics.decisions.labels(decision.outcome.value).inc()
    with ctx.uow() as uow:
        app = uow.applications.get(application_id)
    assert app is not None
    return DecisionOut.of(decision, app.amount)


@router.get("/{application_id}", responses={404: {"description": "Unknown application"}})
def read_application(application_id: str, ctx: ContextDep) -> ApplicationOut:
    """The application (personal data masked), where it stands, the automatic decision and, on
    referral, the officer's decision that settled it."""
    view = get_application(application_id, ctx.decisions)
    a = view.application
    name, id_number, phone = masked_applicant(a, ctx.vault)
    return ApplicationOut(
        id=a.id,
        received_at=a.received_at,
        product=a.product,
        amount=str(fen_to_yuan(a.amount)),
        term_months=a.term_months,
        purpose=a.purpose,
        monthly_income=str(fen_to_yuan(a.monthly_income)),
        applicant_name=name,
        applicant_id_number=id_number,
        applicant_phone=phone,
        outcome=view.outcome.value,
        decision=DecisionOut.of(view.decision, a.amount),
        officer_decision=None if view.officer is None else OfficerDecisionOut.of(view.officer),
    )
