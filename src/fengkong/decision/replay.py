"""Replay: re-run a stored decision from what it stored — the model that scored it, over the
stored features, and the policy bundle that decided it, over the stored facts — and say whether
the same outcome, limit, price and reasons come out.

An officer's decision on a referral is no model's decision and is not re-run: the automatic
decision it settles is replayed (it must still refer), and the officer's is reported beside it as
a manual override. Asked for an officer's decision by its id, replay checks the automatic one it
is linked to."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from fengkong.core.clock import BUSINESS_TZ
from fengkong.core.errors import IntegrityBroken, NotFound
from fengkong.decision.bundle import PolicyBundle
from fengkong.decision.evaluate import evaluate
from fengkong.decision.facts import facts_from_json
from fengkong.decision.officer import OfficerDecision
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy import CompiledPolicy
from fengkong.decision.record import DecisionRecord
from fengkong.decision.recording import OFFERED
from fengkong.scoring.reasons import is_model_reason
from fengkong.scoring.registry import LoadedGBM, LoadedScorecard, load_model

if TYPE_CHECKING:
    from fengkong.sources.services import SourceServices


@dataclass(frozen=True, slots=True)
class ReplayResult:
    decision_id: str
    differences: tuple[str, ...] = field(default_factory=tuple)
    override: OfficerDecision | None = None  # the officer's decision settling this referral
    # What replay could not check and why, e.g. an external answer purged by retention.
    notes: tuple[str, ...] = ()

    @property
    def matches(self) -> bool:
        return not self.differences


class Replayer:
    """Replays decisions, loading each model and policy bundle once."""

    def __init__(
        self, uow: object, artifacts_dir: Path, sources: SourceServices | None = None
    ) -> None:
        self.uow = uow
        self.artifacts_dir = artifacts_dir
        # the recorded answers a decision cites: re-read, never fetched again
        self.sources = sources
        self._models: dict[str, LoadedScorecard | LoadedGBM] = {}
        self._policies: dict[str, CompiledPolicy] = {}

    def replay(self, d: DecisionRecord) -> ReplayResult:
        found: list[str] = []
        if d.model_version is not None:
            model = self._model(d.model_version, d.model_sha256)
            result = model.score(d.features)
            if result.score != d.score:
                found.append(f"score {result.score} != stored {d.score}")
            pd_ = str(Decimal(repr(result.pd)).quantize(Decimal("0.000001")))
            if pd_ != d.pd:
                found.append(f"pd {pd_} != stored {d.pd}")
        policy = self._policy(d)
        as_of = d.decided_at.astimezone(BUSINESS_TZ).date()
        verdict = evaluate(policy, facts_from_json(d.facts), as_of=as_of)
        outcome = Outcome(verdict.outcome.value)
        if outcome != d.outcome:
            found.append(f"outcome {outcome.value} != stored {d.outcome.value}")
        approved = verdict.limit if outcome in OFFERED else None
        if approved != d.approved_amount:
            found.append(f"approved amount {approved} != stored {d.approved_amount}")
        rate = None if verdict.annual_rate is None else str(verdict.annual_rate)
        if rate != d.annual_rate:
            found.append(f"annual rate {rate} != stored {d.annual_rate}")
        security = None if verdict.security is None else verdict.security.as_dict()
        if security != (None if d.security is None else dict(d.security)):
            found.append(f"security {security} != stored {d.security}")
        codes = [r.code for r in verdict.reasons]
        stored = [r.code for r in d.reasons if not is_model_reason(r.code)]
        if codes != stored:
            found.append(f"reasons {codes} != stored {stored}")
        notes: tuple[str, ...] = ()
        if d.inputs.get("sources"):
            from fengkong.decision.source_replay import recheck_sources

            checked = recheck_sources(d, self.uow, self.sources)
            found += checked.differences
            notes = tuple(checked.notes)
        return ReplayResult(d.id, tuple(found), notes=notes)

    def _model(self, version: str, sha256: str | None) -> LoadedScorecard | LoadedGBM:
        if version not in self._models:
            row = self.uow.models.get(version)  # type: ignore[attr-defined]
            if row is None:
                raise NotFound(f"model {version} is not in the registry")
            if sha256 is not None and row.sha256 != sha256:
                raise IntegrityBroken(f"model {version} changed since it decided")
            self._models[version] = load_model(row, self.artifacts_dir)
        return self._models[version]

    def _policy(self, d: DecisionRecord) -> CompiledPolicy:
        sha = d.policy_sha256
        if sha is None:
            raise NotFound(f"decision {d.id} has no stored policy to replay")
        if sha not in self._policies:
            stored = self.uow.policy_bundles.get(sha)  # type: ignore[attr-defined]
            if stored is None:
                raise IntegrityBroken(f"policy bundle {sha} of decision {d.id} is gone")
            self._policies[sha] = PolicyBundle.from_dict(stored, sha).compile()
        return self._policies[sha]


def replay_all(
    uow: object, artifacts_dir: Path, ids: list[str], sources: SourceServices | None = None
) -> Iterator[ReplayResult]:
    """Replay each decision of `ids` (an officer's decision id stands for the automatic decision
    it settles), with the officer's decision on a referral as its override. `sources`: where
    the external answers decisions cite are re-read (never their providers)."""
    replayer = Replayer(uow, artifacts_dir, sources)
    officers = uow.officer_decisions  # type: ignore[attr-defined]
    for decision_id in ids:
        override: OfficerDecision | None = None
        if decision_id.startswith("odc_"):
            override = officers.get(decision_id)
            if override is None:
                raise NotFound(f"no officer decision {decision_id!r}")
            decision_id = override.decision_id
        record = uow.decisions.get(decision_id)  # type: ignore[attr-defined]
        if record is None:
            raise NotFound(f"no decision {decision_id!r}")
        if override is None and record.outcome == Outcome.REFER:
            override = officers.for_application(record.application_id)
        yield replace(replayer.replay(record), override=override)
