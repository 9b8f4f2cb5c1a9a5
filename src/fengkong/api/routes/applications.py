from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from fengkong.access.permissions import Permission
from fengkong.api.answers import json_answer
from fengkong.api.business_schemas import BusinessOut
from fengkong.api.deps import ActorDep, ContextDep, MetricsDep
from fengkong.api.schemas import (
    ApplicationIn,
    ApplicationOut,
    DecisionOut,
    OfficerDecisionOut,
    StepUpIn,
)
from fengkong.api.verification_schemas import IdentityCostsOut, VerificationIn, VerificationOut
from fengkong.bootstrap import Context
from fengkong.core import request_id as request_ids
from fengkong.core.actor import Actor
from fengkong.core.money import fen_to_yuan, yuan_to_fen
from fengkong.decision.service import (
    ApplicationView,
    get_application,
    submit_application,
)
from fengkong.decision.step_up import complete_step_up
from fengkong.decision.tracing import application_for_request, decided_before
from fengkong.decision.verification import verification_costs, verify
from fengkong.lending.ownership import own_application, own_read_application
from fengkong.onboarding.business_view import masked_business
from fengkong.onboarding.service import masked_applicant

router = APIRouter(prefix="/v1/applications", tags=["applications"])

PROBLEMS = {
    400: {"description": "Malformed JSON (problem+json)"},
    422: {"description": "Invalid input, with field-level errors (problem+json)"},
    503: {"description": "No champion model yet (problem+json)"},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=DecisionOut,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def create_application(
    body: ApplicationIn, ctx: ContextDep, metrics: MetricsDep, actor: ActorDep
) -> Response:
    """Submit an application; it is validated, scored and decided at once. A channel key's
    applications come through its channel: the body may leave `channel.source` out, or name the
    same one."""
    body = body.through_channel_of(actor)
    request = body.to_request(ctx.clock.business_date())
    earlier = request_ids.earlier_attempt()
    if earlier is not None:
        # The same request's attempt that died mid-way may have decided: that is the answer.
        found = decided_before(earlier, request, ctx.decisions)
        if found is not None:
            return json_answer(DecisionOut.of(found, request.amount), status.HTTP_201_CREATED)
    decision = submit_application(request, ctx.decisions)
    metrics.decisions.labels(decision.outcome.value).inc()
    # As stored: with the id of this request (`core.request_id`), which the store wrote.
    out = DecisionOut.of(replace(decision, request_id=request_ids.current()), request.amount)
    # Serialised here, on the route's worker thread: FastAPI would validate and encode a
    # returned model in a second hand-off to its thread pool.
    return json_answer(out, status.HTTP_201_CREATED)


@router.post(
    "/{application_id}/step-up",
    responses={
        404: {"description": "Unknown application"},
        409: {"description": "The decision is not waiting for a step-up check"},
    },
)
def step_up(
    application_id: str, body: StepUpIn, ctx: ContextDep, metrics: MetricsDep, actor: ActorDep
) -> DecisionOut:
    """Record the result of the identity check a `verify` decision asked for (e.g. a live face
    check); the same policy then completes the decision."""
    own_application(ctx.lending, actor, Permission.APPLICATIONS_STEP_UP, application_id)
    decision = complete_step_up(application_id, body.check, body.passed, ctx.decisions)
    metrics.decisions.labels(decision.outcome.value).inc()
    with ctx.uow() as uow:
        app = uow.applications.get(application_id)
    assert app is not None
    return DecisionOut.of(decision, app.amount)


@router.post(
    "/{application_id}/verifications/{check}",
    responses={
        404: {"description": "Unknown application"},
        409: {
            "description": "The decision is not waiting for this identity check, or the "
            "applicant's consent to anti-fraud checks (fraud_check) is not in force: no "
            "provider is called and the decision is referred, naming why (problem+json)"
        },
        422: {"description": "Unknown check, or what it needs is missing (problem+json)"},
        503: {
            "description": "The provider did not answer usably; the decision still waits. "
            "Retry after the seconds of the Retry-After header (problem+json)"
        },
    },
)
def verify_identity(
    application_id: str,
    check: Annotated[str, Path(max_length=40, description="e.g. liveness, sms_otp")],
    body: VerificationIn,
    ctx: ContextDep,
    metrics: MetricsDep,
    actor: ActorDep,
) -> VerificationOut:
    """Have the identity check a `verify` decision waits for made by the provider (for
    `sms_otp`: without `code` a code is sent, with it the code is checked); a result settles
    the check and the same policy completes the decision. Every call is recorded with its
    cost."""
    own_application(ctx.lending, actor, Permission.APPLICATIONS_VERIFY, application_id)
    done = verify_application(application_id, check, body, ctx)
    metrics.identity_checks.labels(done.check, done.provider, done.result).inc()
    metrics.identity_check_cost.labels(done.check, done.provider).inc(
        int(yuan_to_fen(Decimal(done.cost)))
    )
    if done.completed:
        metrics.decisions.labels(done.decision.outcome).inc()
    return done


@router.get(
    "/{application_id}/verifications", responses={404: {"description": "Unknown application"}}
)
def read_verifications(application_id: str, ctx: ContextDep, actor: ActorDep) -> IdentityCostsOut:
    """The identity-check calls made for an application, oldest first, and what they cost."""
    own_application(ctx.lending, actor, Permission.APPLICATIONS_READ, application_id)
    return IdentityCostsOut.of(verification_costs(application_id, ctx.identity))


def verify_application(
    application_id: str, check: str, body: VerificationIn, ctx: Context
) -> VerificationOut:
    """One identity check for an application, as the route makes it (also `fengkong
    application verify`)."""
    done = verify(application_id, check, body.params(), ctx.identity_checks, ctx.identity)
    with ctx.uow() as uow:
        app = uow.applications.get(application_id)
    assert app is not None
    return VerificationOut.of(done, app.amount)


@router.get(
    "/by-request/{request_id}",
    responses={
        404: {"description": "No decision was made for that request"},
        422: {"description": "Not a request id (problem+json)"},
    },
)
def read_application_by_request(
    request_id: Annotated[
        str,
        Path(
            pattern=r"^[A-Za-z0-9._:-]+$",
            max_length=request_ids.MAX_LENGTH,
            description="The X-Request-ID the decision's request was answered with",
        ),
    ],
    ctx: ContextDep,
    actor: ActorDep,
) -> ApplicationOut:
    """The application and decision a request made, found by its request id (to trace a
    complaint); personal data masked."""
    view = _readable(application_for_request(request_id, ctx.decisions), actor)
    return _application_out(view, ctx)


@router.get(
    "/{application_id}",
    response_model=ApplicationOut,
    responses={404: {"description": "Unknown application"}},
)
def read_application(application_id: str, ctx: ContextDep, actor: ActorDep) -> Response:
    """The application (personal data masked), where it stands, the automatic decision and, on
    referral, the officer's decision that settled it."""
    view = _readable(get_application(application_id, ctx.decisions), actor)
    return json_answer(_application_out(view, ctx))


def _readable(view: ApplicationView, actor: Actor) -> ApplicationView:
    """`view`, once `actor` may read it: the application read for the answer also tells a
    channel key whether it came through its channel, with no second read."""
    channel = view.application.channel
    own_read_application(
        actor,
        Permission.APPLICATIONS_READ,
        view.application.id,
        None if channel is None else channel.value,
    )
    return view


def show_application(application_id: str, ctx: Context) -> ApplicationOut:
    """One application as `GET /v1/applications/{id}` answers it (also `fengkong application
    show`)."""
    return _application_out(get_application(application_id, ctx.decisions), ctx)


def _application_out(view: ApplicationView, ctx: Context) -> ApplicationOut:
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
        channel=None if a.channel is None else a.channel.value,
        channel_partner=a.channel_partner,
        industry=a.industry,
        applicant_name=name,
        applicant_id_number=id_number,
        applicant_phone=phone,
        outcome=view.outcome.value,
        decision=DecisionOut.of(view.decision, a.amount),
        officer_decision=None if view.officer is None else OfficerDecisionOut.of(view.officer),
        business=None
        if a.business is None
        else BusinessOut.of(masked_business(a.business, ctx.vault)),
    )
