"""The credit scoring lab: from a table to an evaluated, calibrated, registrable model, for the
CLI (`fengkong model train`) and for notebooks alike.

    result = train_model(frame, "creditability", kind="scorecard", time_col=None, config=None)
    result.metrics["test"]["auc"], result.model.transform(frame), result.scorecard

Steps: profile the data (`scoring.profile`) and keep its features, split (stratified 60/20/20
by default, or out of time with `time_col`), choose the settings by cross-validation of the
training part and fit on it (`scoring.lab_fit`: the held-out model), optionally infer the
declined applications' outcomes, refit the chosen settings on train + validation (the final
model), calibrate the PD on the held-out model's validation scores (Platt by default), then
evaluate: train and test with the final model, validation with the held-out one, and the
score's stability (PSI train vs test, PSI by period, CSI per feature). The test part decides
nothing: it is scored once, at the end.

A scorecard's bins are monotone in risk unless the configuration names another trend, the
profile's sentinel candidates become its special codes, and a value training never saw takes
the worst observed risk (`missing_risk="worst"`), and ordered categories the profile
recognises (grades, sub-grades, "10+ years") or the configuration declares (`ordinal`,
`--ordinal`) are binned in their order (docs/modelling.md). A GBM gets the same: ordered
categories as ranks, sentinel codes as missing (`GBMModel(ordinal=…, special_codes=…)`).

The profile's IV and single-column AUC, which decide the leakage verdict, are measured on the
training part only.

The configuration and its YAML form are described in `scoring.lab_config`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid
from fengkong.scoring.baseline import BASELINE_KEY, baseline_document
from fengkong.scoring.calibration import Calibrator
from fengkong.scoring.gbm import GBMModel
from fengkong.scoring.lab_config import KINDS, TrainingConfig, as_config
from fengkong.scoring.lab_fit import fit_honestly, fit_settings, refit, refit_settings
from fengkong.scoring.lab_metrics import GBM_SCALING, points_of, sample_metrics
from fengkong.scoring.lab_result import SampleScores, Stability, TrainingResult
from fengkong.scoring.metrics import auc
from fengkong.scoring.model_checks import feature_importance
from fengkong.scoring.points import MAX_REASONS
from fengkong.scoring.profile import DataProfile, profile_frame
from fengkong.scoring.registry import ModelKind, ModelRepository, ModelVersion, register_model
from fengkong.scoring.reject import (
    Augmented,
    RejectEffect,
    fuzzy_augmentation,
    parcelling,
    reject_effect,
)
from fengkong.scoring.scorecard import ScorecardModel
from fengkong.scoring.split import (
    Split,
    out_of_time_split,
    split_summary,
    stratified_split,
    time_periods,
)
from fengkong.scoring.stability import csi, psi
from fengkong.scoring.train import binary_target, categorical_columns, fingerprint

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

DEFAULT_TREND = "auto_asc_desc"
"""The scorecard's trend unless the configuration says otherwise: bins monotone in risk."""


# --------------------------------------------------------------------------------------------
# Training


def _feature_names(frame: pd.DataFrame, config: TrainingConfig, profile: DataProfile) -> list[str]:
    """The columns to train on: the configuration's `features` when it names them, else every
    column the data profile judges a feature (ids, row indexes, constants, leakage suspects and
    excluded columns left out; `keep` overrides)."""
    names = list(config.features) if config.features is not None else list(profile.features)
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise Invalid((FieldError(("features",), f"not columns of the data: {missing}"),))
    if not names:
        raise Invalid(
            (
                FieldError(
                    ("features",),
                    "no feature columns left to train on (see `fengkong model profile`; "
                    "--keep a column to train on it)",
                ),
            )
        )
    return names


def _with_sentinels(
    settings: Mapping[str, Any],
    profile: DataProfile,
    names: list[str],
    categorical: list[str],
) -> dict[str, Any]:
    """The scorecard settings with the profile's sentinel candidates as special codes (a bin
    of their own) of each numeric feature; codes the configuration declares for a feature
    replace the profile's, and one list declared for every feature stands as it is."""
    declared = settings.get("special_codes", ())
    if not isinstance(declared, Mapping) and len(declared) > 0:
        return dict(settings)
    on_categories = {*categorical, *settings.get("categorical", ())}
    found = {
        n: list(codes)
        for n, codes in profile.sentinels().items()
        if n in names and n not in on_categories
    }
    mine = {str(k): list(v) for k, v in declared.items()} if isinstance(declared, Mapping) else {}
    merged = {**found, **mine}
    return {**settings, "special_codes": merged} if merged else dict(settings)


