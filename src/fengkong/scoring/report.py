"""The model report: one self-contained HTML file (inline SVG drawn here, no script, no external
link) a modeler or validator reads beside the artifact: discrimination (ROC, KS), score
distributions by class, calibration, gains, stability (PSI, CSI), the scorecard's bins with
points, and the effect of reject inference when it was used."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fengkong.scoring.export import points_table
from fengkong.scoring.report_html import esc as _esc
from fengkong.scoring.report_html import table as _table
from fengkong.scoring.report_sections import (
    calibration_checks,
    importance_section,
    validation_section,
)

if TYPE_CHECKING:
    from fengkong.scoring.lab_result import SampleScores, TrainingResult

FloatArray = npt.NDArray[np.float64]
Series = tuple[str, str, Sequence[float], Sequence[float]]  # label, colour, xs, ys

WIDTH, HEIGHT, PAD = 440, 300, 44
COLOURS = {"train": "#1f77b4", "validation": "#ff7f0e", "test": "#2ca02c"}

CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0;font-size:.85em}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}.charts{display:flex;flex-wrap:wrap;gap:1em}
figure{margin:0}figcaption{font-size:.85em;color:#555}
"""


def line_chart(
    title: str,
    series: Sequence[Series],
    *,
    x_label: str,
    y_label: str,
    diagonal: bool = False,
) -> str:
    """An inline SVG line chart; axes span the data."""
    xs = [x for s in series for x in s[2]] or [0.0, 1.0]
    ys = [y for s in series for y in s[3]] or [0.0, 1.0]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(0.0, min(ys)), max(ys)
    x1 = x1 if x1 > x0 else x0 + 1
    y1 = y1 if y1 > y0 else y0 + 1

    def px(x: float) -> float:
        return PAD + (x - x0) / (x1 - x0) * (WIDTH - 2 * PAD)

    def py(y: float) -> float:
        return HEIGHT - PAD - (y - y0) / (y1 - y0) * (HEIGHT - 2 * PAD)

    parts = [
        f'<svg width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{_esc(title)}">',
        f'<rect x="{PAD}" y="{PAD}" width="{WIDTH - 2 * PAD}" height="{HEIGHT - 2 * PAD}" '
        'fill="none" stroke="#999"/>',
        f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" font-size="13">{_esc(title)}</text>',
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 8}" text-anchor="middle" font-size="11">'
        f"{_esc(x_label)}</text>",
        f'<text x="12" y="{HEIGHT / 2}" font-size="11" transform="rotate(-90 12 {HEIGHT / 2})" '
        f'text-anchor="middle">{_esc(y_label)}</text>',
    ]
    for value, anchor, x, y in (
        (x0, "start", px(x0), HEIGHT - PAD + 14),
        (x1, "end", px(x1), HEIGHT - PAD + 14),
    ):
        parts.append(
            f'<text x="{x:.1f}" y="{y:.1f}" font-size="10" text-anchor="{anchor}">{value:.3g}</text>'
        )
    for value in (y0, y1):
        parts.append(
            f'<text x="{PAD - 4}" y="{py(value) + 4:.1f}" font-size="10" text-anchor="end">'
            f"{value:.3g}</text>"
        )
    if diagonal:
        parts.append(
            f'<line x1="{px(x0):.1f}" y1="{py(y0):.1f}" x2="{px(x1):.1f}" y2="{py(y1):.1f}" '
            'stroke="#bbb" stroke-dasharray="4 3"/>'
        )
    for i, (label, colour, sx, sy) in enumerate(series):
        points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(sx, sy, strict=True))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.6"/>'
        )
        parts.append(
            f'<text x="{PAD + 6}" y="{PAD + 14 + 13 * i}" font-size="11" fill="{colour}">'
            f"{_esc(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _riskier(sample: SampleScores) -> FloatArray:
    return -sample.points


def roc_points(y: npt.NDArray[np.int64], risk: FloatArray) -> tuple[FloatArray, FloatArray]:
    """False and true positive rates as the cut-off moves from riskiest to safest score."""
    order = np.argsort(-risk, kind="stable")
    values = risk[order]
    bad = y[order]
    last_of_value = np.r_[values[1:] != values[:-1], True]
    tpr = np.r_[0.0, np.cumsum(bad)[last_of_value] / max(bad.sum(), 1)]
    fpr = np.r_[0.0, np.cumsum(1 - bad)[last_of_value] / max((1 - bad).sum(), 1)]
    return fpr, tpr


def _thin(xs: FloatArray, ys: FloatArray, limit: int = 400) -> tuple[list[float], list[float]]:
    if len(xs) > limit:
        pick = np.unique(np.linspace(0, len(xs) - 1, limit).astype(int))
        xs, ys = xs[pick], ys[pick]
    return xs.tolist(), ys.tolist()


def _roc_chart(result: TrainingResult) -> str:
    series = []
    for s in result.samples:
        fpr, tpr = roc_points(s.y, _riskier(s))
        series.append((s.name, COLOURS.get(s.name, "#333"), *_thin(fpr, tpr)))
    return line_chart(
        "ROC",
        series,
        x_label="false positive rate (goods)",
        y_label="true positive rate (bads)",
        diagonal=True,
    )


def _ks_chart(result: TrainingResult) -> str:
    s = result.sample("test")
    values = np.unique(s.points)
    bads = np.searchsorted(np.sort(s.points[s.y == 1]), values, side="right") / max(s.y.sum(), 1)
    goods = np.searchsorted(np.sort(s.points[s.y == 0]), values, side="right") / max(
        (1 - s.y).sum(), 1
    )
    return line_chart(
        "KS (test): cumulative share by score",
        [
            ("bads", "#d62728", *_thin(values, bads)),
            ("goods", "#2ca02c", *_thin(values, goods)),
        ],
        x_label="score (points, higher = lower risk)",
        y_label="cumulative share",
    )


def _distribution_chart(result: TrainingResult) -> str:
    s = result.sample("test")
    edges = np.histogram_bin_edges(s.points, bins=20)
    centres = (edges[:-1] + edges[1:]) / 2
    series = []
    for label, colour, mask in (("bads", "#d62728", s.y == 1), ("goods", "#2ca02c", s.y == 0)):
        counts, _ = np.histogram(s.points[mask], bins=edges)
        series.append((label, colour, centres.tolist(), (counts / max(mask.sum(), 1)).tolist()))
    return line_chart(
        "score distribution by class (test)",
        series,
        x_label="score (points, higher = lower risk)",
        y_label="share of class",
    )


def _calibration_chart(result: TrainingResult) -> str:
    series = []
    for name in ("validation", "test"):
        rows = result.metrics[name].get("reliability") or result.metrics[name]["calibration"]
        series.append(
            (
                name,
                COLOURS[name],
                [r["mean_pd"] for r in rows],
                [r["observed_rate"] for r in rows],
            )
        )
    # The perfect-calibration line observed = predicted, drawn as data so it stays the identity
    # whatever ranges the axes take.
    top = max([v for _, _, xs, ys in series for v in (*xs, *ys)] or [1.0])
    series.append(("observed = predicted", "#999", [0.0, top], [0.0, top]))
    return line_chart(
        "reliability: observed vs predicted PD",
        series,
        x_label="mean predicted PD",
        y_label="observed default rate",
    )


def _summary(result: TrainingResult) -> str:
    keys = ("n", "bad_rate", "auc", "gini", "ks", "brier", "ece", "top_decile_lift")
    rows = []
    for s in result.samples:
        m = result.metrics[s.name]
        ci = m.get("auc_ci")
        interval = f"{ci['low']:.4f} – {ci['high']:.4f}" if ci else ""
        rows.append(
            [s.name, *(m.get(k, "") for k in keys[:3]), interval, *(m.get(k, "") for k in keys[3:])]
        )
    headers = ["sample", *keys[:3], "AUC 95% CI", *keys[3:]]
    return _table(headers, rows) + _bootstrap_note(result) + _gap(result)


def _bootstrap_note(result: TrainingResult) -> str:
    ci = result.metrics.get("test", {}).get("auc_ci")
    if not ci:
        return ""
    return (
        f"<p>AUC interval: {ci['level']:.0%} percentile bootstrap, {ci['n_resamples']:,} "
        f"resamples of each sample's rows, seed {ci['seed']}. The train sample is scored by the "
        "final model, which has seen it; validation by the model fitted on train only; test "
        "by the final model, once.</p>"
    )


def _gap(result: TrainingResult) -> str:
    gap = result.metrics.get("gap")
    if not gap:
        return ""
    return (
        f"<p>AUC gap train − validation: <b>{gap['train_validation_auc']:.4f}</b>; "
        f"train − test: <b>{gap['train_test_auc']:.4f}</b>.</p>"
    )


def _gains(result: TrainingResult) -> str:
    rows = result.metrics["test"]["gains"]
    keys = (
        "band",
        "score_low",
        "score_high",
        "count",
        "bads",
        "bad_rate",
        "cum_bads_captured",
        "lift",
        "cum_lift",
    )
    return _table(keys, [[r[k] for k in keys] for r in rows])


def _stability(result: TrainingResult) -> str:
    st = result.stability
    parts = [f"<p>PSI of the score, train vs test: <b>{st.psi_train_test:.4f}</b></p>"]
    if st.psi_by_period:
        parts.append("<h3>PSI by period (against train)</h3>")
        parts.append(_table(["period", "rows", "PSI"], st.psi_by_period))
    parts.append("<h3>CSI by feature (train vs test)</h3>")
    parts.append(_table(["feature", "CSI"], st.csi))
    return "".join(parts)


def _bins(result: TrainingResult) -> str:
    sc = result.scorecard
    if sc is None:
        return "<p>A gradient-boosting model has no bins; reasons come from its contributions.</p>"
    keys = ("feature", "bin", "count", "event_rate", "woe", "points")
    return _table(keys, [[r[k] for k in keys] for r in points_table(sc)])


def _profile(result: TrainingResult) -> str:
    if result.profile is None:
        return "<p>No data profile: the features were named by the configuration.</p>"
    from fengkong.scoring.profile import profile_rows

    keys = (
        "column",
        "type",
        "missing",
        "distinct",
        "sentinels",
        "order",
        "iv",
        "auc",
        "verdict",
        "reason",
    )
    rows = [[r[k] if r[k] is not None else "" for k in keys] for r in profile_rows(result.profile)]
    p = result.profile
    return (
        f"<p>{p.rows:,} rows, bad rate {p.bad_rate:.4f}; only columns whose verdict is "
        "<b>feature</b> were offered to the model.</p>" + _table(keys, rows)
    )


def _settings(result: TrainingResult) -> str:
    """The settings the model was fitted with and the reasons' floor, as recorded."""
    import json

    model = result.params.get("model", {})
    rows = [[k, json.dumps(v, ensure_ascii=False)] for k, v in sorted(model.items())]
    reasons = result.params.get("reasons")
    if reasons is not None:
        rows.append(["reasons", json.dumps(reasons)])
    return _table(["setting", "value"], rows)


def _reject(result: TrainingResult) -> str:
    if result.reject is None:
        return "<p>Not used: no declined applications were supplied.</p>"
    return _table(["measure", "value"], list(result.reject.as_dict().items()))


def render_html(result: TrainingResult, *, title: str) -> str:
    sections = [
        ("summary", "Summary", _summary(result)),
        ("validation", "Validation: split, chosen settings and refit", validation_section(result)),
        ("profile", "Data profile: columns and verdicts", _profile(result)),
        (
            "discrimination",
            "ROC and KS",
            f'<div class="charts"><figure>{_roc_chart(result)}</figure>'
            f"<figure>{_ks_chart(result)}</figure></div>",
        ),
        ("distribution", "Score distribution by class", _distribution_chart(result)),
        (
            "calibration",
            "Calibration: reliability, ECE and Hosmer–Lemeshow",
            _calibration_chart(result) + calibration_checks(result),
        ),
        ("importance", "Feature importance", importance_section(result)),
        ("gains", "Gains and lift by decile (test)", _gains(result)),
        ("stability", "Stability: PSI and CSI", _stability(result)),
        ("bins", "Bins and points", _bins(result)),
        ("settings", "Settings (recorded with the model)", _settings(result)),
        ("reject-inference", "Reject inference", _reject(result)),
    ]
    split = result.split
    windows = "".join(f"<li>{_esc(n)}: {_esc(a)} … {_esc(b)}</li>" for n, a, b in split.windows)
    body = "".join(f'<section id="{sid}"><h2>{_esc(h)}</h2>{c}</section>' for sid, h, c in sections)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{_esc(title)} model report</title><style>{CSS}</style></head><body>"
        f"<h1>Model report: {_esc(title)} ({_esc(result.kind)})</h1>"
        f"<p>Split: {_esc(split.method)}; features used: {_esc(', '.join(result.features))}; "
        f"PD calibration: {_esc(result.calibrator.method)}.</p><ul>{windows}</ul>"
        f"{body}</body></html>"
    )


def write_html(path: Path, result: TrainingResult, *, title: str = "model") -> Path:
    """Write the report to `path` (one file, nothing fetched from elsewhere)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result, title=title), encoding="utf-8")
    return path
