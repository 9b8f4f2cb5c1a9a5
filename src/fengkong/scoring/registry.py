"""The model registry: every trained model is an artifact file plus a registry row holding its
version, sha256, training-data fingerprint, features, parameters and metrics. The scoring service
loads the champion; a file that fails its hash is refused."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound, Unavailable
from fengkong.scoring.artifact import read_artifact, write_artifact
from fengkong.scoring.points import (
    DEFAULT_REASON_FLOOR,
    MAX_REASONS,
    MISSING,
    Contribution,
    Scaling,
    Scorecard,
    ScoreResult,
    _bin_indices,
)
from fengkong.scoring.reasons import reason_code
from fengkong.scoring.serialize import scorecard_from_dict, scorecard_to_dict

if TYPE_CHECKING:
    import pandas as pd

    from fengkong.scoring.calibration import Calibrator
    from fengkong.scoring.gbm import GBMModel

ModelKind = Literal["scorecard", "gbm"]
__all__ = ["DEFAULT_REASON_FLOOR", "MAX_REASONS"]  # re-exported for the batch path


class ModelStatus(StrEnum):
    CANDIDATE = "candidate"
    CHAMPION = "champion"
    CHALLENGER = "challenger"
    RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class ModelVersion:
    version: str
    name: str
    kind: str
    status: ModelStatus
    sha256: str
    path: str  # relative to the artifacts directory
    created_at: datetime
    data_fingerprint: str
    features: tuple[str, ...]
    params: Mapping[str, Any]
    metrics: Mapping[str, Any]


class ModelRepository(Protocol):
    def add(self, model: ModelVersion) -> None: ...
    def get(self, version: str) -> ModelVersion | None: ...
    def list(self, name: str | None = None) -> list[ModelVersion]: ...
    def champion(self, name: str) -> ModelVersion | None: ...
    def challenger(self, name: str) -> ModelVersion | None: ...
    def set_status(self, version: str, status: ModelStatus) -> None: ...


@dataclass(frozen=True, slots=True)
class BatchScores:
    """Scores of many rows: integer score, PD, and up to `MAX_REASONS` adverse reason codes per
    row (empty string where fewer factors cost points), as `LoadedModel.score` ranks them;
    `reasons` is empty when they were not asked for (`score_frame(..., reasons=False)`)."""

    score: npt.NDArray[np.int64]
    pd: npt.NDArray[np.float64]
    reasons: tuple[npt.NDArray[np.str_], ...]


class LoadedModel(Protocol):
    """What a scoring service needs from a registered model, whatever its kind: one row (the
    online path) and a frame (the batch path) give the same scores, PDs and reasons."""

    @property
    def version(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def features(self) -> tuple[str, ...]: ...
    def score(self, row: Mapping[str, object]) -> ScoreResult: ...
    def score_frame(self, frame: pd.DataFrame, *, reasons: bool = True) -> BatchScores: ...


def _scaling_pd(scaling: Scaling, points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(
        1.0 / (1.0 + np.exp((points - scaling.offset) / scaling.factor)), dtype=np.float64
    )


def _top_codes(
    features: tuple[str, ...],
    lost: npt.NDArray[np.int64],
    floor: float,
    kind: ModelKind,
) -> tuple[npt.NDArray[np.str_], ...]:
    """Rank each row's features by points lost, most first, ties by feature name, as
    `ScoreResult.top_adverse` does; features that cost no more than `floor` give ''."""
    by_name = np.argsort(np.asarray(features, dtype=object), kind="stable")
    lost_by_name = lost[:, by_name]
    order = np.argsort(-lost_by_name, axis=1, kind="stable")
    codes = np.asarray([reason_code(features[i], kind) for i in by_name] + [""], dtype=np.str_)
    columns = []
    for k in range(min(MAX_REASONS, len(features))):
        pick = order[:, k]
        cost = np.take_along_axis(lost_by_name, pick[:, None], axis=1)[:, 0]
        material = (cost > 0) & (cost > floor)
        columns.append(codes[np.where(material, pick, len(features))])
    empty = np.full(lost.shape[0], "", dtype=np.str_)
    columns += [empty] * (MAX_REASONS - len(columns))
    return tuple(columns)


@dataclass(frozen=True, slots=True)
class LoadedScorecard:
    version: str
    sha256: str
    scorecard: Scorecard
    calibrator: Calibrator | None = None
    kind: str = "scorecard"
    reason_floor: float = DEFAULT_REASON_FLOOR

    @property
    def features(self) -> tuple[str, ...]:
        return self.scorecard.features

    def _pd(self, points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if self.calibrator is None:
            return _scaling_pd(self.scorecard.scaling, points)
        return self.calibrator.predict_pd(points)

    def score(self, row: Mapping[str, object]) -> ScoreResult:
        """The scorecard's points and reasons; the PD from the calibrator when there is one."""
        result = self.scorecard.score(row)
        pd_ = float(self._pd(np.asarray([result.score], dtype=np.float64))[0])
        return ScoreResult(result.score, pd_, result.contributions, self.reason_floor)

    def score_frame(self, frame: pd.DataFrame, *, reasons: bool = True) -> BatchScores:
        """Every row's points and PD, and its reason codes unless `reasons` is False (the
        ranking of points lost is then skipped)."""
        sc = self.scorecard
        columns = {n: frame[n].to_numpy() for n in sc.features}
        total = np.zeros(len(frame), dtype=np.int64)
        lost = np.zeros((len(frame), len(sc.characteristics) if reasons else 0), dtype=np.int64)
        for j, ch in enumerate(sc.characteristics):
            points = np.asarray([b.points for b in ch.bins], dtype=np.int64)[
                _bin_indices(ch, columns[ch.name])
            ]
            total += points
            if reasons:
                lost[:, j] = ch.max_points - points
        codes = _top_codes(sc.features, lost, self.reason_floor, "scorecard") if reasons else ()
        return BatchScores(total, self._pd(total.astype(np.float64)), codes)


