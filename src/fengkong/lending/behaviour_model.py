"""The registered behaviour model as `behaviour.BehaviourModel`: the registry's champion of
`BEHAVIOUR_MODEL` (a scorecard or a GBM trained by the scoring lab on `rescoring.training_rows`),
scoring a batch of facts through the model's own batch path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd

from fengkong.core.errors import FieldError, Invalid
from fengkong.lending.behaviour import BEHAVIOUR_MODEL, BehaviourFacts, Scored
from fengkong.lending.rescoring import OBSERVED_ON, TARGET
from fengkong.scoring.lab import train_model
from fengkong.scoring.lab_config import TrainingConfig
from fengkong.scoring.lab_result import TrainingResult
from fengkong.scoring.registry import LoadedModel, ModelRepository, load_model

PD_PLACES = Decimal("0.000001")
MIN_OF_EACH = 10  # fewer bad (or good) borrower-months than this teach a model nothing


@dataclass(frozen=True, slots=True)
class RegisteredBehaviourModel:
    loaded: LoadedModel

    @property
    def version(self) -> str:
        return self.loaded.version

    def score_facts(self, facts: Sequence[BehaviourFacts]) -> list[Scored]:
        if not facts:
            return []
        frame = pd.DataFrame([f.features() for f in facts])
        batch = self.loaded.score_frame(frame)
        return [
            Scored(
                int(batch.score[i]),
                Decimal(repr(float(batch.pd[i]))).quantize(PD_PLACES),
                tuple(str(r[i]) for r in batch.reasons if r[i]),
            )
            for i in range(len(facts))
        ]


def champion_behaviour_model(
    repo: ModelRepository, artifacts_dir: Path
) -> RegisteredBehaviourModel | None:
    """The champion behaviour model, or None while none has been promoted."""
    model = repo.champion(BEHAVIOUR_MODEL)
    return None if model is None else RegisteredBehaviourModel(load_model(model, artifacts_dir))


def fit_behaviour_model(
    rows: Sequence[dict[str, Any]], *, kind: str = "scorecard", seed: int = 0
) -> TrainingResult:
    """Train a behaviour model on `rescoring.training_rows`, split out of time on the
    observation date (the oldest months train, the newest test)."""
    if kind not in ("scorecard", "gbm"):
        raise Invalid((FieldError(("kind",), f"must be scorecard or gbm, got {kind!r}"),))
    frame = pd.DataFrame(list(rows))
    bad = int(frame[TARGET].sum()) if len(frame) else 0
    if bad < MIN_OF_EACH or len(frame) - bad < MIN_OF_EACH:
        raise Invalid(
            (
                FieldError(
                    ("as_of",),
                    f"{len(frame)} borrower-months of which {bad} went bad: a behaviour model "
                    f"needs at least {MIN_OF_EACH} of each; wait for the book to season, or "
                    "shorten the outcome window or lower the days past due that make bad",
                ),
            )
        )
    return train_model(
        frame,
        TARGET,
        kind=kind,  # type: ignore[arg-type]
        time_col=OBSERVED_ON,
        config=TrainingConfig(seed=seed),
    )