def _orders(
    cfg: TrainingConfig, section: Mapping[str, Any], profile: DataProfile, names: list[str]
) -> dict[str, list[str]] | None:
    """The ordered categories a model of either kind is given: the profile's recognised orders,
    then the configuration's top-level `ordinal` (`--ordinal`), then its section's own."""
    unknown = sorted(set(cfg.ordinal) - set(profile.column_names))
    if unknown:
        raise Invalid((FieldError(("ordinal",), f"not columns of the data: {unknown}"),))
    merged = {
        **{n: list(o) for n, o in profile.orders().items()},
        **{n: list(o) for n, o in cfg.ordinal.items()},
        **{str(n): list(o) for n, o in dict(section.get("ordinal") or {}).items()},
    }
    return {n: o for n, o in merged.items() if n in names} or None


def _trends(declared: Any, names: list[str]) -> Any:
    """The scorecard's monotonic trends: monotone in the direction the data shows
    (`auto_asc_desc`) for every feature the configuration does not name."""
    if declared is None:
        return DEFAULT_TREND
    if isinstance(declared, Mapping):
        return {**dict.fromkeys(names, DEFAULT_TREND), **declared}
    return declared


def _raw_score(model: ScorecardModel | GBMModel, X: pd.DataFrame) -> FloatArray:
    if isinstance(model, ScorecardModel):
        return np.asarray(model.score(X), dtype=np.float64)
    return model.decision_function(X)


