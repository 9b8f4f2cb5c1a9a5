"""Use cases over the model registry: register a trained model (a candidate), and promote one
under maker-checker: a risk manager asks for a version to become the champion (or the
challenger), and an approver other than them approves, which promotes it, or rejects. Each in
one transaction with its audit records; the API and the CLI both call these. The training itself
happens before, outside any transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Protocol

from fengkong.access.approvals import (
    ApprovalKind,
    ApprovalRequest,
    ApprovalUnitOfWork,
    check_reason,
    decide,
    open_request,
)
from fengkong.core.actor import Actor, Role
from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, NotFound
from fengkong.core.uow import UnitOfWork
from fengkong.scoring.promotion import (
    RegistryUnitOfWork,
    challenge_audited,
    promote_audited,
    record_registration,
)
from fengkong.scoring.registry import ModelRepository, ModelStatus, ModelVersion

KIND = ApprovalKind.MODEL_PROMOTION
CHAMPION, CHALLENGER = "champion", "challenger"


class ModelAdminUnitOfWork(UnitOfWork, RegistryUnitOfWork, Protocol):
    """A unit of work holding the model registry and the audit log."""


class ModelPromotionUnitOfWork(ModelAdminUnitOfWork, ApprovalUnitOfWork, Protocol):
    """The registry, the audit log and the maker-checker requests."""


def register_audited_model(
    uow: ModelAdminUnitOfWork,
    register: Callable[[ModelRepository], ModelVersion],
    *,
    actor: str,
    clock: Clock,
) -> ModelVersion:
    """Register a model as a candidate (`register` writes its artifact and adds its registry
    row) and audit the registration, committed together. Promoting it is a request
    (`request_model_promotion`) that another person approves."""
    with uow:
        model = register(uow.models)
        record_registration(uow.audit, model, actor=actor, clock=clock)
        uow.commit()
    return model


def request_model_promotion(
    uow: ModelPromotionUnitOfWork,
    version: str,
    *,
    challenger: bool,
    maker: Actor,
    clock: Clock,
    reason: str | None = None,
) -> ApprovalRequest:
    """A risk manager asks for `version` to become the champion (or the challenger); nothing
    changes until an approver other than them approves (`approve_model_promotion`)."""
    maker.require(Role.RISK_MANAGER, "request a model promotion")
    role = CHALLENGER if challenger else CHAMPION
    with uow:
        model = uow.models.get(version)
        if model is None:
            raise NotFound(f"no model version {version!r}")
        if model.status == ModelStatus.RETIRED:
            raise Conflict(f"model {version} is retired and cannot be promoted")
        if model.status.value == role:
            raise Conflict(f"model {version} is already the {role}")
        if challenger and model.status == ModelStatus.CHAMPION:
            raise Conflict(f"model {version} is the champion and cannot become the challenger")
        request = open_request(
            uow,
            KIND,
            version,
            {"role": role, "sha256": model.sha256, "name": model.name},
            maker=maker,
            clock=clock,
            reason=check_reason(reason, required=False),
        )
        uow.commit()
    return request


def approve_model_promotion(
    uow: ModelPromotionUnitOfWork, request_id: str, *, checker: Actor, clock: Clock
) -> tuple[ModelVersion, ModelVersion | None]:
    """Approve a pending promotion (an approver other than who asked) and apply it: the model
    becomes the champion (the previous one retires) or the challenger. Also the one it replaced."""
    with uow:
        request = decide(uow, request_id, KIND, checker=checker, approve=True, clock=clock)
        current = uow.models.get(request.subject)
        if current is not None and current.sha256 != request.payload.get("sha256"):
            raise Conflict(f"model {request.subject} changed since the request")
        role = request.payload["role"]
        action = challenge_audited if role == CHALLENGER else promote_audited
        model, previous = action(
            uow,
            request.subject,
            actor=checker.audit_name,
            clock=clock,
            approval={"request_id": request.id, "maker": request.maker, "checker": request.checker},
        )
        uow.commit()
    return dataclasses.replace(model, status=ModelStatus(role)), previous


def reject_model_promotion(
    uow: ModelPromotionUnitOfWork, request_id: str, *, checker: Actor, reason: str, clock: Clock
) -> ApprovalRequest:
    """Refuse a pending promotion, with the reason; the registry does not change."""
    with uow:
        request = decide(
            uow, request_id, KIND, checker=checker, approve=False, clock=clock, reason=reason
        )
        uow.commit()
    return request
