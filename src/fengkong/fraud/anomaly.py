"""Anomaly score: an isolation forest over numeric application features, for applications that look
like nothing seen before even when no rule fires.

scikit-learn fits the forest; the artifact is plain JSON — each tree's arrays (children, feature,
threshold, node sample counts) and the offset — and `score_samples` is re-implemented over them
exactly as scikit-learn computes it (inputs cast to float32 before comparison, path lengths
summed tree by tree), so serving needs no pickle and gives identical scores. Models are versioned
and promoted through the model registry under the name `anomaly`, kind `isolation_forest`.

The score is the paper's `s(x) = 2^(-E[h(x)] / c(ψ)) ∈ (0, 1]`: about 0.5 for ordinary
applications, towards 1 for isolated ones (scikit-learn's `score_samples` is its negative).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import numpy.typing as npt

from fengkong.audit.port import AuditAppender
from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound, Unavailable
from fengkong.core.reason import Reason
from fengkong.fraud.signals import Signals
from fengkong.scoring.artifact import canonical_json, read_artifact, sha256_hex, write_artifact
from fengkong.scoring.promotion import record_registration
from fengkong.scoring.registry import ModelRepository, ModelStatus, ModelVersion, plain_json

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "ANOMALY_FEATURES",
    "ANOMALY_KIND",
    "ANOMALY_MODEL_NAME",
    "DEFAULT_ANOMALY_THRESHOLD",
    "AnomalyModel",
    "LoadedAnomaly",
    "NotFittedError",
    "anomaly_signal",
    "load_anomaly_champion",
    "register_anomaly",
]

ANOMALY_MODEL_NAME = "anomaly"
ANOMALY_KIND = "isolation_forest"
MISSING = -1.0  # an unknown signal (no device, no IP): a value no real count or amount takes
DEFAULT_ANOMALY_THRESHOLD = 0.62

# Names as the decision's feature map holds them: application inputs and fraud signals.
ANOMALY_FEATURES: tuple[str, ...] = (
    "amount_fen",
    "term_months",
    "monthly_income_fen",
    "age",
    "velocity.resident_id.24h.count",
    "velocity.resident_id.30d.count",
    "velocity.mobile.24h.count",
    "velocity.device.1h.count",
    "velocity.device.24h.count",
    "velocity.ip.1h.count",
    "velocity.ip_prefix.24h.count",
    "velocity.bank_card.7d.count",
    "link.component_size",
    "link.ids_sharing_device",
    "link.ids_sharing_phone",
    "link.first_seen_age_s.mobile",
    "link.first_seen_age_s.device",
)


class NotFittedError(ValueError, AttributeError):
    """Scoring before `fit` (the scikit-learn contract)."""


def average_path_length(counts: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """c(n): the mean path length of an unsuccessful search in a binary search tree of n nodes."""
    n = np.asarray(counts, dtype=np.float64)
    out = np.zeros(n.shape, dtype=np.float64)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


@dataclass(frozen=True, slots=True)
class IsolationTree:
    children_left: npt.NDArray[np.int64]
    children_right: npt.NDArray[np.int64]
    feature: npt.NDArray[np.int64]
    threshold: npt.NDArray[np.float64]
    n_node_samples: npt.NDArray[np.int64]
    features: npt.NDArray[np.int64]  # the columns this tree was grown on (all, by default)
    # Per node: nodes on the path from the root (root = 1, as sklearn's `compute_node_depths`),
    # and c(samples at the node), the expected length of the part not grown below a leaf.
    depth: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)
    below: npt.NDArray[np.float64] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        depth = np.zeros(len(self.feature), dtype=np.float64)
        depth[0] = 1.0
        for node in range(len(self.feature)):  # parents precede children in sklearn's layout
            left, right = self.children_left[node], self.children_right[node]
            if left != -1:
                depth[left] = depth[node] + 1.0
                depth[right] = depth[node] + 1.0
        object.__setattr__(self, "depth", depth)
        object.__setattr__(self, "below", average_path_length(self.n_node_samples))

    def leaves(self, X: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
        """The leaf each row lands in: left when `x <= threshold`, as sklearn's float32 compare."""
        sub = X[:, self.features]
        node = np.zeros(len(sub), dtype=np.int64)
        active = self.children_left[node] != -1
        while active.any():
            idx = np.nonzero(active)[0]
            current = node[idx]
            values = sub[idx, self.feature[current]].astype(np.float64)
            go_left = values <= self.threshold[current]
            node[idx] = np.where(go_left, self.children_left[current], self.children_right[current])
            active[idx] = self.children_left[node[idx]] != -1
        return node

    def to_dict(self) -> dict[str, Any]:
        return {
            "children_left": self.children_left.tolist(),
            "children_right": self.children_right.tolist(),
            "feature": self.feature.tolist(),
            "threshold": [float(t) for t in self.threshold],
            "n_node_samples": self.n_node_samples.tolist(),
            "features": self.features.tolist(),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> IsolationTree:
        return cls(
            np.asarray(d["children_left"], dtype=np.int64),
            np.asarray(d["children_right"], dtype=np.int64),
            np.asarray(d["feature"], dtype=np.int64),
            np.asarray(d["threshold"], dtype=np.float64),
            np.asarray(d["n_node_samples"], dtype=np.int64),
            np.asarray(d["features"], dtype=np.int64),
        )


@dataclass(frozen=True, slots=True)
class Forest:
    """What scoring needs, and all the artifact holds."""

    features: tuple[str, ...]
    trees: tuple[IsolationTree, ...]
    max_samples: int
    offset: float

    def score_samples(self, X: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Exactly scikit-learn's `IsolationForest.score_samples` (negative anomaly score)."""
        X32 = np.asarray(X, dtype=np.float32)
        depths = np.zeros(len(X32), dtype=np.float64)
        for tree in self.trees:
            leaf = tree.leaves(X32)
            depths += tree.depth[leaf] + tree.below[leaf] - 1.0
        denominator = len(self.trees) * average_path_length(
            np.asarray([self.max_samples], dtype=np.float64)
        )
        scores = 2 ** (
            -np.divide(depths, denominator, out=np.ones_like(depths), where=denominator != 0)
        )
        return np.asarray(-scores, dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "max_samples": self.max_samples,
            "offset": self.offset,
            "trees": [t.to_dict() for t in self.trees],
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Forest:
        return cls(
            tuple(d["features"]),
            tuple(IsolationTree.from_dict(t) for t in d["trees"]),
            int(d["max_samples"]),
            float(d["offset"]),
        )


def feature_matrix(
    rows: pd.DataFrame | Sequence[Mapping[str, object]], features: tuple[str, ...]
) -> npt.NDArray[np.float64]:
    """Rows × features as floats; a missing or `None` value becomes `MISSING`. A value that is not
    a finite number is a field error naming the feature."""
    # pandas' conversion is the definition of "a number" here (online too): loaded on first use,
    # not when the decision service is imported.
    import pandas as pd

    frame = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    columns = []
    for name in features:
        if name not in frame.columns:
            columns.append(np.full(len(frame), MISSING))
            continue
        raw = frame[name]
        values = pd.to_numeric(raw, errors="coerce").astype("float64")
        bad = values.isna() & raw.notna()
        if bad.any() or np.isinf(values.to_numpy()).any():
            raise Invalid((FieldError((name,), "must be a finite number"),))
        columns.append(values.fillna(MISSING).to_numpy(dtype=np.float64))
    return np.column_stack(columns) if columns else np.zeros((len(frame), 0))


class AnomalyModel:
    """An isolation forest with the scikit-learn estimator contract: `__init__` stores, `fit`
    validates and returns `self`, fitted state ends in `_`."""

    def __init__(
        self,
        features: tuple[str, ...] = ANOMALY_FEATURES,
        n_estimators: int = 100,
        max_samples: int = 256,
        random_state: int = 0,
    ) -> None:
        self.features = features
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.random_state = random_state

    def _check_parameters(self) -> None:
        errors = []
        if not self.features or len(set(self.features)) != len(self.features):
            errors.append(FieldError(("features",), "must be distinct names, at least one"))
        if not 1 <= self.n_estimators <= 2000:
            errors.append(FieldError(("n_estimators",), "must be between 1 and 2000"))
        if not 2 <= self.max_samples <= 100_000:
            errors.append(FieldError(("max_samples",), "must be between 2 and 100000"))
        if errors:
            raise Invalid(tuple(errors))

    def fit(self, rows: pd.DataFrame | Sequence[Mapping[str, object]]) -> Self:
        from sklearn.ensemble import IsolationForest

        self._check_parameters()
        X = feature_matrix(rows, self.features)
        if len(X) < 2:
            raise Invalid((FieldError(("data",), "needs at least two rows"),))
        forest = IsolationForest(
            n_estimators=self.n_estimators,
            max_samples=min(self.max_samples, len(X)),
            random_state=self.random_state,
        ).fit(X)
        self.sklearn_ = forest
        self.forest_ = Forest(
            features=self.features,
            trees=tuple(
                IsolationTree(
                    est.tree_.children_left.astype(np.int64),
                    est.tree_.children_right.astype(np.int64),
                    est.tree_.feature.astype(np.int64),
                    est.tree_.threshold.astype(np.float64),
                    est.tree_.n_node_samples.astype(np.int64),
                    np.asarray(feats, dtype=np.int64),
                )
                for est, feats in zip(forest.estimators_, forest.estimators_features_, strict=True)
            ),
            max_samples=int(forest._max_samples),
            offset=float(forest.offset_),
        )
        return self

    def _check_is_fitted(self) -> Forest:
        forest: Forest | None = getattr(self, "forest_", None)
        if forest is None:
            raise NotFittedError("this AnomalyModel is not fitted yet: call fit first")
        return forest

    def anomaly_scores(
        self, rows: pd.DataFrame | Sequence[Mapping[str, object]]
    ) -> npt.NDArray[np.float64]:
        forest = self._check_is_fitted()
        return -forest.score_samples(feature_matrix(rows, forest.features))

    def to_artifact(self) -> dict[str, Any]:
        forest = self._check_is_fitted()
        return {
            "params": {
                "n_estimators": self.n_estimators,
                "max_samples": self.max_samples,
                "random_state": self.random_state,
            },
            "forest": forest.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class LoadedAnomaly:
    version: str
    sha256: str
    forest: Forest
    threshold: float
    kind: str = ANOMALY_KIND

    @property
    def features(self) -> tuple[str, ...]:
        return self.forest.features

    def score(self, row: Mapping[str, object]) -> float:
        """The anomaly score of one application, in (0, 1]."""
        return float(-self.forest.score_samples(feature_matrix([row], self.features))[0])

    def score_frame(self, frame: pd.DataFrame) -> npt.NDArray[np.float64]:
        return -self.forest.score_samples(feature_matrix(frame, self.features))

    def signal(self, row: Mapping[str, object]) -> Signals:
        return anomaly_signal(self.score(row), self.threshold)


def anomaly_signal(score: float, threshold: float = DEFAULT_ANOMALY_THRESHOLD) -> Signals:
    """`anomaly.score_permille` (0–1000) and `anomaly.outlier`, with a reason from the threshold."""
    if not (0.0 <= score <= 1.0) or not (0.0 < threshold <= 1.0):
        raise ValueError("an anomaly score and its threshold lie in [0, 1]")
    permille = int(np.floor(score * 1000 + 0.5))
    outlier = score >= threshold
    reasons = (
        (
            Reason(
                "FRAUD_ANOMALY_OUTLIER",
                f"application unlike past ones (anomaly score {score:.2f} ≥ {threshold:.2f})",
                f"申请与历史申请差异显著（异常分 {score:.2f} ≥ {threshold:.2f}）",
            ),
        )
        if outlier
        else ()
    )
    return Signals(
        MappingProxyType({"anomaly.score_permille": permille, "anomaly.outlier": outlier}),
        reasons,
    )


def register_anomaly(
    repo: ModelRepository,
    audit: AuditAppender,
    artifacts_dir: Path,
    model: AnomalyModel,
    *,
    data: pd.DataFrame,
    threshold: float = DEFAULT_ANOMALY_THRESHOLD,
    actor: str,
    clock: Clock,
    name: str = ANOMALY_MODEL_NAME,
) -> ModelVersion:
    """Write the forest as a hashed JSON artifact and add a candidate row to the registry, with the
    registration audited in the caller's transaction. Promote it with `promote_audited`."""
    forest = model._check_is_fitted()
    if not 0.0 < threshold <= 1.0:
        raise Invalid((FieldError(("threshold",), "must lie in (0, 1]"),))
    number = 1 + max((_number(m.version) for m in repo.list(name)), default=0)
    version = f"{name}-v{number}"
    relative = f"models/{name}/{version}.json"
    scores = -forest.score_samples(feature_matrix(data, forest.features))
    payload = {
        "kind": ANOMALY_KIND,
        "version": version,
        "threshold": threshold,
        **model.to_artifact(),
    }
    sha = write_artifact(artifacts_dir / relative, payload)
    metrics = {
        "n": len(scores),
        "flagged_share": float(np.mean(scores >= threshold)),
        "score_quantiles": {str(q): float(np.quantile(scores, q)) for q in (0.5, 0.9, 0.99, 0.999)},
    }
    registered = ModelVersion(
        version=version,
        name=name,
        kind=ANOMALY_KIND,
        status=ModelStatus.CANDIDATE,
        sha256=sha,
        path=relative,
        created_at=clock.now(),
        data_fingerprint=sha256_hex(canonical_json(feature_matrix(data, forest.features).tolist())),
        features=forest.features,
        params=plain_json({**payload["params"], "threshold": threshold}),
        metrics=plain_json(metrics),
    )
    repo.add(registered)
    record_registration(audit, registered, actor=actor, clock=clock)
    return registered


def load_anomaly(model: ModelVersion, artifacts_dir: Path) -> LoadedAnomaly:
    payload = read_artifact(artifacts_dir / model.path, model.sha256)
    if payload.get("kind") != ANOMALY_KIND:
        raise Conflict(f"model {model.version} is not an {ANOMALY_KIND}")
    return LoadedAnomaly(
        model.version, model.sha256, Forest.from_dict(payload["forest"]), payload["threshold"]
    )


def load_anomaly_champion(
    repo: ModelRepository, artifacts_dir: Path, name: str = ANOMALY_MODEL_NAME
) -> LoadedAnomaly:
    model = repo.champion(name)
    if model is None:
        raise Unavailable(
            f"no champion model named {name!r}: train one with `fengkong fraud train-anomaly`"
        )
    try:
        return load_anomaly(model, artifacts_dir)
    except NotFound:
        raise Unavailable(f"the artifact of {model.version} is missing") from None


def _number(version: str) -> int:
    tail = version.rsplit("-v", 1)[-1]
    return int(tail) if tail.isdigit() else 0
