"""Model and policy monitoring for early warning: the drift and fairness reports' breaches
(`scoring.drift`, `scoring.fairness`) as signals that open alerts like the portfolio rules'.

On a date `on`, for each watched model (the configured versions, else every model that decided
in the window), the two reports are made over the decisions of the `window_days` business dates
ending on `on`, by month, exactly as `fengkong report drift|fairness --model M --from F --to on`
makes them, and these findings are signals:

| rule | finding | severity |
| --- | --- | --- |
| `model_score_psi_breach` | the window's score PSI above `psi_breach` | critical |
| `model_feature_csi_breach` | a feature's CSI above `psi_breach` | critical |
| `model_approval_drift` | the approval rate of `on`'s month beyond ± `approval_drift` from the reference month | warning |
| `model_override_drift` | the officers' approval rate of referrals, the same | warning |
| `model_adverse_impact_below_floor` | a judged group's adverse-impact ratio below `air_floor` | critical |

PSI, CSI and the drifts are judged only over at least `min_decisions` scored decisions (the
window's for PSI and CSI, `on`'s month's for the drifts): a handful of decisions moves them
by chance. Fairness judges only groups of `min_group` settled decisions already.

A signal's dimension is `model`; its segment names the model and what the finding is about
(`application-v1`, `application-v1 duration_in_month`,
`application-v1 policy-v3 sex female`), so each stays one alert in force while it lasts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Protocol

from fengkong.core.errors import NotFound
from fengkong.core.filters import DateRange
from fengkong.scoring.drift import DriftReport, drift_report
from fengkong.scoring.fairness import fairness_report
from fengkong.scoring.monitored import (
    Decrypter,
    Finding,
    MonitoredDecision,
    MonitoringLimits,
    MonitoringReads,
    ReportWindow,
    period_of,
    report_window,
)
from fengkong.scoring.registry import ModelVersion

DIMENSION = "model"
# finding kind → (rule id, metric, alert severity); only these findings raise alerts.
MODEL_RULES: Mapping[str, tuple[str, str, str]] = {
    "psi": ("model_score_psi_breach", "score_psi", "critical"),
    "csi": ("model_feature_csi_breach", "feature_csi", "critical"),
    "approval_drift": ("model_approval_drift", "approval_drift", "warning"),
    "override_drift": ("model_override_drift", "override_drift", "warning"),
    "adverse_impact": ("model_adverse_impact_below_floor", "adverse_impact_ratio", "critical"),
}
MODEL_RULE_IDS: frozenset[str] = frozenset(rule for rule, _, _ in MODEL_RULES.values())
SEGMENT_MAX = 80  # the alerts table's segment column


class WatchReads(MonitoringReads, Protocol):
    """The model reports' reads, and which models decided over some business dates."""

    def decided_models(self, days: DateRange) -> list[str]:
        """The model versions of the decisions made on business dates in `days`, sorted."""
        ...


@dataclass(frozen=True, slots=True)
class ModelWatch:
    """What the model checks read and judge: `models` None watches every model that decided
    in the window; `()` watches none."""

    reads: WatchReads
    vault: Decrypter
    models: tuple[str, ...] | None = None
    limits: MonitoringLimits = field(default_factory=MonitoringLimits)
    window_days: int = 90
    min_decisions: int = 30  # scored decisions before PSI, CSI and drifts are judged


@dataclass(frozen=True, slots=True)
class ModelSignal:
    """A drift or fairness breach of one model on one date, as early warning keeps it: the
    finding's value against its limit."""

    rule_id: str
    metric: str
    severity: str
    segment: str
    description: str
    on: date
    value: Decimal
    baseline: Decimal
    kind: str = "model"
    dimension: str = DIMENSION

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule_id, self.dimension, self.segment)


class _Once:
    """The reads, each model's decisions read once for both reports."""

    def __init__(self, reads: WatchReads) -> None:
        self._reads = reads
        self._seen: dict[tuple[str, DateRange], list[MonitoredDecision]] = {}

    def model(self, version: str) -> ModelVersion | None:
        return self._reads.model(version)

    def decisions(self, model_version: str, days: DateRange) -> list[MonitoredDecision]:
        key = (model_version, days)
        if key not in self._seen:
            self._seen[key] = self._reads.decisions(model_version, days)
        return self._seen[key]


def watch_window(watch: ModelWatch, on: date) -> ReportWindow:
    """The business dates the checks of `on` read: `window_days` ending on `on`, by month."""
    return report_window(on - timedelta(days=watch.window_days - 1), on, "month", on)


def _decimal(value: float | None) -> Decimal:
    return Decimal(0) if value is None else Decimal(repr(round(value, 6)))


def _signal(model: str, finding: Finding, on: date) -> ModelSignal | None:
    rule = MODEL_RULES.get(finding.kind)
    if rule is None or finding.value is None:
        return None
    rule_id, metric, severity = rule
    whole = finding.kind in ("psi", "approval_drift", "override_drift")
    segment = model if whole else f"{model} {finding.subject}"
    return ModelSignal(
        rule_id=rule_id,
        metric=metric,
        severity=severity,
        segment=segment[:SEGMENT_MAX],
        description=f"{model}: {finding.message}"[:400],
        on=on,
        value=_decimal(finding.value),
        baseline=_decimal(finding.limit),
    )


def _counted(finding: Finding, drift: DriftReport, month: str, least: int) -> bool:
    """Whether a finding is a breach the alerts watch: the window's PSI and the features' CSI
    beyond the breach limit, drifts of `on`'s own month, over at least `least` scored
    decisions; every adverse-impact finding."""
    if finding.kind in ("psi", "csi"):
        scored = sum(p.scored for p in drift.periods)
        subject = finding.kind == "csi" or finding.subject == "window"
        return subject and finding.severity == "breach" and scored >= least
    if finding.kind in ("approval_drift", "override_drift"):
        current = next((p for p in drift.periods if p.period == month), None)
        return finding.subject == month and current is not None and current.scored >= least
    return finding.kind == "adverse_impact"


def watched_models(watch: ModelWatch, window: ReportWindow) -> tuple[str, ...]:
    if watch.models is not None:
        return watch.models
    return tuple(watch.reads.decided_models(DateRange(window.start, window.end)))


def model_signals(watch: ModelWatch, on: date) -> tuple[ModelSignal, ...]:
    """Every watched model's drift and fairness breaches on `on` (see the module's docstring).
    A configured model that is not registered is skipped: nothing known, nothing fires."""
    window = watch_window(watch, on)
    reads = _Once(watch.reads)
    month = period_of(on, "month")
    signals: list[ModelSignal] = []
    for model in watched_models(watch, window):
        try:
            drift = drift_report(reads, model, window, as_of=on, limits=watch.limits)
            fairness = fairness_report(
                reads, watch.vault, model, window, as_of=on, limits=watch.limits
            )
        except NotFound:
            continue
        findings: Iterable[Finding] = (*drift.findings, *fairness.findings)
        signals.extend(
            s
            for f in findings
            if _counted(f, drift, month, watch.min_decisions)
            and (s := _signal(drift.model_version, f, on)) is not None
        )
    return _unique(signals)


def _unique(signals: Sequence[ModelSignal]) -> tuple[ModelSignal, ...]:
    """One signal per key (a segment cut to its column's length could repeat one)."""
    seen: dict[tuple[str, str, str], ModelSignal] = {}
    for s in signals:
        seen.setdefault(s.key, s)
    return tuple(seen.values())
