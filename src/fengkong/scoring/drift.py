"""The drift report of a model: how its decisions have moved away from its training baseline
and from their own start.

- score PSI per period (day or month) and over the window, against the training sample's
  score bins (`scoring.baseline`), with the window's score distribution bin by bin;
- CSI per model feature over the window, the decisions' stored features against the
  training sample's;
- approval rate per period (the policy's word, or the officer's on a referral) and its drift
  from a reference period (the first with decisions, unless one is named);
- referrals and the officers' word on them: the share of settled referrals officers approved
  (an override of the policy's hold) and its drift from the reference period;
- realised AUC and KS of the score by vintage (booking month) over matured loans, against the
  model's AUC on its test sample.

Whatever is outside `MonitoringLimits` is a `Finding` with a severity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import groupby

from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.core.filters import DateRange
from fengkong.scoring.baseline import Baseline, against, baseline_from_metrics, index_of
from fengkong.scoring.monitored import (
    APPROVE,
    DECLINE,
    REFER,
    Finding,
    MonitoredDecision,
    MonitoringLimits,
    MonitoringReads,
    Realised,
    ReportWindow,
    period_of,
    rate,
    realised,
)
from fengkong.scoring.registry import ModelVersion
from fengkong.scoring.stability import StabilityRow


@dataclass(frozen=True, slots=True)
class PeriodDrift:
    """One day or month of decisions. Rates are over settled decisions (approved or declined,
    by the policy or an officer); drifts are differences from the reference period's rate."""

    period: str
    decisions: int
    scored: int
    mean_score: float | None
    psi: float | None
    approval_rate: float | None
    automatic_approval_rate: float | None  # the policy's approvals over its decisions
    referrals: int
    officer_approved: int
    officer_declined: int
    officer_approval_rate: float | None  # of the referrals officers have settled
    approval_drift: float | None
    override_drift: float | None


@dataclass(frozen=True, slots=True)
class FeatureDrift:
    feature: str
    csi: float
    bins: tuple[StabilityRow, ...]


@dataclass(frozen=True, slots=True)
class VintagePerformance:
    """The loans booked in one month from the window's decisions; performance over those on
    book at least `mature_months`."""

    vintage: str
    loans: int
    matured: Realised


@dataclass(frozen=True, slots=True)
class DriftReport:
    model_version: str
    model_name: str
    window: ReportWindow
    as_of: date
    limits: MonitoringLimits
    baseline_sample: str | None
    decisions: int
    psi: float | None
    score_distribution: tuple[StabilityRow, ...]
    reference_period: str | None
    periods: tuple[PeriodDrift, ...]
    features: tuple[FeatureDrift, ...]  # largest CSI first
    training_auc: float | None
    vintages: tuple[VintagePerformance, ...]
    findings: tuple[Finding, ...]


def registered_model(reads: MonitoringReads, version: str) -> ModelVersion:
    if not version.strip():
        raise Invalid((FieldError(("model",), "name a model version, e.g. application-v1"),))
    model = reads.model(version.strip())
    if model is None:
        raise NotFound(f"no model version {version.strip()!r}")
    return model


def periods_of(window: ReportWindow) -> list[str]:
    """Every period of the window, in order, whether it has decisions or not."""
    keys: list[str] = []
    day = window.start
    while day <= window.end:
        key = period_of(day, window.by)
        if not keys or keys[-1] != key:
            keys.append(key)
        day += timedelta(days=1)
    return keys


def _severity(value: float, limits: MonitoringLimits) -> str | None:
    if value > limits.psi_breach:
        return "breach"
    if value > limits.psi_warning:
        return "warning"
    return None


def _psi(baseline: Baseline | None, decisions: Sequence[MonitoredDecision]) -> float | None:
    scores = [d.score for d in decisions if d.score is not None]
    if baseline is None or not scores:
        return None
    return index_of(against(baseline.score, scores))


def _period(
    key: str, decisions: Sequence[MonitoredDecision], baseline: Baseline | None
) -> PeriodDrift:
    scored = [d.score for d in decisions if d.score is not None]
    settled = [d for d in decisions if d.settled]
    referrals = [d for d in decisions if d.outcome == REFER]
    officer_approved = sum(1 for d in referrals if d.officer_outcome == APPROVE)
    officer_declined = sum(1 for d in referrals if d.officer_outcome == DECLINE)
    automatic = [d for d in decisions if d.outcome in (APPROVE, DECLINE, REFER)]
    return PeriodDrift(
        period=key,
        decisions=len(decisions),
        scored=len(scored),
        mean_score=sum(scored) / len(scored) if scored else None,
        psi=_psi(baseline, decisions),
        approval_rate=rate(sum(1 for d in settled if d.approved), len(settled)),
        automatic_approval_rate=rate(
            sum(1 for d in automatic if d.outcome == APPROVE), len(automatic)
        ),
        referrals=len(referrals),
        officer_approved=officer_approved,
        officer_declined=officer_declined,
        officer_approval_rate=rate(officer_approved, officer_approved + officer_declined),
        approval_drift=None,
        override_drift=None,
    )


def _drifted(
    periods: list[PeriodDrift], reference: str | None
) -> tuple[list[PeriodDrift], str | None]:
    """Each period's approval and override rates less the reference period's."""
    keys = [p.period for p in periods]
    if reference is not None and reference not in keys:
        raise Invalid(
            (
                FieldError(
                    ("reference",),
                    f"{reference!r} is not a period of the report",
                    "enum",
                    tuple(keys),
                ),
            )
        )
    chosen = reference or next((p.period for p in periods if p.approval_rate is not None), None)
    if chosen is None:
        return periods, None
    ref = periods[keys.index(chosen)]

    def less(value: float | None, base: float | None) -> float | None:
        return None if value is None or base is None else value - base

    out = [
        replace(
            p,
            approval_drift=less(p.approval_rate, ref.approval_rate),
            override_drift=less(p.officer_approval_rate, ref.officer_approval_rate),
        )
        for p in periods
    ]
    return out, chosen