def train_model(
    frame: pd.DataFrame,
    target: str,
    *,
    kind: ModelKind | None = None,
    time_col: str | None = None,
    config: TrainingConfig | Mapping[str, Any] | Path | None = None,
    rejects: pd.DataFrame | None = None,
) -> TrainingResult:
    """Split, fit, calibrate, (optionally) infer rejects and refit, and evaluate."""
    cfg = as_config(config)
    kind = kind or cfg.kind
    if kind not in KINDS:
        raise Invalid((FieldError(("kind",), f"must be one of {', '.join(KINDS)}"),))
    if target not in frame.columns:
        raise Invalid((FieldError(("target",), f"no column {target!r} in the data"),))
    if time_col is not None and time_col not in frame.columns:
        raise Invalid((FieldError(("time_col",), f"no column {time_col!r} in the data"),))
    frame = frame.reset_index(drop=True)
    y = binary_target(frame[target])
    sizes = {"validation_size": cfg.validation_size, "test_size": cfg.test_size}
    split = (
        out_of_time_split(frame[time_col], y, **sizes)
        if time_col
        else stratified_split(y, seed=cfg.seed, **sizes)
    )
    profile = profile_frame(
        frame,
        target,
        exclude=cfg.exclude,
        keep=cfg.keep,
        time_col=time_col,
        screen_rows=split.train,
    )
    names = _feature_names(frame, cfg, profile)
    X = frame[names]
    categorical = categorical_columns(X)
    if kind == "scorecard":
        scorecard = _with_sentinels(cfg.scorecard, profile, names, categorical)
        scorecard["monotonic_trend"] = _trends(scorecard.get("monotonic_trend"), names)
        scorecard.setdefault("missing_risk", "worst")
        scorecard["ordinal"] = _orders(cfg, scorecard, profile, names)
        cfg = dataclasses.replace(cfg, scorecard=scorecard)
    else:
        gbm = _with_sentinels(cfg.gbm, profile, names, categorical)
        gbm["ordinal"] = _orders(cfg, gbm, profile, names)
        codes = gbm.get("special_codes")
        if isinstance(codes, Mapping) and gbm["ordinal"]:  # a ranked column has no magnitudes
            gbm["special_codes"] = {n: c for n, c in codes.items() if n not in gbm["ordinal"]}
        cfg = dataclasses.replace(cfg, gbm=gbm)
    X_valid, y_valid = X.iloc[split.validation], y[split.validation]
    fitted = fit_honestly(kind, cfg, categorical, X, y, split, refit_final=rejects is None)
    held_out, model = fitted.held_out, fitted.final

    effect = None
    if rejects is not None:
        missing = [n for n in names if n not in rejects.columns]
        if missing:
            raise Invalid((FieldError(("rejects",), f"missing feature columns: {missing}"),))
        held_out, model, effect = _infer_rejects(kind, cfg, held_out, split, X, y, rejects[names])
        if isinstance(model, GBMModel):
            fitted.chosen["trees_refit"] = int(model.n_estimators_)

    # The refitted model has seen the validation part, so the PD is calibrated on the
    # held-out model's validation scores (out of sample) and carried over to the final model,
    # whose scores are on the same log-odds (points) scale.
    calibrator = Calibrator(cfg.calibration, higher_is_riskier=kind == "gbm").fit(
        _raw_score(held_out, X_valid), y_valid
    )
    samples = tuple(
        SampleScores(name, y[rows], score, pd_, points_of(kind, score, pd_))
        for name, rows in split.parts()
        for score in (_raw_score(held_out if name == "validation" else model, X.iloc[rows]),)
        for pd_ in (calibrator.predict_pd(score),)
    )
    used = _model_features(model)
    stability = _stability(model, split, X, used, frame[time_col] if time_col else None)
    metrics = sample_metrics(samples, stability, effect, seed=cfg.seed)
    if isinstance(model, GBMModel):
        metrics["importance"] = [
            dataclasses.asdict(r) for r in feature_importance(model, X.iloc[split.train])
        ]
    params: dict[str, Any] = {
        "kind": kind,
        "target": target,
        "time_col": time_col,
        "split": {"method": split.method, **sizes, "seed": cfg.seed},
        "split_windows": [list(w) for w in split.windows],
        "calibration": cfg.calibration,
        "features_offered": names,
        "profile": profile.as_dict(),
        "reasons": {"floor_points": cfg.reason_floor, "max": MAX_REASONS},
        "model": _plain_params(model),
        "validation": {**split_summary(split, y, time_col), **fitted.chosen},
        "reject_inference": None
        if effect is None
        else {"method": cfg.reject_method, "factor": cfg.reject_factor, "bands": cfg.reject_bands},
    }
    if kind == "gbm":
        params["scaling"] = dict(GBM_SCALING)
    train_sample = next(s for s in samples if s.name == "train")
    metrics[BASELINE_KEY] = baseline_document(
        _decision_scale(kind, train_sample, params),
        {f: X.iloc[split.train][f].tolist() for f in used},
    )
    return TrainingResult(
        kind=kind,
        model=model,
        calibrator=calibrator,
        split=split,
        features=used,
        samples=samples,
        stability=stability,
        reject=effect,
        metrics=metrics,
        data_fingerprint=fingerprint(frame),
        params=params,
        profile=profile,
    )


def _decision_scale(kind: str, sample: SampleScores, params: Mapping[str, Any]) -> list[float]:
    """A sample's scores as decisions store them: a scorecard's points, or a GBM's calibrated PD
    on the points scale (as `registry.LoadedGBM` scores)."""
    if kind != "gbm":
        return [float(v) for v in sample.score]
    return [float(v) for v in np.floor(sample.points + 0.5)]


def _model_features(model: ScorecardModel | GBMModel) -> tuple[str, ...]:
    if isinstance(model, ScorecardModel):
        return tuple(model.scorecard_.features)
    return tuple(str(n) for n in model.feature_names_in_)


def _plain_params(model: ScorecardModel | GBMModel) -> dict[str, Any]:
    def plain(v: Any) -> Any:
        if isinstance(v, Mapping):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [plain(x) for x in v]
        return v

    return {k: plain(v) for k, v in model.get_params().items()}


