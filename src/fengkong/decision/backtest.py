"""Back-test and what-if: run a candidate policy over the facts stored with past decisions and
compare what it would have done with what was done, before anyone activates it.

Each stored decision keeps exactly the facts its policy read, so the candidate sees the same
applicant, as of the same business date. The report sets the stored ("current") decisions beside
the candidate's: approval, refer and verify rates; the expected bad rate among the approved (the
mean model PD); the observed bad rate where a loan's outcome is known; expected loss
(Σ PD × LGD × approved amount); the swap set (swap-in: the candidate approves what was not
approved; swap-out: the reverse); price changes among applications both approve; and the
candidate's decline reasons. Rows are consumed one at a time, so a large history streams.

Observed outcome of an approved application (`observed_outcome`): bad when its loan was written
off or was ever 90 or more days past due (the DPD at the last end of day, and the DPD just before
each repayment on record); good when it is settled, or has been on book for the performance window
(12 months) without turning bad; otherwise unknown. An application without a loan, or whose loan
was never paid out, is unknown.

Rounding: expected loss is summed exactly in `Decimal` and rounded once to whole fen with
banker's rounding (`BANKERS`, an aggregate); rates and means are quantized to 1e-6, also banker's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice
from types import TracebackType
from typing import Any, Protocol, Self

from fengkong.core.clock import BUSINESS_TZ
from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.core.money import BANKERS, Fen, to_fen
from fengkong.decision import policy_registry
from fengkong.decision.bundle import PolicyBundle
from fengkong.decision.evaluate import evaluate
from fengkong.decision.facts import facts_from_json
from fengkong.decision.policy import CompiledPolicy, PolicyDecision, PolicyOutcome
from fengkong.decision.policy_registry import PolicyUnitOfWork
from fengkong.decision.pricing import within_cap
from fengkong.decision.record import DecisionRecord
from fengkong.decision.routing import ArmSummary, Comparison
from fengkong.lending.delinquency import instalment_days_past_due
from fengkong.lending.loan import LoanState, LoanStatus

DEFAULT_LGD = Decimal("0.45")  # Basel foundation IRB LGD for senior unsecured claims
RATIO_QUANTUM = Decimal("0.000001")
TOP_REASONS = 10
PAGE_SIZE = 500
APPROVE = PolicyOutcome.APPROVE.value
DECLINE = PolicyOutcome.DECLINE.value
REFER = PolicyOutcome.REFER.value
VERIFY = PolicyOutcome.VERIFY.value


class NothingToBacktest(NotFound):
    """No stored decision with facts in the window: there is nothing to run the candidate on."""


@dataclass(frozen=True, slots=True)
class BacktestRow:
    """One stored decision, as the back-test reads it."""

    decision_id: str
    application_id: str
    decided_on: date  # business date of the decision: the candidate decides as of it
    facts: Mapping[str, object]  # decoded (`facts_from_json`): Decimals and dates kept
    outcome: str  # the stored outcome: approve, decline, refer, verify
    approved_amount: Fen | None
    annual_rate: Decimal | None
    pd: Decimal | None
    observed_bad: bool | None = None  # None: not known (no loan, or too young to tell)
    policy_version: str | None = None  # the policy that decided it


# ---------------------------------------------------------------------------- the report


def _ratio(part: int | Decimal, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(part) / whole).quantize(RATIO_QUANTUM, BANKERS)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class RiskSummary:
    """Size and risk of a set of approved applications."""

    count: int
    amount: Fen  # approved amounts summed
    pd_known: int  # how many carry a model PD
    expected_bad_rate: Decimal | None  # mean PD of those
    expected_loss: Fen  # Σ PD × LGD × amount, rounded once (BANKERS)
    observed_known: int  # how many have a known outcome
    observed_bad: int

    @property
    def observed_bad_rate(self) -> Decimal | None:
        return _ratio(self.observed_bad, self.observed_known)

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "amount_fen": int(self.amount),
            "pd_known": self.pd_known,
            "expected_bad_rate": _text(self.expected_bad_rate),
            "expected_loss_fen": int(self.expected_loss),
            "observed_known": self.observed_known,
            "observed_bad": self.observed_bad,
            "observed_bad_rate": _text(self.observed_bad_rate),
        }


@dataclass(frozen=True, slots=True)
class SideSummary:
    """One policy's outcomes over the back-test's applications, and the risk of its approvals."""

    decisions: int
    outcomes: Mapping[str, int]  # outcome → count
    approved: RiskSummary

    def count(self, outcome: str) -> int:
        return self.outcomes.get(outcome, 0)

    def rate(self, outcome: str) -> Decimal | None:
        return _ratio(self.count(outcome), self.decisions)

    @property
    def approval_rate(self) -> Decimal | None:
        return self.rate(APPROVE)

    def as_dict(self) -> dict[str, Any]:
        outcomes = (APPROVE, DECLINE, REFER, VERIFY)
        return {
            "decisions": self.decisions,
            **{o: self.count(o) for o in outcomes},
            **{f"{o}_rate": _text(self.rate(o)) for o in outcomes},
            "approved_amount_fen": int(self.approved.amount),
            "expected_bad_rate": _text(self.approved.expected_bad_rate),
            "observed_bad_rate": _text(self.approved.observed_bad_rate),
            "observed_known": self.approved.observed_known,
            "observed_bad": self.approved.observed_bad,
            "expected_loss_fen": int(self.approved.expected_loss),
        }


@dataclass(frozen=True, slots=True)
class PriceChanges:
    """Among applications both sides approve: how the annual rate and the amount moved."""

    both_approved: int
    priced: int  # both rates known
    up: int
    down: int
    same: int
    mean_rate_change: Decimal | None  # candidate − current, mean over `priced`
    amount_up: int
    amount_down: int
    amount_same: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "both_approved": self.both_approved,
            "priced": self.priced,
            "rate_up": self.up,
            "rate_down": self.down,
            "rate_same": self.same,
            "mean_rate_change": _text(self.mean_rate_change),
            "amount_up": self.amount_up,
            "amount_down": self.amount_down,
            "amount_same": self.amount_same,
        }


@dataclass(frozen=True, slots=True)
class BacktestReport:
    policy: str  # the candidate's label, "<id>-v<version>"
    policy_sha256: str
    lgd: Decimal
    decisions: int  # stored decisions run
    skipped: int  # stored without facts (older than fact snapshots): cannot be re-run
    first_decided_on: date | None
    last_decided_on: date | None
    current: SideSummary
    candidate: SideSummary
    agreement: Mapping[tuple[str, str], int]  # (current outcome, candidate outcome) → count
    swap_in: RiskSummary  # candidate approves, current did not (candidate's amounts)
    swap_out: RiskSummary  # current approved, candidate does not (current amounts)
    price_changes: PriceChanges
    decline_reasons: tuple[tuple[str, int], ...]  # candidate's declines: top codes, most first
    current_policies: tuple[tuple[str, int], ...] = ()  # stored decisions by policy version

    def comparison(self) -> Comparison:
        """The champion/challenger comparison (`routing.compare`'s form) of current and candidate:
        every application is paired, as in shadow mode."""
        return Comparison(
            champion=ArmSummary(self.current.decisions, self.current.count(APPROVE)),
            challenger=ArmSummary(self.candidate.decisions, self.candidate.count(APPROVE)),
            paired=self.decisions,
            agreement=dict(self.agreement),
            swap_in=self.swap_in.count,
            swap_out=self.swap_out.count,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "policy_sha256": self.policy_sha256,
            "lgd": str(self.lgd),
            "decisions": self.decisions,
            "skipped": self.skipped,
            "first_decided_on": None
            if self.first_decided_on is None
            else self.first_decided_on.isoformat(),
            "last_decided_on": None
            if self.last_decided_on is None
            else self.last_decided_on.isoformat(),
            "current": self.current.as_dict(),
            "candidate": self.candidate.as_dict(),
            "agreement": [
                {"current": a, "candidate": b, "n": n}
                for (a, b), n in sorted(self.agreement.items())
            ],
            "swap_in": self.swap_in.as_dict(),
            "swap_out": self.swap_out.as_dict(),
            "price_changes": self.price_changes.as_dict(),
            "decline_reasons": [{"code": c, "n": n} for c, n in self.decline_reasons],
            "current_policies": [{"version": v, "n": n} for v, n in self.current_policies],
            "rounding": {
                "expected_loss": "summed exactly, rounded once to fen, half-even",
                "rates": "quantized to 0.000001, half-even",
            },
        }


# ---------------------------------------------------------------------------- accumulation


class _Risk:
    """Running sums for a `RiskSummary`; exact until `summary` rounds."""

    __slots__ = ("amount", "bad", "count", "known", "loss", "pd_count", "pd_sum")

    def __init__(self) -> None:
        self.count = 0
        self.amount = 0
        self.pd_count = 0
        self.pd_sum = Decimal(0)
        self.loss = Decimal(0)
        self.known = 0
        self.bad = 0

    def add(self, amount: int | None, pd: Decimal | None, bad: bool | None, lgd: Decimal) -> None:
        self.count += 1
        self.amount += amount or 0
        if pd is not None:
            self.pd_count += 1
            self.pd_sum += pd
            self.loss += pd * lgd * (amount or 0)
        if bad is not None:
            self.known += 1
            self.bad += bad

    def summary(self) -> RiskSummary:
        return RiskSummary(
            count=self.count,
            amount=Fen(self.amount),
            pd_known=self.pd_count,
            expected_bad_rate=_ratio(self.pd_sum, self.pd_count),
            expected_loss=to_fen(self.loss, BANKERS),
            observed_known=self.known,
            observed_bad=self.bad,
        )


class _Side:
    __slots__ = ("approved", "outcomes")

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.approved = _Risk()

    def summary(self, decisions: int) -> SideSummary:
        return SideSummary(decisions, dict(sorted(self.outcomes.items())), self.approved.summary())


def candidate_decision(
    policy: CompiledPolicy, facts: Mapping[str, object], as_of: date
) -> PolicyDecision:
    """`evaluate` as of `as_of`, building the offer only when the price cap would change it.

    Without the offer, evaluation stops after pricing; the caps stage leaves limit, rate and
    outcome as they are whenever the all-in APR is within the cap, so only a breach needs the
    full evaluation (which lowers the rate, then the limit, or declines)."""
    found = evaluate(policy, facts, as_of=as_of, offer=False)
    if (
        found.outcome not in (PolicyOutcome.APPROVE, PolicyOutcome.REFER)
        or found.limit is None
        or found.annual_rate is None
        or found.term is None
    ):
        return found
    if within_cap(
        policy.product, found.limit, found.term, found.annual_rate, as_of, policy.cap.annual
    ):
        return found
    return evaluate(policy, facts, as_of=as_of, offer=True)


def _decline_codes(decision: PolicyDecision) -> tuple[str, ...]:
    """The codes of the stage that declined (its trace entry), else every reason's code."""
    for stage in reversed(decision.trace):
        if stage.did == "decline" and stage.fired:
            return tuple(dict.fromkeys(stage.fired))
    return tuple(dict.fromkeys(r.code for r in decision.reasons))


def backtest(
    candidate: CompiledPolicy, rows: Iterable[BacktestRow], *, lgd: Decimal = DEFAULT_LGD
) -> BacktestReport:
    """Run `candidate` over every stored decision in `rows` and compare; see the module doc."""
    if not isinstance(lgd, Decimal) or not Decimal(0) <= lgd <= Decimal(1):
        raise Invalid((FieldError(("lgd",), f"LGD is a Decimal fraction in [0, 1]: {lgd!r}"),))
    current, proposed = _Side(), _Side()
    swap_in, swap_out = _Risk(), _Risk()
    agreement: Counter[tuple[str, str]] = Counter()
    reasons: Counter[str] = Counter()
    policies: Counter[str] = Counter()
    decisions = skipped = 0
    first: date | None = None
    last: date | None = None
    both = priced = up = down = same = amount_up = amount_down = amount_same = 0
    rate_change = Decimal(0)
    for row in rows:
        if not row.facts:
            skipped += 1
            continue
        decisions += 1
        first = row.decided_on if first is None else min(first, row.decided_on)
        last = row.decided_on if last is None else max(last, row.decided_on)
        if row.policy_version is not None:
            policies[row.policy_version] += 1
        verdict = candidate_decision(candidate, row.facts, row.decided_on)
        stored, outcome = str(row.outcome), verdict.outcome.value
        current.outcomes[stored] += 1
        proposed.outcomes[outcome] += 1
        agreement[(stored, outcome)] += 1
        was_approved, is_approved = stored == APPROVE, outcome == APPROVE
        if was_approved:
            current.approved.add(row.approved_amount, row.pd, row.observed_bad, lgd)
        if is_approved:
            proposed.approved.add(verdict.limit, row.pd, row.observed_bad, lgd)
        if is_approved and not was_approved:
            swap_in.add(verdict.limit, row.pd, row.observed_bad, lgd)
        elif was_approved and not is_approved:
            swap_out.add(row.approved_amount, row.pd, row.observed_bad, lgd)
        elif was_approved and is_approved:
            both += 1
            if row.annual_rate is not None and verdict.annual_rate is not None:
                priced += 1
                change = verdict.annual_rate - row.annual_rate
                rate_change += change
                up += change > 0
                down += change < 0
                same += change == 0
            old, new = row.approved_amount or 0, verdict.limit or 0
            amount_up += new > old
            amount_down += new < old
            amount_same += new == old
        if outcome == DECLINE:
            reasons.update(_decline_codes(verdict))
    return BacktestReport(
        policy=candidate.label,
        policy_sha256=candidate.sha256,
        lgd=lgd,
        decisions=decisions,
        skipped=skipped,
        first_decided_on=first,
        last_decided_on=last,
        current=current.summary(decisions),
        candidate=proposed.summary(decisions),
        agreement=dict(sorted(agreement.items())),
        swap_in=swap_in.summary(),
        swap_out=swap_out.summary(),
        price_changes=PriceChanges(
            both_approved=both,
            priced=priced,
            up=up,
            down=down,
            same=same,
            mean_rate_change=_ratio(rate_change, priced),
            amount_up=amount_up,
            amount_down=amount_down,
            amount_same=amount_same,
        ),
        decline_reasons=_top(reasons, TOP_REASONS),
        current_policies=_top(policies, None),
    )


def _top(counts: Counter[str], n: int | None) -> tuple[tuple[str, int], ...]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(ranked if n is None else ranked[:n])


def rerun(policy: CompiledPolicy, rows: Iterable[BacktestRow]) -> Iterator[BacktestRow]:
    """The rows as `policy` would have decided them: a champion re-run over the same facts, so
    `backtest(challenger, rerun(champion, rows))` compares two policies on equal terms."""
    for row in rows:
        if not row.facts:
            yield row
            continue
        verdict = candidate_decision(policy, row.facts, row.decided_on)
        approved = verdict.outcome is PolicyOutcome.APPROVE
        yield BacktestRow(
            decision_id=row.decision_id,
            application_id=row.application_id,
            decided_on=row.decided_on,
            facts=row.facts,
            outcome=verdict.outcome.value,
            approved_amount=verdict.limit if approved else None,
            annual_rate=verdict.annual_rate if approved else None,
            pd=row.pd,
            observed_bad=row.observed_bad,
            policy_version=policy.label,
        )


# ---------------------------------------------------------------------------- observed outcomes


@dataclass(frozen=True, slots=True)
class OutcomeRule:
    """When a booked loan counts as bad, and when a good one has been watched long enough."""

    bad_days_past_due: int = 90
    performance_months: int = 12

    def __post_init__(self) -> None:
        if self.bad_days_past_due < 1:
            raise Invalid((FieldError(("bad_days_past_due",), "must be ≥ 1"),))
        if self.performance_months < 0:
            raise Invalid((FieldError(("performance_months",), "must be ≥ 0"),))


DEFAULT_OUTCOME_RULE = OutcomeRule()
NEVER_FUNDED = ("pending_disbursement", "cancelled")  # lending.service.LoanStage values


class BookedLoan(Protocol):
    """What the back-test reads of a loan (`lending.service.LoanRecord` has it)."""

    @property
    def stage(self) -> str: ...  # `LoanStage`: pending_disbursement, active, … cancelled
    @property
    def state(self) -> LoanState: ...
    @property
    def booked_on(self) -> date: ...
    @property
    def days_past_due(self) -> int: ...  # at the last end of day


def worst_days_past_due(loan: BookedLoan) -> int:
    """The most days past due the loan is known to have reached: at the last end of day, and just
    before each repayment on record (when a past-due instalment was cured)."""
    worst = loan.days_past_due
    for repayment in loan.state.repayments:
        for position in repayment.prior_positions:
            worst = max(worst, instalment_days_past_due(position, repayment.on))
    return worst


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day)


