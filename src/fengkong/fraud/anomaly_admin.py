"""Use case: register a fitted anomaly model, and maybe make it the champion, in one
transaction with its audit records. The CLI calls it after fitting, outside any transaction."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fengkong.core.clock import Clock
from fengkong.fraud.anomaly import AnomalyModel, register_anomaly
from fengkong.scoring.model_admin import ModelAdminUnitOfWork
from fengkong.scoring.promotion import promote_audited
from fengkong.scoring.registry import ModelVersion

if TYPE_CHECKING:
    import pandas as pd


def register_anomaly_model(
    uow: ModelAdminUnitOfWork,
    artifacts_dir: Path,
    model: AnomalyModel,
    *,
    data: pd.DataFrame,
    threshold: float,
    promote: bool,
    actor: str,
    clock: Clock,
) -> ModelVersion:
    """Write the fitted forest's artifact, add its registry row (audited) and, with `promote`,
    make it the champion: all committed together."""
    with uow:
        version = register_anomaly(
            uow.models,
            uow.audit,
            artifacts_dir,
            model,
            data=data,
            threshold=threshold,
            actor=actor,
            clock=clock,
        )
        if promote:
            promote_audited(uow, version.version, actor=actor, clock=clock)
        uow.commit()
    return version