def _infer_rejects(
    kind: str,
    cfg: TrainingConfig,
    base: ScorecardModel | GBMModel,
    split: Split,
    X: pd.DataFrame,
    y: IntArray,
    rejects: pd.DataFrame,
) -> tuple[ScorecardModel | GBMModel, ScorecardModel | GBMModel, RejectEffect]:
    """Infer the declined applications' outcomes with the held-out model `base` (fitted on the
    training part), refit its chosen settings on the augmented training part (the held-out
    model after inference) and on the augmented training part plus validation (the final
    model). The effect compares the two held-out models on the test part."""
    X_train, y_train = X.iloc[split.train], y[split.train]
    X_valid, y_valid = X.iloc[split.validation], y[split.validation]
    X_test, y_test = X.iloc[split.test], y[split.test]
    X_rejects = rejects.reset_index(drop=True)
    p_rejects = base.predict_proba(X_rejects)[:, 1]
    augmented: Augmented
    if cfg.reject_method == "fuzzy":
        if kind == "gbm":
            raise Invalid(
                (
                    FieldError(
                        ("reject_inference", "method"),
                        "the GBM takes no sample weights: use parcelling for its reject inference",
                    ),
                )
            )
        augmented = fuzzy_augmentation(X_train, y_train, X_rejects, p_rejects)
    else:
        augmented = parcelling(
            X_train,
            y_train,
            base.predict_proba(X_train)[:, 1],
            X_rejects,
            p_rejects,
            factor=cfg.reject_factor,
            bands=cfg.reject_bands,
            seed=cfg.seed,
        )
    scorecard = kind == "scorecard"
    n_train = len(augmented.X)
    held_out = fit_settings(
        kind,
        refit_settings(kind, base, n_train, n_train),
        augmented.X,
        augmented.y,
        augmented.weight if scorecard else None,
    )
    final = refit(
        kind,
        held_out,
        pd.concat([augmented.X, X_valid], ignore_index=True),
        np.concatenate([augmented.y, y_valid]).astype(np.int64),
        n_train,
        np.concatenate([augmented.weight, np.ones(len(y_valid))]) if scorecard else None,
    )
    effect = reject_effect(
        cfg.reject_method,
        augmented=augmented,
        n_accepted=len(X_train),
        auc_before=auc(y_test, base.predict_proba(X_test)[:, 1]),
        auc_after=auc(y_test, held_out.predict_proba(X_test)[:, 1]),
        pd_before_accepted=base.predict_proba(X)[:, 1],
        pd_before_rejects=p_rejects,
        pd_after_accepted=held_out.predict_proba(X)[:, 1],
        pd_after_rejects=held_out.predict_proba(X_rejects)[:, 1],
    )
    return held_out, final, effect


def _stability(
    model: ScorecardModel | GBMModel,
    split: Split,
    X: pd.DataFrame,
    features: tuple[str, ...],
    times: pd.Series | None,
) -> Stability:
    train_score = _raw_score(model, X.iloc[split.train])
    test_score = _raw_score(model, X.iloc[split.test])
    by_period: list[tuple[str, int, float]] = []
    if times is not None:
        everyone = _raw_score(model, X)
        periods = time_periods(times.reset_index(drop=True))
        for period in sorted(set(periods.tolist())):
            in_period = periods == period
            by_period.append((period, int(in_period.sum()), psi(train_score, everyone[in_period])))
    drift = sorted(
        (
            (f, csi(X.iloc[split.train][f].to_numpy(), X.iloc[split.test][f].to_numpy()))
            for f in features
        ),
        key=lambda item: -item[1],
    )
    return Stability(psi(train_score, test_score), tuple(by_period), tuple(drift))


# --------------------------------------------------------------------------------------------
# Registration


def register_result(
    result: TrainingResult,
    repo: ModelRepository,
    artifacts_dir: Path,
    *,
    name: str,
    clock: Clock,
) -> ModelVersion:
    """Register the model (artifact, points table and SQL for a scorecard) and write the HTML
    model report beside the artifact."""
    from fengkong.scoring.report import write_html

    model = register_model(
        repo,
        artifacts_dir,
        name=name,
        kind=result.kind,
        scorecard=result.scorecard,
        gbm=result.model if isinstance(result.model, GBMModel) else None,
        calibrator=result.calibrator,
        data_fingerprint=result.data_fingerprint,
        params=result.params,
        metrics=result.metrics,
        clock=clock,
        reason_floor=float(result.params.get("reasons", {}).get("floor_points", 0.0)),
    )
    artifact = artifacts_dir / model.path
    write_html(artifact.with_name(f"{model.version}.report.html"), result, title=model.version)
    return model
