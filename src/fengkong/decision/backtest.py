"""Back-test and what-if: run a candidate policy over the facts stored with past decisions and
compare what it would have done with what was done, before anyone activates it.

Each stored decision keeps exactly the facts its policy read, so the candidate sees the same
applicant, as of the same business date. The report sets the stored ("current") decisions beside
the candidate's: approval, refer and verify rates; the expected bad rate among the approved (the
mean model PD); the observed bad rate where a loan's outcome is known; expected loss
(Σ PD × LGD × approved amount); the swap set (swap-in: the candidate approves what was not
approved; swap-out: the reverse); price changes among applications both approve; and the
candidate's decline reasons. Rows are consumed a block at a time, so a large history streams.

The candidate's verdict on each row (`verdicts`, over `candidate_decision`) is the pure part: a
block of rows is cut into partitions run by a `core.partitions.PartitionRunner` (in this process
by default; on Dask or Spark through `fengkong.distributed`), and the tally adds the verdicts up
in row order in the driver, so the report is the same whichever runs them.

The report and its rounding are `decision.backtest_report`'s; the observed outcome of an
approved application (from its booked loan) is `decision.observed_outcome`'s. An application
without a loan is unknown.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from itertools import islice
from types import TracebackType
from typing import Protocol, Self

from fengkong.core.clock import BUSINESS_TZ
from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.core.money import Fen
from fengkong.core.partitions import (
    IN_PROCESS,
    PartitionRunner,
    check_partitions,
    partition_count,
    split,
)
from fengkong.decision import policy_registry
from fengkong.decision.backtest_report import (
    APPROVE,
    DECLINE,
    BacktestReport,
    PriceChanges,
    RiskTally,
    SideTally,
    ratio,
)
from fengkong.decision.bundle import PolicyBundle
from fengkong.decision.evaluate import evaluate
from fengkong.decision.facts import facts_from_json
from fengkong.decision.observed_outcome import (
    DEFAULT_OUTCOME_RULE,
    BookedLoan,
    OutcomeRule,
    observed_outcome,
)
from fengkong.decision.policy import CompiledPolicy, PolicyDecision, PolicyOutcome
from fengkong.decision.policy_registry import PolicyUnitOfWork
from fengkong.decision.pricing import within_cap
from fengkong.decision.record import DecisionRecord

DEFAULT_LGD = Decimal("0.45")  # Basel foundation IRB LGD for senior unsecured claims
TOP_REASONS = 10
PAGE_SIZE = 500


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


def candidate_decision(
    policy: CompiledPolicy, facts: Mapping[str, object], as_of: date
) -> PolicyDecision:
    """`evaluate` as of `as_of`, building the offer only when the price cap would change it.

    Without the offer, evaluation stops after pricing; the caps stage leaves limit, rate and
    outcome as they are whenever the all-in APR is within the cap, so only a breach needs the
    full evaluation (which lowers the rate, then the limit, or declines)."""
    found = evaluate(policy, facts, as_of=as_of, offer=False)
    if (
        found.outcome
        not in (PolicyOutcome.APPROVE, PolicyOutcome.APPROVE_IF_SECURED, PolicyOutcome.REFER)
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


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the back-test keeps of a candidate's decision on one stored row."""

    outcome: PolicyOutcome
    limit: Fen | None
    annual_rate: Decimal | None
    decline_codes: tuple[str, ...]


def verdicts(policy: CompiledPolicy, rows: Sequence[BacktestRow]) -> list[Verdict | None]:
    """`policy`'s verdict on each row as of its decision date (None for a row without facts):
    the pure part of a back-test, run on one partition of rows."""
    found: list[Verdict | None] = []
    for row in rows:
        if not row.facts:
            found.append(None)
            continue
        decision = candidate_decision(policy, row.facts, row.decided_on)
        found.append(
            Verdict(
                decision.outcome,
                decision.limit,
                decision.annual_rate,
                _decline_codes(decision) if decision.outcome.value == DECLINE else (),
            )
        )
    return found


def judged(
    policy: CompiledPolicy,
    rows: Iterable[BacktestRow],
    *,
    runner: PartitionRunner = IN_PROCESS,
    partitions: int | None = None,
) -> Iterator[tuple[BacktestRow, Verdict | None]]:
    """Each row with `policy`'s verdict, in order: a block of `PAGE_SIZE` rows per partition
    at a time, cut into `partitions` (default: the runner's parallelism) run on `runner`."""
    parts = partition_count(runner, partitions)
    stream = iter(rows)
    while block := list(islice(stream, PAGE_SIZE * parts)):
        found = runner.map(partial(verdicts, policy), split(block, parts))
        yield from zip(block, (v for part in found for v in part), strict=True)


def backtest(
    candidate: CompiledPolicy,
    rows: Iterable[BacktestRow],
    *,
    lgd: Decimal = DEFAULT_LGD,
    runner: PartitionRunner = IN_PROCESS,
    partitions: int | None = None,
) -> BacktestReport:
    """Run `candidate` over every stored decision in `rows` and compare; see the module doc.
    The verdicts are computed by `runner` over `partitions` (`judged`)."""
    if not isinstance(lgd, Decimal) or not Decimal(0) <= lgd <= Decimal(1):
        raise Invalid((FieldError(("lgd",), f"LGD is a Decimal fraction in [0, 1]: {lgd!r}"),))
    current, proposed = SideTally(), SideTally()
    swap_in, swap_out = RiskTally(), RiskTally()
    agreement: Counter[tuple[str, str]] = Counter()
    reasons: Counter[str] = Counter()
    policies: Counter[str] = Counter()
    decisions = skipped = 0
    first: date | None = None
    last: date | None = None
    both = priced = up = down = same = amount_up = amount_down = amount_same = 0
    rate_change = Decimal(0)
    for row, verdict in judged(candidate, rows, runner=runner, partitions=partitions):
        if verdict is None:
            skipped += 1
            continue
        decisions += 1
        first = row.decided_on if first is None else min(first, row.decided_on)
        last = row.decided_on if last is None else max(last, row.decided_on)
        if row.policy_version is not None:
            policies[row.policy_version] += 1
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
        reasons.update(verdict.decline_codes)
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
            mean_rate_change=ratio(rate_change, priced),
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


def rerun(
    policy: CompiledPolicy,
    rows: Iterable[BacktestRow],
    *,
    runner: PartitionRunner = IN_PROCESS,
    partitions: int | None = None,
) -> Iterator[BacktestRow]:
    """The rows as `policy` would have decided them: a champion re-run over the same facts, so
    `backtest(challenger, rerun(champion, rows))` compares two policies on equal terms."""
    for row, verdict in judged(policy, rows, runner=runner, partitions=partitions):
        if verdict is None:
            yield row
            continue
        approved = verdict.outcome in (PolicyOutcome.APPROVE, PolicyOutcome.APPROVE_IF_SECURED)
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
    runner: PartitionRunner = IN_PROCESS,
    partitions: int | None = None,
) -> BacktestReport:
    """Back-test `candidate` over the decisions stored for business dates [since, until]; with a
    `baseline`, the "current" side is that policy re-run over the same facts instead of the stored
    outcomes (champion against challenger). Reads only; the policies' verdicts are computed by
    `runner` over `partitions`."""
    check_window(since, until)
    check_partitions(partitions)
    with uow:
        rows: Iterable[BacktestRow] = stored_rows(
            uow.decisions.since(since, until), uow.lending, rule
        )
        if baseline is not None:
            rows = rerun(baseline, rows, runner=runner, partitions=partitions)
        report = backtest(candidate, rows, lgd=lgd, runner=runner, partitions=partitions)
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
