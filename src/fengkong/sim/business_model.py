"""The simulated lender's first small-business model: a scorecard (or a GBM) trained by the
platform's own scoring lab on the past book of business loans (`sim.business_history`), as the
consumer champion is trained on `sim.history` (`sim.setup.train_champion`, `model="history"`).

The split is out of time (the oldest loans train, the next validate, the newest test), so the
test figures are those of a model applied to later applicants, as it will be. The model is
registered under its own name (`BUSINESS_MODEL`, `business-scorecard`; `business-gbm` for a GBM)
beside the consumer `application` model; its features are named as the policy reads the facts
(`financials.debt_ratio`, `business.tax_on_time_share`, …).

The scorecard's bins are held to the directions credit sense expects: more debt, more overdue
days, late tax and late bills are riskier; more cover, more years and more tax on time safer."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fengkong.core.clock import Clock
from fengkong.scoring.lab import register_result, train_model
from fengkong.scoring.lab_config import TrainingConfig
from fengkong.scoring.model_admin import (
    approve_model_promotion,
    register_audited_model,
    request_model_promotion,
)
from fengkong.scoring.registry import ModelKind, ModelRepository, ModelVersion
from fengkong.sim.business_history import APPLIED_ON, TARGET, business_history

if TYPE_CHECKING:
    import pandas as pd

    from fengkong.bootstrap import Context
    from fengkong.scoring.lab_result import TrainingResult

__all__ = [
    "BUSINESS_GBM",
    "BUSINESS_MODEL",
    "BUSINESS_ROWS",
    "MODEL_FEATURES",
    "TRENDS",
    "business_config",
    "documents_config",
    "promote_business_model",
    "promote_documents_model",
    "register_business_model",
    "train_business_model",
]

BUSINESS_MODEL = "business-scorecard"
BUSINESS_GBM = "business-gbm"
BUSINESS_ROWS = 3000
# The event (default) rate's direction along each feature: "ascending" riskier as it grows.
TRENDS: Mapping[str, str] = {
    "financials.debt_ratio": "ascending",
    "financials.current_ratio": "descending",
    "financials.net_margin": "descending",
    "financials.interest_coverage": "descending",
    "financials.instalment_cover": "descending",
    "financials.revenue_growth": "descending",
    "business.tax_growth_12m": "descending",
    "statement.min_balance": "descending",
    "business.tax_on_time_share": "descending",
    "business.tax_paid_12m_yuan": "descending",
    "business.years_in_operation": "descending",
    "business.utility_late_12m": "ascending",
    "bureau.worst_dpd_24m": "ascending",
    "bureau.revolving_utilisation": "ascending",
    "bureau.enquiries_12m": "ascending",
    "bureau.public_records": "ascending",
    "statement.lender_share": "ascending",
    "statement.gambling_share": "ascending",
    "statement.bounced_debits": "ascending",
}
# The features offered to the lab: those a credit officer would read about a small business.
# The utility bills' lateness is left out: it tells what the tax record tells (both follow how a
# business pays its dues), and the lab keeps only one of two features so alike.
MODEL_FEATURES: tuple[str, ...] = (
    "financials.debt_ratio",
    "financials.current_ratio",
    "financials.interest_coverage",
    "financials.revenue_growth",
    "financials.net_margin",
    "financials.instalment_cover",
    "business.years_in_operation",
    "business.tax_paid_12m_yuan",
    "business.tax_growth_12m",
    "business.tax_on_time_share",
    "business.tax_credit_grade",
    "bureau.worst_dpd_24m",
    "bureau.revolving_utilisation",
    "bureau.enquiries_12m",
    "bureau.months_since_delinquency",
    "bureau.public_records",
    "statement.min_balance",
    "statement.gambling_share",
    "statement.lender_share",
    "statement.bounced_debits",
)
# GBM monotone constraints on the log-odds of default: +1 riskier as the feature grows.
_SIGNS = {"ascending": 1, "descending": -1}


def business_config(
    kind: ModelKind = "scorecard", seed: int = 0, features: tuple[str, ...] = MODEL_FEATURES
) -> TrainingConfig:
    """The lab configuration of the business model: `features` offered, the directions above
    imposed on those of them that have one."""
    return documents_config(TRENDS, features, kind, seed)


def documents_config(
    directions: Mapping[str, str], features: tuple[str, ...], kind: ModelKind, seed: int
) -> TrainingConfig:
    """The lab configuration of a model scored on documents: `features` offered, the
    `directions` ("ascending": riskier as it grows) imposed on those of them that have one, as
    the scorecard's monotone bins or the GBM's monotone constraints."""
    trends = {name: t for name, t in directions.items() if name in features}
    return TrainingConfig(
        kind=kind,
        features=features,
        seed=seed,
        scorecard={"monotonic_trend": trends},
        gbm={"monotone_constraints": {name: _SIGNS[t] for name, t in trends.items()}},
    )


def train_business_model(
    seed: int,
    *,
    rows: int = BUSINESS_ROWS,
    as_of: date,
    kind: ModelKind = "scorecard",
    history: pd.DataFrame | None = None,
) -> TrainingResult:
    """Train the business model on `rows` loans of the seeded past book as of `as_of` (or on
    `history`, a `business_history` frame already drawn): what `register_business_model` stores,
    its hold-out figures in `metrics["test"]` (`auc`, `ks`, `gini`)."""
    frame = history if history is not None else business_history(seed, rows, as_of)
    return train_model(
        frame, TARGET, kind=kind, time_col=APPLIED_ON, config=business_config(kind, seed)
    )


def register_business_model(
    result: TrainingResult, repo: ModelRepository, artifacts_dir: Path, *, clock: Clock
) -> ModelVersion:
    """Register the trained business model beside the consumer one (`business-scorecard-v1`,
    or `business-gbm-v1`), with its artifact and HTML report."""
    name = BUSINESS_MODEL if result.kind == "scorecard" else BUSINESS_GBM
    return register_result(result, repo, artifacts_dir, name=name, clock=clock)


def promote_business_model(ctx: Context, result: TrainingResult) -> ModelVersion:
    """Register the trained business model in a run's registry (audited) and make it the
    business champion, maker-checker: the simulated risk manager asks, the approver approves,
    as the simulator does for the behaviour model (`sim.rescoring`)."""
    return promote_documents_model(
        ctx, result, BUSINESS_MODEL if result.kind == "scorecard" else BUSINESS_GBM
    )


def promote_documents_model(ctx: Context, result: TrainingResult, name: str) -> ModelVersion:
    """Register a trained model under `name` in a run's registry (audited) and make it that
    name's champion, maker-checker: the simulated risk manager asks, the approver approves."""
    from fengkong.sim.setup import SIM_ACTORS

    model = register_audited_model(
        ctx.uow(),
        lambda models: register_result(
            result, models, ctx.artifacts_dir, name=name, clock=ctx.clock
        ),
        actor=SIM_ACTORS.risk.audit_name,
        clock=ctx.clock,
    )
    request = request_model_promotion(
        ctx.uow(), model.version, challenger=False, maker=SIM_ACTORS.risk, clock=ctx.clock
    )
    approve_model_promotion(ctx.uow(), request.id, checker=SIM_ACTORS.approver, clock=ctx.clock)
    return model


def summary(result: TrainingResult) -> dict[str, Any]:
    """The hold-out figures a report quotes: AUC, KS and Gini on validation and test."""
    return {
        sample: {k: result.metrics[sample][k] for k in ("auc", "ks", "gini")}
        for sample in ("validation", "test")
    }
