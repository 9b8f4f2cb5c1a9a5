"""Use case: register a fitted anomaly model as a candidate, in one transaction with its audit
record. The CLI calls it after fitting, outside any transaction; making it the champion is a
promotion request another person approves (`scoring.model_admin`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fengkong.core.clock import Clock
from fengkong.fraud.anomaly import AnomalyModel, register_anomaly
from fengkong.scoring.model_admin import ModelAdminUnitOfWork
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
    actor: str,
    clock: Clock,
) -> ModelVersion:
    """Write the fitted forest's artifact and add its registry row as a candidate (audited),
    committed together."""
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
        uow.commit()
    return version