def _features(
    model: ModelVersion, baseline: Baseline | None, decisions: Sequence[MonitoredDecision]
) -> list[FeatureDrift]:
    scored = [d for d in decisions if d.score is not None]
    if baseline is None or not scored:
        return []
    found = []
    for name in model.features:
        bins = baseline.features.get(name)
        if bins is None:
            continue
        rows = against(bins, [d.features.get(name) for d in scored])
        found.append(FeatureDrift(name, index_of(rows), rows))
    return sorted(found, key=lambda f: (-f.csi, f.feature))


def _vintages(
    decisions: Sequence[MonitoredDecision], as_of: date, limits: MonitoringLimits
) -> list[VintagePerformance]:
    booked = sorted(
        (d for d in decisions if d.loan is not None),
        key=lambda d: d.loan.booked_on,  # type: ignore[union-attr]
    )
    return [
        VintagePerformance(month, len(group), realised(group, as_of, limits.mature_months))
        for month, items in groupby(booked, key=lambda d: d.loan.booked_on.strftime("%Y-%m"))  # type: ignore[union-attr]
        for group in (list(items),)
    ]


def _findings(report: DriftReport) -> list[Finding]:
    limits = report.limits
    found: list[Finding] = []
    if report.baseline_sample is None:
        found.append(
            Finding("baseline", "warning", report.model_version, None, None,
                    "the model was registered without a training baseline: PSI and CSI cannot be "
                    "computed; register it again from its training to keep one")
        )  # fmt: skip
    if report.decisions == 0:
        found.append(
            Finding("decisions", "info", report.model_version, 0, None,
                    "no decisions of this model in the window")
        )  # fmt: skip
    psis = [("window", report.psi), *((p.period, p.psi) for p in report.periods)]
    for subject, value in psis:
        if value is not None and (level := _severity(value, limits)):
            limit = limits.psi_breach if level == "breach" else limits.psi_warning
            found.append(Finding("psi", level, subject, value, limit,  # type: ignore[arg-type]
                                 f"score PSI {value:.3f} against the training baseline"))  # fmt: skip
    for f in report.features:
        if level := _severity(f.csi, limits):
            limit = limits.psi_breach if level == "breach" else limits.psi_warning
            found.append(Finding("csi", level, f.feature, f.csi, limit,  # type: ignore[arg-type]
                                 f"feature {f.feature} CSI {f.csi:.3f} against the training baseline"))  # fmt: skip
    for p in report.periods:
        for kind, value, what in (
            ("approval_drift", p.approval_drift, "approval rate"),
            ("override_drift", p.override_drift, "officers' approval rate of referrals"),
        ):
            if value is not None and abs(value) > limits.approval_drift:
                found.append(
                    Finding(kind, "warning", p.period, value, limits.approval_drift,
                            f"{what} moved {value:+.1%} from {report.reference_period}")
                )  # fmt: skip
    if report.training_auc is not None:
        floor = report.training_auc - limits.auc_drop
        for v in report.vintages:
            if v.matured.auc is not None and v.matured.auc < floor:
                found.append(
                    Finding("realised_auc", "warning", v.vintage, v.matured.auc, floor,
                            f"realised AUC {v.matured.auc:.3f} below the training test AUC "
                            f"{report.training_auc:.3f} less {limits.auc_drop}")
                )  # fmt: skip
    return found


def drift_report(
    reads: MonitoringReads,
    model_version: str,
    window: ReportWindow,
    *,
    as_of: date,
    limits: MonitoringLimits | None = None,
    reference: str | None = None,
) -> DriftReport:
    """The drift report of `model_version` over the decisions of `window`; loans are aged to
    `as_of` (today's business date). Unknown model: `NotFound`; a `reference` that is not a
    period of the report: `Invalid`."""
    limits = limits or MonitoringLimits()
    model = registered_model(reads, model_version)
    baseline = baseline_from_metrics(model.metrics)
    decisions = reads.decisions(model.version, DateRange(window.start, window.end))
    by_period: dict[str, list[MonitoredDecision]] = {k: [] for k in periods_of(window)}
    for d in decisions:
        by_period[period_of(d.decided_on, window.by)].append(d)
    periods, chosen = _drifted(
        [_period(k, items, baseline) for k, items in by_period.items()], reference
    )
    scores = [d.score for d in decisions if d.score is not None]
    distribution = against(baseline.score, scores) if baseline is not None and scores else ()
    test = model.metrics.get("test")
    training_auc = test.get("auc") if isinstance(test, dict) else None
    report = DriftReport(
        model_version=model.version,
        model_name=model.name,
        window=window,
        as_of=as_of,
        limits=limits,
        baseline_sample=None if baseline is None else baseline.sample,
        decisions=len(decisions),
        psi=index_of(distribution) if distribution else None,
        score_distribution=distribution,
        reference_period=chosen,
        periods=tuple(periods),
        features=tuple(_features(model, baseline, decisions)),
        training_auc=float(training_auc) if isinstance(training_auc, int | float) else None,
        vintages=tuple(_vintages(decisions, as_of, limits)),
        findings=(),
    )
    return replace(report, findings=tuple(_findings(report)))
