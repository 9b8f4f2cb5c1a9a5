"""What decides the next application: the registries' live policies (active and challenger) and
models (champion and challenger of every name). One small query per application names them, by
version and hash; documents and model rows are read, and policies compiled, only when that answer
changes — so an activation takes effect from the next application, in every process."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from fengkong.core.errors import IntegrityBroken
from fengkong.decision.bundle import ActivePolicy, PolicyCache
from fengkong.decision.facts import ApplicantOnRecord
from fengkong.decision.policy_registry import PolicyStatus, PolicyVersion
from fengkong.fraud.links import LinkFeatures
from fengkong.fraud.lists import ListHit
from fengkong.fraud.velocity import VelocitySnapshot
from fengkong.scoring.registry import ModelStatus, ModelVersion

POLICY = "policy"
MODEL = "model"


@dataclass(frozen=True, slots=True)
class LiveEntry:
    """One live role in a registry, the version holding it and the hash of what that version is
    (its document, its artifact): stored versions never change, so these name everything."""

    registry: str  # POLICY or MODEL
    name: str  # the model's name; "" for a policy
    status: str
    version: str
    sha256: str


class LiveRegistry(Protocol):
    def live(self) -> frozenset[LiveEntry]: ...
    def policy(self, version: str) -> PolicyVersion | None: ...
    def model(self, version: str) -> ModelVersion | None: ...


class DecisionReads(LiveRegistry, Protocol):
    """The registries as a decision reads them, with the applicant on record and the list
    entries on the application's keys read in the same exchange: the decision's own
    transaction then only writes."""

    @property
    def applicant(self) -> ApplicantOnRecord: ...
    @property
    def list_hits(self) -> tuple[ListHit, ...]: ...
    @property
    def recorded(self) -> tuple[VelocitySnapshot, LinkFeatures] | None:
        """The velocity record and link update sent with the reads, when they were."""
        ...


@dataclass(frozen=True, slots=True)
class Live:
    policy: ActivePolicy  # the active policy, or the configured one until one is activated
    policy_challenger: ActivePolicy | None
    models: Mapping[tuple[str, str], ModelVersion]  # (name, status) → its row

    def model(self, name: str, status: ModelStatus) -> ModelVersion | None:
        return self.models.get((name, status.value))


class LiveCache:
    """The last answer of the registries and what it resolved to."""

    def __init__(self, policies: PolicyCache) -> None:
        self.policies = policies
        self._last: tuple[frozenset[LiveEntry], Live] | None = None

    @property
    def last(self) -> Live | None:
        """What the registries named when last asked (None: never asked yet)."""
        last = self._last
        return None if last is None else last[1]

    def current(self, registry: LiveRegistry) -> Live:
        entries = registry.live()
        last = self._last  # read once: another thread may replace it meanwhile
        if last is not None and last[0] == entries:
            return last[1]
        live = self._resolve(entries, registry)
        self._last = (entries, live)
        return live

    def _resolve(self, entries: frozenset[LiveEntry], registry: LiveRegistry) -> Live:
        policies: dict[str, ActivePolicy] = {}
        models: dict[tuple[str, str], ModelVersion] = {}
        for entry in entries:
            if entry.registry == POLICY:
                policy = registry.policy(entry.version)
                if policy is None or policy.sha256 != entry.sha256:
                    raise IntegrityBroken(f"policy {entry.version} changed or vanished")
                policies[entry.status] = self.policies.of(policy.version, policy.document)
            else:
                model = registry.model(entry.version)
                if model is None or model.sha256 != entry.sha256:
                    raise IntegrityBroken(f"model {entry.version} changed or vanished")
                models[(entry.name, entry.status)] = model
        return Live(
            policy=policies.get(PolicyStatus.ACTIVE.value, self.policies.fallback),
            policy_challenger=policies.get(PolicyStatus.CHALLENGER.value),
            models=models,
        )
