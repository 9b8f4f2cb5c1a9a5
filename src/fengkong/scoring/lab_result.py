"""What the scoring lab returns: each sample's scores, the score's stability and the trained,
calibrated model with its metrics (`scoring.lab.train_model`, read by `scoring.report`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fengkong.scoring.calibration import Calibrator
from fengkong.scoring.gbm import GBMModel
from fengkong.scoring.points import Scorecard
from fengkong.scoring.profile import DataProfile
from fengkong.scoring.registry import ModelKind
from fengkong.scoring.reject import RejectEffect
from fengkong.scoring.scorecard import ScorecardModel
from fengkong.scoring.split import Split

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class SampleScores:
    """One sample's outcomes, raw model scores (points for a scorecard, higher safer; log-odds
    of default for a GBM), calibrated PDs and points (higher safer for both kinds: a GBM's
    calibrated PD on the points scale, unrounded), which the report and metrics show."""

    name: str
    y: IntArray
    score: FloatArray
    pd: FloatArray
    points: FloatArray


@dataclass(frozen=True, slots=True)
class Stability:
    psi_train_test: float
    psi_by_period: tuple[tuple[str, int, float], ...]  # (period, rows, PSI against train)
    csi: tuple[tuple[str, float], ...]  # (feature, CSI train vs test), largest first


@dataclass(frozen=True, slots=True)
class TrainingResult:
    kind: ModelKind
    model: ScorecardModel | GBMModel
    calibrator: Calibrator
    split: Split
    features: tuple[str, ...]
    samples: tuple[SampleScores, ...]
    stability: Stability
    reject: RejectEffect | None
    metrics: dict[str, Any]
    data_fingerprint: str
    params: dict[str, Any]
    profile: DataProfile | None = None  # the data profile the features were chosen by

    @property
    def higher_is_riskier(self) -> bool:
        return self.kind == "gbm"

    @property
    def scorecard(self) -> Scorecard | None:
        return self.model.scorecard_ if isinstance(self.model, ScorecardModel) else None

    def sample(self, name: str) -> SampleScores:
        return next(s for s in self.samples if s.name == name)
