"""Scoring speed: one application at a time (online) and vectorized batches, for the WOE
scorecard and the LightGBM challenger, beside LightGBM's own raw `predict` as the floor."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pandas as pd
import polars as pl

from bench.harness import Section, summary_us, time_calls
from fengkong.demo import german_credit
from fengkong.scoring.calibration import Calibrator
from fengkong.scoring.gbm import GBMModel
from fengkong.scoring.registry import LoadedGBM
from fengkong.scoring.train import binary_target, train_scorecard

BATCH_ROWS = 1_000_000
EXPLAINED_ROWS = 20_000  # batches with per-feature contributions (TreeSHAP) are far slower
GBM_BATCH_ROWS = 200_000


def run() -> Section:
    data = german_credit()
    y = binary_target(data["creditability"])
    X = data.drop(columns="creditability")
    scorecard = train_scorecard(data, "creditability").model.scorecard_
    model = GBMModel(n_estimators=300).fit(X, y)
    calibrator = Calibrator("platt").fit(model.decision_function(X), y)
    gbm = LoadedGBM("bench-gbm", "", model, calibrator, scorecard.scaling)
    rows = X.to_dict("records")
    big = pd.concat([X] * (BATCH_ROWS // len(X)), ignore_index=True)
    explained = big.iloc[:EXPLAINED_ROWS]
    gbm_big = big.iloc[:GBM_BATCH_ROWS]

    section = Section(
        title="Scoring: online latency and batch throughput",
        command="python -m bench scoring",
        lines=[
            f"German credit scorecard ({len(scorecard.features)} characteristics) and LightGBM "
            f"({model.n_estimators_} trees, 8 leaves); scorecard batches over {len(big):,} rows, "
            f"LightGBM batches over {GBM_BATCH_ROWS:,} ({EXPLAINED_ROWS:,} where every row "
            "gets its per-feature contributions).",
        ],
        table_header=("what", "p50 µs", "p99 µs", "mean µs", "batch rows/s"),
    )
    no_batch = "–"

    # Scorecard. Batch inputs: the same 1 M rows as numpy object arrays (what
    # `DataFrame.to_numpy` gives for text), as pandas category columns, and as Polars columns.
    i = _cycle(len(rows))
    online = time_calls(lambda: scorecard.score(rows[next(i)]), 5000)
    objects = {n: big[n].to_numpy() for n in scorecard.features}
    section.rows.append(
        (
            "scorecard `Scorecard.score` / `score_batch` (numpy object columns)",
            *summary_us(online),
            _rows_per_second(lambda: scorecard.score_batch(objects), len(big)),
        )
    )
    text = [n for n in scorecard.features if not pd.api.types.is_numeric_dtype(big[n])]
    categories = {n: big[n].astype("category") if n in text else big[n] for n in scorecard.features}
    section.rows.append(
        (
            "scorecard `score_batch` (pandas category columns)",
            no_batch,
            no_batch,
            no_batch,
            _rows_per_second(lambda: scorecard.score_batch(categories), len(big)),
        )
    )
    strings = {n: big[n] for n in scorecard.features}
    section.rows.append(
        (
            "scorecard `score_batch` (pandas Arrow string columns, as read)",
            no_batch,
            no_batch,
            no_batch,
            _rows_per_second(lambda: scorecard.score_batch(strings), len(big)),
        )
    )
    frame = pl.from_pandas(big[list(scorecard.features)])
    polars_columns = {n: frame[n] for n in scorecard.features}
    section.rows.append(
        (
            "scorecard `score_batch` (Polars String columns)",
            no_batch,
            no_batch,
            no_batch,
            _rows_per_second(lambda: scorecard.score_batch(polars_columns), len(big)),
        )
    )
    polars_categorical = {
        n: frame[n].cast(pl.Categorical) if n in text else frame[n] for n in scorecard.features
    }
    section.rows.append(
        (
            "scorecard `score_batch` (Polars Categorical columns)",
            no_batch,
            no_batch,
            no_batch,
            _rows_per_second(lambda: scorecard.score_batch(polars_categorical), len(big)),
        )
    )

    # LightGBM: the served path with PD and reasons, the estimator, and the raw booster.
    j = _cycle(len(rows))
    served = time_calls(lambda: gbm.score(rows[next(j)]), 3000)
    section.rows.append(
        (
            "LightGBM served, with PD and reasons: `LoadedGBM.score` / `score_frame`",
            *summary_us(served),
            _rows_per_second(lambda: gbm.score_frame(explained), len(explained)),
        )
    )
    frames = [X.iloc[[k]] for k in range(len(X))]
    k = _cycle(len(frames))
    estimator = time_calls(lambda: model.predict_proba(frames[next(k)]), 1000)
    section.rows.append(
        (
            "LightGBM via `GBMModel.predict_proba` (one-row DataFrame / batch)",
            *summary_us(estimator),
            _rows_per_second(lambda: model.predict_proba(gbm_big), len(gbm_big)),
        )
    )
    encoded = model._encode(gbm_big)  # the same float matrix LightGBM itself sees
    one_row = [encoded[r : r + 1] for r in range(len(X))]
    m = _cycle(len(one_row))
    booster = model.booster_
    contrib = time_calls(
        lambda: booster.predict(one_row[next(m)], pred_contrib=True, num_threads=1), 3000
    )
    section.rows.append(
        (
            "floor: raw `Booster.predict(pred_contrib=True)` on encoded rows",
            *summary_us(contrib),
            _rows_per_second(
                lambda: booster.predict(encoded[:EXPLAINED_ROWS], pred_contrib=True),
                EXPLAINED_ROWS,
            ),
        )
    )
    raw = time_calls(lambda: booster.predict(one_row[next(m)], num_threads=1), 3000)
    section.rows.append(
        (
            "floor: raw `Booster.predict` (PD only, no explanation)",
            *summary_us(raw),
            _rows_per_second(lambda: booster.predict(encoded), len(encoded)),
        )
    )
    section.notes += [
        "Online = one application per call, after warm-up; batch = one vectorized call, best "
        "of 3. Single-row LightGBM calls run on one thread; batch calls use all cores.",
        "`LoadedGBM.score` encodes the row straight to LightGBM's float matrix (no DataFrame) "
        "and asks for TreeSHAP contributions, which the reasons need: its floor is the "
        "`pred_contrib` row, not the plain `predict` row. Its result equals `score_frame`'s "
        "bit for bit (tests/scoring/test_gbm_fast_path_equals_batch.py).",
        "The scorecard's input form matters for batch speed: category columns (pandas or "
        "Polars) look up only their few distinct values; object and string columns hash every "
        "value. The numbers are identical whatever the form "
        "(tests/scoring/test_scorecard_batch_any_column_kind.py).",
    ]
    return section


def _cycle(n: int) -> Iterator[int]:
    return iter(r % n for r in range(10**9))


def _rows_per_second(fn: Callable[[], object], n: int, repeats: int = 3) -> str:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return f"{n / best:,.0f}"


if __name__ == "__main__":
    print(run().markdown())