def observed_outcome(loan: BookedLoan, rule: OutcomeRule = DEFAULT_OUTCOME_RULE) -> bool | None:
    """True when bad, False when known good, None when it is too early to tell (or the loan was
    never paid out)."""
    if loan.stage in NEVER_FUNDED:
        return None
    state = loan.state
    if state.status is LoanStatus.WRITTEN_OFF:
        return True
    if worst_days_past_due(loan) >= rule.bad_days_past_due:
        return True
    if state.status is LoanStatus.SETTLED:
        return False
    watched = _months_between(loan.booked_on, state.accrued_through)
    return False if watched >= rule.performance_months else None


# ---------------------------------------------------------------------------- stored rows


class DecisionSource(Protocol):
    def since(
        self, start: date, until: date | None = None, *, page_size: int = PAGE_SIZE
    ) -> Iterator[DecisionRecord]: ...


class LoanSource(Protocol):
    def loans_for_applications(
        self, application_ids: Sequence[str]
    ) -> Mapping[str, BookedLoan]: ...


class BacktestUnitOfWork(Protocol):
    @property
    def decisions(self) -> DecisionSource: ...
    @property
    def lending(self) -> LoanSource: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def row_of(decision: DecisionRecord, observed_bad: bool | None) -> BacktestRow:
    return BacktestRow(
        decision_id=decision.id,
        application_id=decision.application_id,
        decided_on=decision.decided_at.astimezone(BUSINESS_TZ).date(),
        facts=facts_from_json(decision.facts),
        outcome=decision.outcome.value,
        approved_amount=decision.approved_amount,
        annual_rate=None if decision.annual_rate is None else Decimal(decision.annual_rate),
        pd=None if decision.pd is None else Decimal(decision.pd),
        observed_bad=observed_bad,
        policy_version=decision.policy_version,
    )


