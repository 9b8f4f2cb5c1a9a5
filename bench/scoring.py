"""Scoring speed: one application at a time (online) and vectorized batches, for the WOE
scorecard and the LightGBM challenger, beside LightGBM's own raw `predict` as the floor."""

from __future__ import annotations

import time

import pandas as pd

from bench.harness import Section, summary_us, time_calls
from fengkong.demo import german_credit
from fengkong.scoring.gbm import GBMModel
from fengkong.scoring.train import binary_target, train_scorecard

BATCH_ROWS = 1_000_000


def run() -> Section:
    data = german_credit()
    y = binary_target(data["creditability"])
    X = data.drop(columns="creditability")
    scorecard = train_scorecard(data, "creditability").model.scorecard_
    gbm = GBMModel(n_estimators=300).fit(X, y)
    rows = X.to_dict("records")
    big = pd.concat([X] * (BATCH_ROWS // len(X)), ignore_index=True)
    columns = {n: big[n].to_numpy() for n in scorecard.features}

    section = Section(
        title="Scoring: online latency and batch throughput",
        command="python -m bench scoring",
        lines=[
            f"German credit scorecard ({len(scorecard.features)} characteristics) and LightGBM "
            f"({gbm.n_estimators_} trees, 8 leaves); batch over {len(big):,} rows.",
        ],
        table_header=("what", "p50 µs", "p99 µs", "mean µs", "batch rows/s"),
    )
    i = iter(range(10**9))
    online = time_calls(lambda: scorecard.score(rows[next(i) % len(rows)]), 5000)
    batch = _rows_per_second(lambda: scorecard.score_batch(columns), len(big))
    section.rows.append(
        ("scorecard (`Scorecard.score` / `score_batch`)", *summary_us(online), batch)
    )

    frames = [X.iloc[[k]] for k in range(len(X))]
    j = iter(range(10**9))
    gbm_online = time_calls(lambda: gbm.predict_proba(frames[next(j) % len(frames)]), 1000)
    gbm_batch = _rows_per_second(lambda: gbm.predict_proba(big), len(big))
    section.rows.append(
        ("LightGBM via `GBMModel.predict_proba`", *summary_us(gbm_online), gbm_batch)
    )

    encoded = gbm._check_scoring_frame(big)  # the same encoded matrix LightGBM itself sees
    if encoded is not None:
        raw_rows = [encoded[k : k + 1] for k in range(len(X))]
        m = iter(range(10**9))
        raw_online = time_calls(
            lambda: gbm.booster_.predict(raw_rows[next(m) % len(raw_rows)]), 1000
        )
        raw_batch = _rows_per_second(lambda: gbm.booster_.predict(encoded), len(big))
        section.rows.append(
            ("LightGBM raw `Booster.predict` (floor)", *summary_us(raw_online), raw_batch)
        )
    section.notes.append(
        "Online = one application per call, after warm-up; batch = one vectorized call, best of 3."
    )
    return section


def _rows_per_second(fn: object, n: int) -> str:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return f"{n / best:,.0f}"


if __name__ == "__main__":
    print(run().markdown())
