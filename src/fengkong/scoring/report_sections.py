"""Sections of the model report (`scoring.report`) on how the model was validated: the split,
the settings chosen and the refit, the calibration checks (ECE, Hosmer–Lemeshow) and a GBM's
feature importance (gain and mean |SHAP|) with a bar chart drawn as inline SVG."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fengkong.scoring.report_html import esc as _esc
from fengkong.scoring.report_html import table as _table

if TYPE_CHECKING:
    from fengkong.scoring.lab_result import TrainingResult

BAR_WIDTH, BAR_ROW, BAR_LABEL = 440, 16, 150
LABEL_CHARS = 26  # a longer feature name is cut (the full name shows on hover and in the table)


def bar_chart(title: str, labels: Sequence[str], values: Sequence[float]) -> str:
    """An inline SVG of horizontal bars, one per label, scaled to the largest value."""
    top = max([*values, 0.0]) or 1.0
    height = 24 + BAR_ROW * len(labels)
    span = BAR_WIDTH - BAR_LABEL - 60
    parts = [
        f'<svg width="{BAR_WIDTH}" height="{height}" role="img" aria-label="{_esc(title)}">',
        f'<text x="{BAR_WIDTH / 2}" y="14" text-anchor="middle" font-size="13">{_esc(title)}'
        "</text>",
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 22 + BAR_ROW * i
        width = max(value, 0.0) / top * span
        short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
        parts.append(
            f'<text x="{BAR_LABEL - 4}" y="{y + 11}" font-size="10" text-anchor="end">'
            f"<title>{_esc(label)}</title>{_esc(short)}</text>"
            f'<rect x="{BAR_LABEL}" y="{y + 2}" width="{width:.1f}" height="{BAR_ROW - 4}" '
            'fill="#1f77b4"/>'
            f'<text x="{BAR_LABEL + width + 4:.1f}" y="{y + 11}" font-size="10">{value:.4g}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def validation_section(result: TrainingResult) -> str:
    """How the rows were split, each sample's size and bad rate, and what was chosen how."""
    v: dict[str, Any] = result.params.get("validation") or {}
    if not v:
        return "<p>Not recorded: this model was trained before the split was stated.</p>"
    rows = [[name, s["rows"], s["bads"], s["bad_rate"]] for name, s in v.get("samples", {}).items()]
    parts = [
        f"<p>Split: {_esc(v.get('how', v.get('method', '')))}.</p>",
        _table(["sample", "rows", "bads", "bad rate"], rows),
        f"<p>Settings chosen by {_esc(v.get('chosen_on', ''))} ({v.get('inner_folds', '')} "
        f"folds); the final model refitted on {_esc(v.get('refit_on', ''))} with them; the test "
        "sample decided nothing.</p>",
    ]
    best = v.get("best_params") or {}
    if best:
        parts.append(f"<p>Winner: <code>{_esc(json.dumps(best))}</code></p>")
    shares = v.get("bin_shares_tried") or []
    if shares:
        parts.append(
            f"<p>Minimum bin share chosen: <b>{v.get('min_bin_size')}</b> of the applicants, "
            "each share tried with the whole grid on the same inner folds:</p>"
        )
        parts.append(
            _table(
                ["min bin share", "best inner AUC"],
                [[r["min_bin_size"], r["inner_auc"]] for r in shares],
            )
        )
    search = v.get("search_results") or []
    if search:
        keys = sorted(search[0]["params"])
        table_rows = [
            [*(r["params"][k] for k in keys), r["auc"], r.get("n_estimators", "")] for r in search
        ]
        parts.append(_table([*keys, "inner AUC", "trees"], table_rows))
    if "trees_chosen" in v:
        parts.append(
            f"<p>Trees: {v['trees_chosen']} chosen by early stopping on the inner folds, "
            f"{v['trees_refit']} in the final model ({_esc(v['tree_scaling'])}).</p>"
        )
        rule = v.get("size_rule") or {}
        parts.append("<h3>Regularisation for the file's size</h3>")
        parts.append(_table(["setting", "value"], sorted(rule.items())))
        lgb = v.get("lightgbm") or {}
        parts.append("<h3>LightGBM parameters of the final model</h3>")
        parts.append(
            _table(["parameter", "value"], [[k, json.dumps(x)] for k, x in sorted(lgb.items())])
        )
    return "".join(parts)


def calibration_checks(result: TrainingResult) -> str:
    """ECE and the Hosmer–Lemeshow test of each sample's PDs."""
    rows = []
    for s in result.samples:
        m = result.metrics[s.name]
        hl = m.get("hosmer_lemeshow") or {}
        rows.append(
            [
                s.name,
                m.get("ece", ""),
                hl.get("statistic", ""),
                hl.get("dof", ""),
                hl.get("p_value", ""),
                m.get("brier", ""),
            ]
        )
    return (
        _table(["sample", "ECE", "HL statistic", "HL dof", "HL p-value", "Brier"], rows)
        + "<p>ECE: the row-weighted mean gap between observed default rate and mean PD over "
        "ten equal-width PD bins. Hosmer–Lemeshow: ten equal-count PD groups, chi-square with "
        "groups − 2 degrees of freedom; a p-value under 0.05 says the PDs do not fit.</p>"
    )


def importance_section(result: TrainingResult) -> str:
    """A GBM's features by mean |SHAP| over the training sample, with their gain."""
    rows: list[dict[str, Any]] = result.metrics.get("importance") or []
    if not rows:
        return "<p>A scorecard's weight per feature is in its points (see the bins).</p>"
    shown = rows[:25]
    labels = [r["feature"] for r in shown]
    return (
        '<div class="charts"><figure>'
        + bar_chart("mean |SHAP| (log-odds)", labels, [r["mean_abs_shap"] for r in shown])
        + "</figure><figure>"
        + bar_chart("share of split gain", labels, [r["gain_share"] for r in shown])
        + "</figure></div>"
        + _table(
            ["feature", "mean |SHAP|", "gain", "gain share"],
            [[r["feature"], r["mean_abs_shap"], r["gain"], r["gain_share"]] for r in rows],
        )
    )
