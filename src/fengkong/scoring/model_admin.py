"""Use cases over the model registry: register a model (and maybe make it the champion), and
promote one, each in one transaction with its audit records. The API and the CLI both call
these; the training itself happens before, outside any transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from fengkong.core.clock import Clock
from fengkong.core.uow import UnitOfWork
from fengkong.scoring.promotion import (
    RegistryUnitOfWork,
    challenge_audited,
    promote_audited,
    record_registration,
)
from fengkong.scoring.registry import ModelRepository, ModelVersion


class ModelAdminUnitOfWork(UnitOfWork, RegistryUnitOfWork, Protocol):
    """A unit of work holding the model registry and the audit log."""


def register_audited_model(
    uow: ModelAdminUnitOfWork,
    register: Callable[[ModelRepository], ModelVersion],
    *,
    promote: bool,
    actor: str,
    clock: Clock,
) -> ModelVersion:
    """Register a model (`register` writes its artifact and adds its registry row), audit the
    registration and, with `promote`, make it the champion: all committed together."""
    with uow:
        model = register(uow.models)
        record_registration(uow.audit, model, actor=actor, clock=clock)
        if promote:
            promote_audited(uow, model.version, actor=actor, clock=clock)
        uow.commit()
    return model


def promote_model(
    uow: ModelAdminUnitOfWork, version: str, *, challenger: bool, actor: str, clock: Clock
) -> tuple[ModelVersion, ModelVersion | None]:
    """Make `version` the champion (or the challenger), audited; also the model it replaced."""
    action = challenge_audited if challenger else promote_audited
    with uow:
        model, previous = action(uow, version, actor=actor, clock=clock)
        uow.commit()
    return model, previous
