"""The scoring lab's defaults, cross-validated, and its batch scoring speed, in one run.

Quality: `model train` with its defaults, through the function the CLI calls
(`scoring.lab.train_model`, both kinds), on 5-fold stratified cross-validation
(`StratifiedKFold(5, shuffle=True, random_state=0)`) of the shared German and Taiwan files, beside
plain LightGBM (`LGBMClassifier()` defaults) and plain optbinning (`BinningProcess` defaults +
`LogisticRegression`) on the same folds. The lab gets each file as it is, id columns included
(its data profile must leave them out); the plain references get the feature columns. Each
model is fitted on four folds and scored once on the fifth.

Speed: a GBM trained by the lab scores a Parquet file of the Taiwan applicants (repeated to
`SPEED_ROWS` rows) with `score_file`, the function `fengkong score` calls, with and without
reasons, beside raw LightGBM `Booster.predict` on the same rows: in memory (the encoded float
matrix) and from the same file (`pd.read_parquet` + `predict` on the frame's feature columns).

`FENGKONG_BENCH_DATASETS` (german, taiwan) measures only those datasets' quality rows, for a
quicker check; the speed rows always run (German rows when the Taiwan file is absent).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from bench.harness import SHARED_DATASETS, Section
from bench.model_quality import lightgbm_untuned, optbinning_logistic
from fengkong.scoring.batch import score_file
from fengkong.scoring.gbm import GBMModel
from fengkong.scoring.lab import train_model
from fengkong.scoring.lab_metrics import GBM_SCALING
from fengkong.scoring.lab_result import TrainingResult
from fengkong.scoring.points import Scaling
from fengkong.scoring.registry import LoadedGBM
from fengkong.scoring.scorecard import ScorecardModel
from fengkong.scoring.train import binary_target
from fengkong.sim.setup import german_credit

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TAIWAN_CSV = SHARED_DATASETS / "taiwan_default" / "default_of_credit_card_clients.csv"
FOLDS = StratifiedKFold(5, shuffle=True, random_state=0)
DATASETS = ("german", "taiwan")
ONLY_ENV = "FENGKONG_BENCH_DATASETS"
SPEED_ROWS = 300_000
EXPLAINED_ROWS = 30_000  # with reasons (TreeSHAP) a smaller file keeps the run short


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    frame: pd.DataFrame  # as the file holds it, target and id columns included
    target: str
    ids: tuple[str, ...]  # columns the plain references must not see

    @property
    def X(self) -> pd.DataFrame:
        return self.frame.drop(columns=[self.target, *self.ids])

    @property
    def y(self) -> IntArray:
        return binary_target(self.frame[self.target]).astype(np.int64)

    @property
    def categorical(self) -> tuple[str, ...]:
        X = self.X
        return tuple(c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c]))


def german() -> Dataset:
    return Dataset("German credit (1,000 rows)", german_credit(), "creditability", ())


def taiwan(path: Path = TAIWAN_CSV) -> Dataset | None:
    if not path.exists():
        return None
    return Dataset("Taiwan default (30,000 rows)", pd.read_csv(path), "def_pay", ("ID",))


def lab_risk(result: TrainingResult, X_test: pd.DataFrame) -> FloatArray:
    """The registered model's risk order on `X_test`: a scorecard's points (negated: points
    are higher for safer applicants), a GBM's log-odds of default."""
    model = result.model
    if isinstance(model, ScorecardModel):
        return -np.asarray(model.score(X_test), dtype=np.float64)
    assert isinstance(model, GBMModel)
    return model.decision_function(X_test)


# A fold's run: (dataset, train rows, test rows) -> (risk of the test rows, a lab result if any).
FoldRun = Callable[[Dataset, IntArray, IntArray], tuple[FloatArray, TrainingResult | None]]


def lab(kind: str) -> FoldRun:
    def run(data: Dataset, train: IntArray, test: IntArray) -> tuple[FloatArray, TrainingResult]:
        result = train_model(data.frame.iloc[train], data.target, kind=kind)  # type: ignore[arg-type]
        return lab_risk(result, data.frame.iloc[test]), result

    return run