@dataclass(frozen=True, slots=True)
class LoadedGBM:
    """A LightGBM challenger behind the same interface as a scorecard. Its score is the
    calibrated PD on the scorecard's points scale (same base score, odds and PDO), so policy
    cut-offs read the same; a feature's adverse impact is its contribution to the log-odds in
    points."""

    version: str
    sha256: str
    model: GBMModel
    calibrator: Calibrator
    scaling: Scaling
    kind: str = "gbm"
    reason_floor: float = DEFAULT_REASON_FLOOR

    @property
    def features(self) -> tuple[str, ...]:
        return tuple(str(n) for n in self.model.feature_names_in_)

    def _points(self, pd_: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        odds_good = (1.0 - pd_) / pd_
        raw = self.scaling.offset + self.scaling.factor * np.log(odds_good)
        return np.floor(raw + 0.5).astype(np.int64)  # half-up, as scorecard points

    def _from_contributions(
        self, raw: npt.NDArray[np.float64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """Score, PD and points lost per feature from LightGBM's contributions (features, then
        the bias). The online and batch paths both end here, so they cannot drift apart."""
        pd_ = self.calibrator.predict_pd(raw.sum(axis=1))
        impact = raw[:, :-1]
        lost = np.floor(np.maximum(impact, 0.0) * self.scaling.factor + 0.5).astype(np.int64)
        return self._points(pd_), pd_, lost

    def _check_frame_finite(self, frame: pd.DataFrame) -> None:
        import pandas as pd

        for name in self.features:
            if name not in self.model.categories_ and name in frame.columns:
                values = pd.to_numeric(frame[name], errors="coerce").to_numpy(
                    dtype=np.float64, na_value=np.nan
                )
                if np.isinf(values).any():
                    raise Invalid((FieldError((name,), "must be finite"),))

    def _frame(self, frame: pd.DataFrame) -> tuple[BatchScores, npt.NDArray[np.int64]]:
        self._check_frame_finite(frame)
        raw = np.ascontiguousarray(self.model.contributions_array(frame))
        points, pd_, lost = self._from_contributions(raw)
        codes = _top_codes(self.features, lost, self.reason_floor, "gbm")
        return BatchScores(points, pd_, codes), lost

    def score(self, row: Mapping[str, object]) -> ScoreResult:
        """One application; a missing key is a missing value, as in the batch path. The fast
        path: the row is encoded straight to LightGBM's float matrix (no DataFrame), and the
        contributions go through the same arithmetic as `score_frame`."""
        features = self.model.row_features
        self._check_finite(row, features)
        raw = np.ascontiguousarray(self.model.row_contributions(row))
        points, pd_, lost = self._from_contributions(raw)
        contributions = tuple(
            Contribution(n, _value_label(row.get(n)), 0, points_lost, model_kind="gbm")
            for n, points_lost in zip(features, lost[0].tolist(), strict=True)
        )
        return ScoreResult(int(points[0]), float(pd_[0]), contributions, self.reason_floor)

    def _check_finite(self, row: Mapping[str, object], features: tuple[str, ...]) -> None:
        """The batch path's infinity check, value by value, in the same feature order."""
        categories = self.model.categories_
        for name in features:
            if name in categories:
                continue
            value = row.get(name)
            if value is None or (isinstance(value, int) and not isinstance(value, bool)):
                continue  # missing, or an int: never infinite
            if isinstance(value, float):
                infinite = math.isinf(value)
            else:  # a string or a Decimal: as the batch path converts it
                import pandas as pd

                number = pd.to_numeric(pd.Series([value], dtype=object), errors="coerce")
                infinite = bool(np.isinf(number.to_numpy(dtype=np.float64, na_value=np.nan)).any())
            if infinite:
                raise Invalid((FieldError((name,), "must be finite"),))

    def score_frame(self, frame: pd.DataFrame, *, reasons: bool = True) -> BatchScores:
        """Every row's score and PD, with reason codes from TreeSHAP contributions; with
        `reasons=False` LightGBM's plain prediction (the log-odds, no contributions), which is
        many times faster. The log-odds equal the contributions' sum up to float rounding, so
        a score can differ by one point only where it sits on a rounding edge."""
        if reasons:
            return self._frame(frame)[0]
        self._check_frame_finite(frame)
        pd_ = self.calibrator.predict_pd(self.model.decision_function(frame))
        return BatchScores(self._points(pd_), pd_, ())


def _value_label(value: object) -> str:
    """A GBM feature's value as its reason shows it; None and NaN are `missing`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    return str(value)


def _sidecar_files(directory: Path, version: str, scorecard: Scorecard | None) -> None:
    """The human- and database-readable forms written beside a scorecard artifact."""
    if scorecard is None:
        return
    from fengkong.scoring.export import points_table_csv, points_table_json, to_sql

    (directory / f"{version}.points.csv").write_text(points_table_csv(scorecard), "utf-8")
    (directory / f"{version}.points.json").write_text(
        json.dumps(points_table_json(scorecard), ensure_ascii=False, indent=2), "utf-8"
    )
    (directory / f"{version}.sql").write_text(to_sql(scorecard) + "\n", "utf-8")


def plain_json(value: Any) -> Any:
    """Metrics as the registry stores them: numpy scalars unwrapped, non-finite floats None."""
    if isinstance(value, Mapping):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_json(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def register_model(
    repo: ModelRepository,
    artifacts_dir: Path,
    *,
    name: str,
    kind: ModelKind,
    scorecard: Scorecard | None = None,
    gbm: GBMModel | None = None,
    calibrator: Calibrator | None = None,
    data_fingerprint: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, Any],
    clock: Clock,
    reason_floor: float = DEFAULT_REASON_FLOOR,
) -> ModelVersion:
    """Store a scorecard (with an optional calibrator) or a GBM (with its calibrator, which it
    needs for a PD) as a hashed artifact, and add a candidate row to the registry. A scorecard
    gets its points table (CSV, JSON) and SQL expression written beside the artifact. The
    reasons' materiality floor (points) is recorded in the artifact and the parameters."""
    if not (isinstance(reason_floor, int | float) and 0 <= reason_floor < math.inf):
        raise Invalid((FieldError(("reason_floor",), "must be a number of points >= 0"),))
    reasons = {"floor_points": float(reason_floor), "max": MAX_REASONS}
    number = 1 + max((_number(m.version) for m in repo.list(name)), default=0)
    version = f"{name}-v{number}"
    relative = f"models/{name}/{version}.json"
    payload: dict[str, Any] = {"kind": kind, "version": version, "reasons": reasons}
    if kind == "scorecard":
        if scorecard is None:
            raise Invalid((FieldError(("scorecard",), "a scorecard model needs its scorecard"),))
        payload["scorecard"] = scorecard_to_dict(scorecard)
        features = scorecard.features
    elif kind == "gbm":
        if gbm is None or calibrator is None:
            raise Invalid((FieldError(("gbm",), "a GBM model needs the model and a calibrator"),))
        payload["gbm"] = gbm.to_artifact()
        payload["scaling"] = _scaling_dict(Scaling(**dict(params.get("scaling", {}))))
        features = tuple(str(n) for n in gbm.feature_names_in_)
    else:
        raise Invalid((FieldError(("kind",), f"must be scorecard or gbm, got {kind!r}"),))
    if calibrator is not None:
        payload["calibrator"] = calibrator.to_artifact()
    sha = write_artifact(artifacts_dir / relative, payload)
    _sidecar_files((artifacts_dir / relative).parent, version, scorecard)
    model = ModelVersion(
        version=version,
        name=name,
        kind=kind,
        status=ModelStatus.CANDIDATE,
        sha256=sha,
        path=relative,
        created_at=clock.now(),
        data_fingerprint=data_fingerprint,
        features=features,
        params=plain_json({**params, "reasons": reasons}),
        metrics=plain_json(dict(metrics)),
    )
    repo.add(model)
    return model


def _scaling_dict(scaling: Scaling) -> dict[str, float]:
    return {"base_score": scaling.base_score, "base_odds": scaling.base_odds, "pdo": scaling.pdo}


def register_scorecard(
    repo: ModelRepository,
    artifacts_dir: Path,
    *,
    name: str,
    scorecard: Scorecard,
    data_fingerprint: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, Any],
    clock: Clock,
) -> ModelVersion:
    return register_model(
        repo,
        artifacts_dir,
        name=name,
        kind="scorecard",
        scorecard=scorecard,
        data_fingerprint=data_fingerprint,
        params=params,
        metrics=metrics,
        clock=clock,
    )


def promote(repo: ModelRepository, version: str) -> tuple[ModelVersion, ModelVersion | None]:
    """Make `version` the champion of its name; the previous champion retires. Returns both."""
    model = repo.get(version)
    if model is None:
        raise NotFound(f"no model version {version!r}")
    if model.status == ModelStatus.RETIRED:
        raise Conflict(f"model {version} is retired and cannot be promoted")
    previous = repo.champion(model.name)
    if previous is not None and previous.version == version:
        raise Conflict(f"model {version} is already the champion")
    if previous is not None:
        repo.set_status(previous.version, ModelStatus.RETIRED)
    repo.set_status(version, ModelStatus.CHAMPION)
    return model, previous


def make_challenger(
    repo: ModelRepository, version: str
) -> tuple[ModelVersion, ModelVersion | None]:
    """Make `version` the challenger of its name (one at a time); a previous challenger returns
    to candidate. Returns both."""
    model = repo.get(version)
    if model is None:
        raise NotFound(f"no model version {version!r}")
    if model.status in (ModelStatus.RETIRED, ModelStatus.CHAMPION):
        raise Conflict(f"model {version} is {model.status.value} and cannot become the challenger")
    previous = repo.challenger(model.name)
    if previous is not None and previous.version == version:
        raise Conflict(f"model {version} is already the challenger")
    if previous is not None:
        repo.set_status(previous.version, ModelStatus.CANDIDATE)
    repo.set_status(version, ModelStatus.CHALLENGER)
    return model, previous


def load_model(model: ModelVersion, artifacts_dir: Path) -> LoadedScorecard | LoadedGBM:
    """Read and verify the artifact (sha256), then rebuild the model of its kind."""
    from fengkong.scoring.calibration import Calibrator

    payload = read_artifact(artifacts_dir / model.path, model.sha256)
    calibrator = (
        Calibrator.from_artifact(payload["calibrator"]) if "calibrator" in payload else None
    )
    kind = payload.get("kind", "scorecard")
    # A model registered before floors were recorded gave every cost as a reason: floor 0.
    floor = float(payload.get("reasons", {}).get("floor_points", 0.0))
    if kind == "scorecard":
        sc = scorecard_from_dict(payload["scorecard"])
        return LoadedScorecard(model.version, model.sha256, sc, calibrator, reason_floor=floor)
    if kind == "gbm" and calibrator is not None:
        from fengkong.scoring.gbm import GBMModel

        gbm = GBMModel.from_artifact(payload["gbm"])
        return LoadedGBM(
            model.version,
            model.sha256,
            gbm,
            calibrator,
            Scaling(**payload["scaling"]),
            reason_floor=floor,
        )
    raise Invalid((FieldError(("kind",), f"artifact {model.path} holds an unknown kind {kind!r}"),))


def load_champion_model(
    repo: ModelRepository, artifacts_dir: Path, name: str
) -> LoadedScorecard | LoadedGBM:
    """The champion of `name`, whatever its kind."""
    model = repo.champion(name)
    if model is None:
        raise Unavailable(
            f"no champion model named {name!r}: train one with `fengkong model train` first"
        )
    return load_model(model, artifacts_dir)


def load_champion(repo: ModelRepository, artifacts_dir: Path, name: str) -> LoadedScorecard:
    """The champion of `name` when it is a scorecard (what the decision service serves today);
    a GBM champion raises `Conflict`: serve it through `load_champion_model`."""
    loaded = load_champion_model(repo, artifacts_dir, name)
    if not isinstance(loaded, LoadedScorecard):
        raise Conflict(f"the champion {loaded.version} is a {loaded.kind}, not a scorecard")
    return loaded


def _number(version: str) -> int:
    tail = version.rsplit("-v", 1)[-1]
    return int(tail) if tail.isdigit() else 0
