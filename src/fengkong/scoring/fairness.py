"""The fairness report of a model, per policy that decided with it: approval rate, bad rate and
realised AUC by age band, sex and region, and each group's adverse-impact ratio (its approval
rate over the most favoured group's), flagged below a floor (the four-fifths rule: 0.8).

Where the groups come from:

- age: the `age_in_years` feature the decision stored (computed from the birth date on the
  resident ID at decision time);
- sex and region: the applicant's resident ID number, opened through the vault for the report
  and dropped at once (the 17th digit: odd male, even female; the first two digits: the
  province code). Every application has one, unlike the profile's self-declared
  `personal_status_and_sex`, which is optional and mixes in marital status.

A group is judged only with at least `min_group` settled decisions; the most favoured group is
chosen among those, and the `unknown` group is never the reference.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from fengkong.core.filters import DateRange
from fengkong.scoring.drift import registered_model
from fengkong.scoring.monitored import (
    Decrypter,
    Finding,
    MonitoredDecision,
    MonitoringLimits,
    MonitoringReads,
    Realised,
    ReportWindow,
    rate,
    realised,
)

UNKNOWN = "unknown"
AGE_FEATURE = "age_in_years"
# (lowest age, label), increasing
AGE_BANDS = ((0, "under 25"), (25, "25-34"), (35, "35-44"), (45, "45-54"), (55, "55 and over"))
DIMENSIONS = ("age_band", "sex", "region")


def age_band(age: object) -> str:
    if isinstance(age, bool) or not isinstance(age, int | float) or age != age:
        return UNKNOWN
    label = UNKNOWN
    for lowest, name in AGE_BANDS:
        if age >= lowest:
            label = name
    return label


def sex_of(id_number: str) -> str:
    """From a resident ID number's 17th digit: odd male, even female."""
    digit = id_number.strip()[16:17]
    if len(id_number.strip()) != 18 or not digit.isdigit():
        return UNKNOWN
    return "male" if int(digit) % 2 == 1 else "female"


def region_of(id_number: str) -> str:
    """The province code (first two digits) of a resident ID number."""
    code = id_number.strip()[:2]
    return f"province {code}" if len(id_number.strip()) == 18 and code.isdigit() else UNKNOWN


@dataclass(frozen=True, slots=True)
class GroupFairness:
    dimension: str
    group: str
    decisions: int
    settled: int
    approved: int
    approval_rate: float | None
    adverse_impact_ratio: float | None  # approval rate over the most favoured group's
    judged: bool  # enough settled decisions to judge its ratio
    flagged: bool  # judged and below the floor
    matured: Realised


@dataclass(frozen=True, slots=True)
class PolicyFairness:
    policy_version: str
    decisions: int
    groups: tuple[GroupFairness, ...]


@dataclass(frozen=True, slots=True)
class FairnessReport:
    model_version: str
    model_name: str
    window: ReportWindow
    as_of: date
    limits: MonitoringLimits
    policies: tuple[PolicyFairness, ...]
    findings: tuple[Finding, ...]


Grouping = Callable[[MonitoredDecision], str]


def groupings(vault: Decrypter) -> dict[str, Grouping]:
    """How each decision is put in a group of each dimension; the resident ID is opened once
    per decision and only its sex and province kept."""
    opened: dict[str, tuple[str, str]] = {}

    def traits(d: MonitoredDecision) -> tuple[str, str]:
        if d.id_number_enc is None:
            return UNKNOWN, UNKNOWN
        if d.decision_id not in opened:
            number = vault.decrypt("id_number", d.id_number_enc)
            opened[d.decision_id] = (sex_of(number), region_of(number))
        return opened[d.decision_id]

    return {
        "age_band": lambda d: age_band(d.features.get(AGE_FEATURE)),
        "sex": lambda d: traits(d)[0],
        "region": lambda d: traits(d)[1],
    }


def group_rows(
    dimension: str,
    decisions: Sequence[MonitoredDecision],
    group_of: Grouping,
    *,
    as_of: date,
    limits: MonitoringLimits,
) -> list[GroupFairness]:
    """One dimension's groups, largest first, with their adverse-impact ratios."""
    groups: dict[str, list[MonitoredDecision]] = {}
    for d in decisions:
        groups.setdefault(group_of(d), []).append(d)
    counts = {
        name: (len(items), sum(1 for d in items if d.settled), sum(1 for d in items if d.approved))
        for name, items in groups.items()
    }
    judged = {
        name for name, (_, settled, _) in counts.items()
        if name != UNKNOWN and settled >= limits.min_group
    }  # fmt: skip
    best = max((counts[n][2] / counts[n][1] for n in judged), default=None)
    rows = []
    for name, items in groups.items():
        total, settled, approved = counts[name]
        approval = rate(approved, settled)
        ratio = None if best is None or approval is None or best == 0 else approval / best
        rows.append(
            GroupFairness(
                dimension=dimension,
                group=name,
                decisions=total,
                settled=settled,
                approved=approved,
                approval_rate=approval,
                adverse_impact_ratio=ratio,
                judged=name in judged,
                flagged=name in judged and ratio is not None and ratio < limits.air_floor,
                matured=realised(items, as_of, limits.mature_months),
            )
        )
    return sorted(rows, key=lambda r: (-r.decisions, r.group))


def fairness_report(
    reads: MonitoringReads,
    vault: Decrypter,
    model_version: str,
    window: ReportWindow,
    *,
    as_of: date,
    limits: MonitoringLimits | None = None,
) -> FairnessReport:
    """The fairness report of `model_version` over the decisions of `window`, per policy
    version; loans are aged to `as_of`. Unknown model: `NotFound`."""
    limits = limits or MonitoringLimits()
    model = registered_model(reads, model_version)
    decisions = reads.decisions(model.version, DateRange(window.start, window.end))
    by_policy: dict[str, list[MonitoredDecision]] = {}
    for d in decisions:
        by_policy.setdefault(d.policy_version, []).append(d)
    group_of = groupings(vault)
    policies = tuple(
        PolicyFairness(
            policy,
            len(items),
            tuple(
                row
                for dimension in DIMENSIONS
                for row in group_rows(
                    dimension, items, group_of[dimension], as_of=as_of, limits=limits
                )
            ),
        )
        for policy, items in sorted(by_policy.items())
    )
    findings = [
        Finding(
            "adverse_impact",
            "breach",
            f"{p.policy_version} {g.dimension} {g.group}",
            g.adverse_impact_ratio,
            limits.air_floor,
            f"{g.dimension} {g.group}: approval rate {g.approval_rate:.1%} is "
            f"{g.adverse_impact_ratio:.2f} of the most favoured group's under {p.policy_version}",
        )
        for p in policies
        for g in p.groups
        if g.flagged and g.adverse_impact_ratio is not None and g.approval_rate is not None
    ]
    if not decisions:
        findings.append(
            Finding(
                "decisions",
                "info",
                model.version,
                0,
                None,
                "no decisions of this model in the window",
            )
        )
    return FairnessReport(
        model.version, model.name, window, as_of, limits, policies, tuple(findings)
    )