def plain(fitter: Callable[..., FloatArray]) -> FoldRun:
    def run(data: Dataset, train: IntArray, test: IntArray) -> tuple[FloatArray, None]:
        X, y = data.X, data.y
        return fitter(X.iloc[train], y[train], X.iloc[test], data.categorical), None

    return run


RUNS: tuple[tuple[str, str, FoldRun], ...] = (
    ("scorecard", "`model train --kind scorecard` defaults (`train_model`)", lab("scorecard")),
    (
        "optbinning",
        "plain optbinning (`BinningProcess()` + `LogisticRegression`)",
        plain(optbinning_logistic),
    ),
    ("gbm", "`model train --kind gbm` defaults (`train_model`)", lab("gbm")),
    ("lightgbm", "plain LightGBM (`LGBMClassifier()` defaults)", plain(lightgbm_untuned)),
)


@dataclass(frozen=True, slots=True)
class Measured:
    mean: float
    sd: float
    seconds: float
    last: TrainingResult | None  # the lab's model of the last fold


def cross_validate(data: Dataset, run: FoldRun) -> Measured:
    """Mean and standard deviation of the five test-fold AUCs, and the seconds it took."""
    start = time.perf_counter()
    aucs = []
    last = None
    y = data.y
    for train, test in FOLDS.split(data.frame, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            risk, last = run(data, train, test)
        aucs.append(float(roc_auc_score(y[test], risk)))
    return Measured(
        statistics.fmean(aucs), statistics.stdev(aucs), time.perf_counter() - start, last
    )


def chosen_datasets() -> set[str]:
    wanted = {k.strip() for k in os.environ.get(ONLY_ENV, "").split(",") if k.strip()}
    unknown = wanted - set(DATASETS)
    if unknown:
        raise SystemExit(f"{ONLY_ENV}: unknown {sorted(unknown)}; known: {', '.join(DATASETS)}")
    return wanted or set(DATASETS)


# --------------------------------------------------------------------------------------------
# Batch scoring speed


def _interleaved_best(paths: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    """Each path's best wall time over `rounds` rounds, the paths taking turns within a round:
    on a shared machine the load drifts, and turns spread the drift over every path alike."""
    best = dict.fromkeys(paths, float("inf"))
    for _ in range(rounds):
        for name, fn in paths.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def speed_rows(data: Dataset, result: TrainingResult, section: Section) -> None:
    """Rows per second of raw LightGBM and of `score_file` with and without reasons, on the
    same Parquet file of `data`'s rows repeated."""
    model = result.model
    assert isinstance(model, GBMModel)
    loaded = LoadedGBM("bench", "", model, result.calibrator, Scaling(**GBM_SCALING))
    X = data.frame.drop(columns=[data.target])
    big = pd.concat([X] * (SPEED_ROWS // len(X) + 1), ignore_index=True).iloc[:SPEED_ROWS]
    features = [str(n) for n in model.feature_names_in_]
    booster = model.booster_
    numeric = all(n not in model.categories_ for n in features)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        many, few = folder / "applicants.parquet", folder / "explained.parquet"
        big.to_parquet(many, index=False)
        big.iloc[:EXPLAINED_ROWS].to_parquet(few, index=False)
        matrix = model._encode(big)  # the float matrix LightGBM itself sees
        plain: dict[str, Callable[[], object]] = {
            "raw LightGBM `Booster.predict`, encoded matrix in memory": lambda: booster.predict(
                matrix
            ),
            "`score --no-reasons` (`score_file`, Parquet in and out)": lambda: score_file(
                loaded, many, folder / "out.parquet", reasons=False
            ),
        }
        if numeric:  # a frame of numbers is what LightGBM takes as it is
            plain["raw LightGBM, `read_parquet` + `Booster.predict` on the frame"] = lambda: (
                booster.predict(pd.read_parquet(many)[features])
            )
        explained: dict[str, Callable[[], object]] = {
            "raw LightGBM `Booster.predict(pred_contrib=True)`, matrix in memory": lambda: (
                booster.predict(matrix[:EXPLAINED_ROWS], pred_contrib=True)
            ),
            "`score` with reasons (`score_file`, Parquet in and out)": lambda: score_file(
                loaded, few, folder / "out_reasons.parquet"
            ),
        }
        seconds = _interleaved_best(plain, rounds=3)
        seconds_explained = _interleaved_best(explained, rounds=2)
    label = f"{data.name}, lab GBM of {model.n_estimators_} trees, {len(features)} features"
    for what, s in seconds.items():
        section.rows.append((label, what, "", f"{SPEED_ROWS / s:,.0f}"))
    for what, s in seconds_explained.items():
        section.rows.append((label, what, "", f"{EXPLAINED_ROWS / s:,.0f}"))
    names = list(seconds)
    quiet = seconds[names[1]]
    reference = seconds[names[2]] if numeric else seconds[names[0]]
    contrib, with_reasons = seconds_explained.values()
    section.notes.append(
        f"Batch scoring: `score --no-reasons` at {reference / quiet:.2f}× raw LightGBM reading "
        f"the same file (goal ≥ 0.5×), {seconds[names[0]] / quiet:.2f}× raw `predict` on a "
        f"matrix already in memory; `score` with reasons at {contrib / with_reasons:.2f}× raw "
        f"`pred_contrib`. {SPEED_ROWS:,} rows ({EXPLAINED_ROWS:,} with reasons); the paths "
        "take turns, best of 3 rounds (2 with reasons); LightGBM on all cores."
    )


# --------------------------------------------------------------------------------------------


def run() -> Section:
    section = Section(
        title="Scoring lab: `model train` defaults cross-validated, and batch scoring speed",
        command="python -m bench model_cv",
        lines=[
            "Mean test-fold AUC of `StratifiedKFold(5, shuffle=True, random_state=0)`, ± the "
            "standard deviation over the five folds. `model train` rows call "
            "`scoring.lab.train_model` with defaults on the four training folds as the file "
            "holds them (ids included): it profiles, splits them 60/20/20, chooses its "
            "settings by inner cross-validation, refits on its train + validation part (80% "
            "of the four folds) and is scored once on the outer fold. Plain references are "
            "fitted on all four folds' feature columns. Speed rows: rows per second.",
        ],
        table_header=("dataset", "model / path", "AUC (mean ± sd)", "fit s / rows per s"),
    )
    chosen = chosen_datasets()
    if chosen != set(DATASETS):
        section.notes.append(f"Only {', '.join(sorted(chosen))} measured ({ONLY_ENV}).")
    plain_taiwan = taiwan()
    if plain_taiwan is None:
        section.notes.append(f"Taiwan default skipped: {TAIWAN_CSV} is not present here.")
    datasets = [german()] if "german" in chosen else []
    if plain_taiwan is not None and "taiwan" in chosen:
        datasets.append(plain_taiwan)
    trained: dict[str, TrainingResult | None] = {}
    for data in datasets:
        measured: dict[str, Measured] = {}
        for key, label, fold_run in RUNS:
            m = cross_validate(data, fold_run)
            measured[key] = m
            section.rows.append(
                (data.name, label, f"{m.mean:.3f} ± {m.sd:.3f}", f"{m.seconds:.0f}")
            )
        for ours, theirs in (("scorecard", "optbinning"), ("gbm", "lightgbm")):
            gap = measured[ours].mean - measured[theirs].mean
            noise = max(measured[ours].sd, measured[theirs].sd)
            verdict = "at least equal" if gap >= 0 else "within noise" if -gap <= noise else "below"
            section.notes.append(
                f"{data.name}: `{ours}` minus plain `{theirs}` {gap:+.3f} ({verdict}; "
                f"one fold sd {noise:.3f})."
            )
        trained[data.name] = measured["gbm"].last
    speed_data = plain_taiwan or german()
    result = trained.get(speed_data.name)
    if result is None:  # its quality rows were not asked for: train on its first fold
        train, test = next(iter(FOLDS.split(speed_data.frame, speed_data.y)))
        result = lab("gbm")(speed_data, train, test)[1]
    assert result is not None
    speed_rows(speed_data, result, section)
    return section  # `python -m bench` names its date and machine (`Section.measured`)


if __name__ == "__main__":
    print(run().markdown())
