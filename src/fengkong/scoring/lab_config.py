"""The scoring lab's training configuration: what `train_model` takes from a YAML file or a
mapping, validated so that every error names its key.

The YAML configuration (every key optional; an unknown key or a bad value is an error naming
it):

    kind: scorecard            # or gbm
    features: [a, b]           # default: every column but the target and the time column
    exclude: [phone]           # never trained on (verdict `excluded` in the data profile)
    keep: [region_id]          # trained on whatever the data profile's verdict
    ordinal: {grade: [A, B, C]}  # ordered categories, lowest first, for either kind (`--ordinal`)
    split: {validation_size: 0.2, test_size: 0.2, seed: 0}
    calibration: {method: platt}          # or isotonic
    scorecard: {monotonic_trend: {age: ascending}, special_codes: {income: [-1]},
                categorical: [zip], ordinal: {grade: [A, B, C]}, missing_risk: worst,
                min_iv: 0.02, max_correlation: 0.7,
                pdo: 20, base_score: 600, base_odds: 50,
                param_grid: standard}  # or {min_iv: [0, 0.02], C: [0.1, 1]}; inner_folds: 3
    gbm: {monotone_constraints: {age: -1}, learning_rate: 0.02,
          param_grid: standard}        # or {num_leaves: [4, 8, 16]}
    reject_inference: {method: fuzzy, factor: 1.5, bands: 10}
    reasons: {floor_points: 5}  # a reason must cost the applicant more than this many points
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.scoring.calibration import Calibrator
from fengkong.scoring.gbm import GBMModel
from fengkong.scoring.points import DEFAULT_REASON_FLOOR
from fengkong.scoring.registry import ModelKind
from fengkong.scoring.reject import REJECT_METHODS
from fengkong.scoring.scorecard import ScorecardModel

KINDS: tuple[str, ...] = ("scorecard", "gbm")


@dataclass(frozen=True, slots=True)
class TrainingConfig:
    kind: ModelKind = "scorecard"
    features: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    ordinal: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    validation_size: float = 0.2
    test_size: float = 0.2
    seed: int = 0
    calibration: str = "platt"
    scorecard: Mapping[str, Any] = field(default_factory=dict)
    gbm: Mapping[str, Any] = field(default_factory=dict)
    reject_method: str = "fuzzy"
    reject_factor: float = 1.5
    reject_bands: int = 10
    reason_floor: float = DEFAULT_REASON_FLOOR


_SECTIONS: dict[str, tuple[str, ...]] = {
    "split": ("validation_size", "test_size", "seed"),
    "calibration": ("method",),
    "reject_inference": ("method", "factor", "bands"),
    "reasons": ("floor_points",),
}
_TOP = (
    "kind",
    "features",
    "exclude",
    "keep",
    "ordinal",
    "split",
    "calibration",
    "scorecard",
    "gbm",
)
_TOP_KEYS = (*_TOP, "reject_inference", "reasons")


def _unknown(loc: tuple[str, ...], key: object, allowed: tuple[str, ...]) -> FieldError:
    return FieldError((*loc, str(key)), f"unknown key; expected one of {', '.join(allowed)}")


def _mapping(doc: object, loc: tuple[str, ...]) -> Mapping[str, Any]:
    if doc is None:
        return {}
    if not isinstance(doc, Mapping):
        raise Invalid((FieldError(loc or ("config",), "must be a mapping of keys to values"),))
    return doc


def _names(value: object, loc: tuple[str, ...], errors: list[FieldError]) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        errors.append(FieldError(loc, "must be a list of column names"))
        return ()
    return tuple(value)


def _orders(value: object, errors: list[FieldError]) -> dict[str, tuple[str, ...]]:
    """The top-level `ordinal` mapping: column -> its distinct values, lowest first."""
    if value is None:
        return {}
    ok = isinstance(value, Mapping) and all(
        isinstance(k, str)
        and isinstance(o, list | tuple)
        and len(o) > 0
        and all(isinstance(v, str | int | float) and not isinstance(v, bool) for v in o)
        and len({str(v) for v in o}) == len(o)
        for k, o in value.items()
    )
    if not ok:
        errors.append(
            FieldError(("ordinal",), "must map column names to their distinct values, lowest first")
        )
        return {}
    assert isinstance(value, Mapping)
    return {str(k): tuple(str(v) for v in o) for k, o in value.items()}


def _estimator_errors(section: str, estimator: Any, params: Mapping[str, Any]) -> list[FieldError]:
    allowed = tuple(sorted(estimator.get_params()))
    errors = [_unknown((section,), k, allowed) for k in params if k not in allowed]
    if errors:
        return errors
    try:
        estimator.set_params(**params)._check_parameters()
    except Invalid as exc:
        return [dataclasses.replace(e, loc=(section, *e.loc)) for e in exc.errors]
    return []


def parse_config(doc: object) -> TrainingConfig:
    """Validate a configuration document (as read from YAML); every error names its key."""
    top = _mapping(doc, ())
    errors = [_unknown((), k, _TOP_KEYS) for k in top if k not in _TOP_KEYS]
    sections = {}
    for name, allowed in _SECTIONS.items():
        section = _mapping(top.get(name), (name,))
        errors += [_unknown((name,), k, allowed) for k in section if k not in allowed]
        sections[name] = section
    kind = top.get("kind", "scorecard")
    if kind not in KINDS:
        errors.append(FieldError(("kind",), f"must be one of {', '.join(KINDS)}, got {kind!r}"))
    features = _names(top["features"], ("features",), errors) if "features" in top else None
    exclude = _names(top.get("exclude", []), ("exclude",), errors)
    keep = _names(top.get("keep", []), ("keep",), errors)
    ordinal = _orders(top.get("ordinal"), errors)
    split = sections["split"]
    for key in ("validation_size", "test_size"):
        value = split.get(key, 0.2)
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 < value < 0.5:
            errors.append(FieldError(("split", key), f"must be in (0, 0.5), got {value!r}"))
    seed = split.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        errors.append(FieldError(("split", "seed"), f"must be an integer, got {seed!r}"))
    method = sections["calibration"].get("method", "platt")
    if method not in Calibrator.METHODS:
        errors.append(FieldError(("calibration", "method"), f"must be one of {Calibrator.METHODS}"))
    reject = sections["reject_inference"]
    reject_method = reject.get("method", "fuzzy")
    if reject_method not in REJECT_METHODS:
        errors.append(
            FieldError(("reject_inference", "method"), f"must be one of {REJECT_METHODS}")
        )
    factor = reject.get("factor", 1.5)
    if not isinstance(factor, int | float) or isinstance(factor, bool) or not factor > 0:
        errors.append(FieldError(("reject_inference", "factor"), "must be a number > 0"))
    bands = reject.get("bands", 10)
    if not isinstance(bands, int) or isinstance(bands, bool) or not 2 <= bands <= 100:
        errors.append(FieldError(("reject_inference", "bands"), "must be an integer in 2..100"))
    floor = sections["reasons"].get("floor_points", DEFAULT_REASON_FLOOR)
    if not isinstance(floor, int | float) or isinstance(floor, bool) or not 0 <= floor < 1e6:
        errors.append(FieldError(("reasons", "floor_points"), "must be a number of points >= 0"))
    scorecard = dict(_mapping(top.get("scorecard"), ("scorecard",)))
    gbm = dict(_mapping(top.get("gbm"), ("gbm",)))
    errors += _estimator_errors("scorecard", ScorecardModel(), scorecard)
    errors += _estimator_errors("gbm", GBMModel(), gbm)
    if errors:
        raise Invalid(tuple(errors))
    return TrainingConfig(
        kind=kind,
        features=features,
        exclude=exclude,
        keep=keep,
        ordinal=ordinal,
        validation_size=float(split.get("validation_size", 0.2)),
        test_size=float(split.get("test_size", 0.2)),
        seed=int(seed),
        calibration=str(method),
        scorecard=scorecard,
        gbm=gbm,
        reject_method=str(reject_method),
        reject_factor=float(factor),
        reject_bands=int(bands),
        reason_floor=float(floor),
    )


def load_config(path: Path) -> TrainingConfig:
    """Read and validate a YAML configuration file."""
    import yaml

    if not path.exists():
        raise Invalid((FieldError(("config",), f"no configuration file at {path}"),))
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise Invalid((FieldError(("config",), f"{path.name} is not valid YAML: {exc}"),)) from exc
    return parse_config(doc)


def as_config(config: TrainingConfig | Mapping[str, Any] | Path | None) -> TrainingConfig:
    """A configuration from any of the forms `train_model` accepts (None: the defaults)."""
    if config is None:
        return TrainingConfig()
    if isinstance(config, TrainingConfig):
        return config
    if isinstance(config, Path):
        return load_config(config)
    return parse_config(config)
