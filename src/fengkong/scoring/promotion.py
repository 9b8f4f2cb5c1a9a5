"""Registering and promoting models are audited actions: the registry row and the audit record
commit together. `promote_audited` and `challenge_audited` are the effect of an approved
promotion request (`model_admin.approve_model_promotion`): people reach them only through
maker-checker; test fixtures and the registry's own tests call them directly."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from fengkong.audit.port import AuditAppender
from fengkong.core.clock import Clock
from fengkong.scoring.points import Scorecard
from fengkong.scoring.registry import (
    ModelRepository,
    ModelVersion,
    make_challenger,
    promote,
    register_scorecard,
)


class RegistryUnitOfWork(Protocol):
    @property
    def models(self) -> ModelRepository: ...
    @property
    def audit(self) -> AuditAppender: ...
    def commit(self) -> None: ...


def record_registration(
    audit: AuditAppender, model: ModelVersion, *, actor: str, clock: Clock
) -> None:
    """Append the audit record of a registration, in the caller's transaction."""
    audit.append(
        at=clock.now(),
        actor=actor,
        action="model.registered",
        subject_type="model",
        subject_id=model.version,
        payload={
            "kind": model.kind,
            "sha256": model.sha256,
            "data_fingerprint": model.data_fingerprint,
        },
    )


def register_audited(
    uow: RegistryUnitOfWork,
    artifacts_dir: Path,
    *,
    name: str,
    scorecard: Scorecard,
    data_fingerprint: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, Any],
    actor: str,
    clock: Clock,
) -> ModelVersion:
    model = register_scorecard(
        uow.models,
        artifacts_dir,
        name=name,
        scorecard=scorecard,
        data_fingerprint=data_fingerprint,
        params=params,
        metrics=metrics,
        clock=clock,
    )
    record_registration(uow.audit, model, actor=actor, clock=clock)
    return model


def promote_audited(
    uow: RegistryUnitOfWork,
    version: str,
    *,
    actor: str,
    clock: Clock,
    approval: Mapping[str, object] | None = None,
) -> tuple[ModelVersion, ModelVersion | None]:
    """Make `version` the champion; `approval` (request id, maker, checker) goes in the audit
    record."""
    model, previous = promote(uow.models, version)
    uow.audit.append(
        at=clock.now(),
        actor=actor,
        action="model.promoted",
        subject_type="model",
        subject_id=model.version,
        payload={
            "sha256": model.sha256,
            "status": "champion",
            "retired": previous.version if previous else None,
            **(approval or {}),
        },
    )
    return model, previous


def challenge_audited(
    uow: RegistryUnitOfWork,
    version: str,
    *,
    actor: str,
    clock: Clock,
    approval: Mapping[str, object] | None = None,
) -> tuple[ModelVersion, ModelVersion | None]:
    model, previous = make_challenger(uow.models, version)
    uow.audit.append(
        at=clock.now(),
        actor=actor,
        action="model.challenger_set",
        subject_type="model",
        subject_id=model.version,
        payload={
            "sha256": model.sha256,
            "status": "challenger",
            "previous_challenger": previous.version if previous else None,
            **(approval or {}),
        },
    )
    return model, previous
