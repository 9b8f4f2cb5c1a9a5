"""The simulated lender's consumer model on external data: a scorecard (or a GBM) trained by the
platform's scoring lab on the past consumer book with its documents (`sim.bureau_history`): the
application form's features, as the consumer champion reads them, with the applicant's credit
bureau report and bank statements. A policy names it with `model: retail-bureau-scorecard`
(`retail-bureau-v2`), and the decision scores it once `sources:` has gathered the documents
(`decision.business_scoring`), on the record it was trained on.

The split is out of time, as for the business model (`sim.business_model`), and the scorecard's
bins of the document features are held to the directions credit sense expects: more overdue
days, more enquiries, fuller cards, public records, gambling, other lenders and bounced debits are
riskier; a higher lowest balance safer. The application's features keep the shapes the data
give them, as the consumer champion's do."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from fengkong.scoring.lab import train_model
from fengkong.scoring.lab_config import TrainingConfig
from fengkong.scoring.registry import ModelKind, ModelVersion
from fengkong.sim.bureau_history import APPLICATION_COLUMNS, APPLIED_ON, TARGET, bureau_history
from fengkong.sim.business_model import documents_config, promote_documents_model

if TYPE_CHECKING:
    import pandas as pd

    from fengkong.bootstrap import Context
    from fengkong.scoring.lab_result import TrainingResult

__all__ = [
    "BUREAU_GBM",
    "BUREAU_MODEL",
    "BUREAU_ROWS",
    "MODEL_FEATURES",
    "TRENDS",
    "bureau_config",
    "names_bureau_model",
    "promote_bureau_model",
    "train_bureau_model",
]

BUREAU_MODEL = "retail-bureau-scorecard"
BUREAU_GBM = "retail-bureau-gbm"
BUREAU_ROWS = 4000  # the consumer champion's book (`sim.setup.HISTORY_ROWS`), documents added
# The event (default) rate's direction along each document feature.
TRENDS: Mapping[str, str] = {
    "bureau.worst_dpd_24m": "ascending",
    "bureau.revolving_utilisation": "ascending",
    "bureau.enquiries_3m": "ascending",
    "bureau.enquiries_12m": "ascending",
    "bureau.public_records": "ascending",
    "statement.min_balance": "descending",
    "statement.gambling_share": "ascending",
    "statement.lender_share": "ascending",
    "statement.bounced_debits": "ascending",
}
# Offered to the lab: the application form's features (as the consumer champion's) and the
# documents' features a credit officer reads about a person. `bureau.months_since_delinquency`
# is left without a direction: it is missing for those never late, the safest.
MODEL_FEATURES: tuple[str, ...] = (
    *APPLICATION_COLUMNS,
    *TRENDS,
    "bureau.months_since_delinquency",
)


def bureau_config(
    kind: ModelKind = "scorecard", seed: int = 0, features: tuple[str, ...] = MODEL_FEATURES
) -> TrainingConfig:
    """The lab configuration of the consumer bureau model: `features` offered, the directions
    above imposed on the document features among them."""
    return documents_config(TRENDS, features, kind, seed)


def train_bureau_model(
    seed: int,
    *,
    rows: int = BUREAU_ROWS,
    as_of: date,
    kind: ModelKind = "scorecard",
    history: pd.DataFrame | None = None,
) -> TrainingResult:
    """Train the consumer bureau model on `rows` loans of the seeded past book as of `as_of`
    (or on `history`, a `bureau_history` frame already drawn); hold-out figures in
    `metrics["test"]`."""
    frame = history if history is not None else bureau_history(seed, rows, as_of)
    return train_model(
        frame, TARGET, kind=kind, time_col=APPLIED_ON, config=bureau_config(kind, seed)
    )


def names_bureau_model(policy_model: str) -> bool:
    """Whether a policy's `model:` is the consumer bureau model (a run then trains it)."""
    return policy_model in (BUREAU_MODEL, BUREAU_GBM)


def promote_bureau_model(ctx: Context, result: TrainingResult) -> ModelVersion:
    """Register the trained model in a run's registry (audited) as `retail-bureau-scorecard`
    (`retail-bureau-gbm` for a GBM) and make it that name's champion, maker-checker."""
    name = BUREAU_MODEL if result.kind == "scorecard" else BUREAU_GBM
    return promote_documents_model(ctx, result, name)