def stored_rows(
    decisions: Iterable[DecisionRecord],
    loans: LoanSource,
    rule: OutcomeRule = DEFAULT_OUTCOME_RULE,
    *,
    page_size: int = PAGE_SIZE,
) -> Iterator[BacktestRow]:
    """Stored decisions with their loans' observed outcomes, a page of loans at a time."""
    stream = iter(decisions)
    while page := list(islice(stream, page_size)):
        approved = [d.application_id for d in page if d.approved_amount is not None]
        booked = loans.loans_for_applications(approved) if approved else {}
        for decision in page:
            loan = booked.get(decision.application_id)
            yield row_of(decision, None if loan is None else observed_outcome(loan, rule))


def check_window(since: date, until: date | None) -> None:
    if until is not None and until < since:
        raise Invalid(
            (FieldError(("until",), f"until {until} is before since {since}"),),
        )


def run_backtest(
    uow: BacktestUnitOfWork,
    candidate: CompiledPolicy,
    since: date,
    until: date | None = None,
    *,
    lgd: Decimal = DEFAULT_LGD,
    baseline: CompiledPolicy | None = None,
    rule: OutcomeRule = DEFAULT_OUTCOME_RULE,
) -> BacktestReport:
    """Back-test `candidate` over the decisions stored for business dates [since, until]; with a
    `baseline`, the "current" side is that policy re-run over the same facts instead of the stored
    outcomes (champion against challenger). Reads only."""
    check_window(since, until)
    with uow:
        rows: Iterable[BacktestRow] = stored_rows(
            uow.decisions.since(since, until), uow.lending, rule
        )
        if baseline is not None:
            rows = rerun(baseline, rows)
        report = backtest(candidate, rows, lgd=lgd)
    if report.decisions == 0:
        window = f"{since}" + ("" if until is None else f" to {until}")
        raise NothingToBacktest(
            f"no stored decisions with facts from {window}"
            + (f" ({report.skipped} without facts)" if report.skipped else "")
        )
    return report


def registry_bundle(version: str, document: str, like: PolicyBundle) -> PolicyBundle:
    """A registry version's document as a bundle under the price cap and JDM tables of `like`
    (the active policy); tables it names that `like` lacks resolve among the shipped ones."""
    return PolicyBundle(version, document, dict(like.tables), dict(like.cap))


def stored_candidate(uow: PolicyUnitOfWork, version: str, like: PolicyBundle) -> PolicyBundle:
    """A version from the policy registry (any status), as `registry_bundle` makes it."""
    policy = policy_registry.get(uow, version)
    return registry_bundle(policy.version, policy.document, like)
