"""The decision service wired to the in-memory unit of work, as `bootstrap.Context` wires it to
the database: what a decision reads before it writes (the registries' live roles, the
applicant's consents and history) is read from the store's committed tables. Without fraud
services: list look-ups and link stores stay with the database tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

from fakes.tables import Tables
from fakes.uow import MemoryStore, MemoryUnitOfWork
from fengkong.core.clock import Clock
from fengkong.core.money import Fen
from fengkong.core.settings import Settings
from fengkong.decision.bundle import ActivePolicy, PolicyCache
from fengkong.decision.facts import ApplicantOnRecord, CustomerHistory
from fengkong.decision.live import MODEL, POLICY, LiveCache, LiveEntry
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy_registry import PolicyStatus, PolicyVersion
from fengkong.decision.record import DecisionRecord
from fengkong.decision.review import ReviewConfig
from fengkong.decision.review_queue import enqueue_referral
from fengkong.decision.scoring_models import ChampionCache
from fengkong.decision.service import DecisionServices
from fengkong.fraud.links import LinkFeatures
from fengkong.fraud.lists import ListHit
from fengkong.fraud.velocity import VelocitySnapshot
from fengkong.onboarding.vault import Vault, generate_keyring
from fengkong.scoring.registry import ModelStatus, ModelVersion

_LIVE_POLICY = (PolicyStatus.ACTIVE, PolicyStatus.CHALLENGER)
_LIVE_MODEL = (ModelStatus.CHAMPION, ModelStatus.CHALLENGER)


def applicant_on_record(tables: Tables, id_number_bidx: str) -> ApplicantOnRecord:
    """The applicant's consents and history, as `db.repositories.applicant_queries` reads them.
    No loan is ever booked here (lending keeps its own tests), so the exposure is what was
    approved or offered on condition of security: automatically, or by an officer on a
    referral."""
    mine = {a.id for a in tables.applications.values() if a.id_number_bidx == id_number_bidx}
    by_officer = {
        d.application_id: d.approved_amount or 0
        for d in tables.officer_decisions.values()
        if d.outcome == Outcome.APPROVE
    }
    exposure = 0
    for d in tables.decisions.values():
        if d.application_id in mine:
            if d.outcome in (Outcome.APPROVE, Outcome.APPROVE_IF_SECURED):
                exposure += d.approved_amount or 0
            elif d.outcome == Outcome.REFER:
                exposure += by_officer.get(d.application_id, 0)
    consents = sorted(
        (c for c in tables.consents.values() if c.subject_bidx == id_number_bidx),
        key=lambda c: (c.granted_at, c.id),
    )
    return ApplicantOnRecord(tuple(consents), CustomerHistory(0, Fen(exposure)))


@dataclass(frozen=True, slots=True)
class MemoryDecisionReads:
    """`decision.live.DecisionReads` over a snapshot of the committed tables."""

    tables: Tables
    applicant: ApplicantOnRecord
    list_hits: tuple[ListHit, ...] = ()
    recorded: tuple[VelocitySnapshot, LinkFeatures] | None = None

    def live(self) -> frozenset[LiveEntry]:
        policies = (
            LiveEntry(POLICY, "", p.status.value, p.version, p.sha256)
            for p in self.tables.policies.values()
            if p.status in _LIVE_POLICY
        )
        models = (
            LiveEntry(MODEL, m.name, m.status.value, m.version, m.sha256)
            for m in self.tables.models.values()
            if m.status in _LIVE_MODEL
        )
        return frozenset((*policies, *models))

    def policy(self, version: str) -> PolicyVersion | None:
        return self.tables.policies.get(version)

    def model(self, version: str) -> ModelVersion | None:
        return self.tables.models.get(version)


def memory_reads(
    store: MemoryStore,
) -> Callable[[str, Any, Any], Any]:
    """The `reads` of `DecisionServices`: committed tables, read when the decision asks."""

    @contextmanager
    def reads(
        id_number_bidx: str, list_lookup: object, record_and_link: object
    ) -> Iterator[Callable[[], MemoryDecisionReads]]:
        if list_lookup is not None or record_and_link is not None:
            raise NotImplementedError("fraud look-ups need the database")

        def answer() -> MemoryDecisionReads:
            tables = store.snapshot()
            return MemoryDecisionReads(tables, applicant_on_record(tables, id_number_bidx))

        yield answer

    return reads


def referral_queue(
    settings: Settings, clock: Clock
) -> Callable[[Any, DecisionRecord, int | None], None]:
    """`Context.queue_referral`: a referred decision joins the officers' queue in its own
    transaction, the policy's review window winning over the configured one."""

    def queue(uow: Any, decision: DecisionRecord, due_hours: int | None) -> None:
        config = ReviewConfig.from_settings(settings)
        if due_hours is not None:
            config = replace(
                config,
                sla=timedelta(hours=due_hours),
                expire_after=max(config.expire_after, timedelta(hours=due_hours)),
            )
        enqueue_referral(uow, decision, clock, config, never_queued=True)

    return queue


@dataclass
class MemoryContext:
    """What use-case tests take from `bootstrap.Context` (`uow`, `clock`, `artifacts_dir`,
    `decisions`), on the in-memory unit of work. Model artifacts are files, as in production."""

    store: MemoryStore
    clock: Clock
    policy: ActivePolicy
    artifacts_dir: Path
    settings: Settings = field(default_factory=lambda: Settings(env="test"))
    vault: Vault = field(default_factory=lambda: Vault(generate_keyring()))
    decisions: DecisionServices = field(init=False)

    def __post_init__(self) -> None:
        self.decisions = DecisionServices(
            uow=self.uow,
            clock=self.clock,
            vault=self.vault,
            champion=ChampionCache(self.artifacts_dir),
            reads=memory_reads(self.store),
            live=LiveCache(PolicyCache(self.policy, self.settings.price_cap)),
            on_refer=referral_queue(self.settings, self.clock),
        )

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store)
