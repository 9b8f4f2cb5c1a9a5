"""The use cases behind the policy, review and model commands own their transaction: on fakes,
each commits exactly once when it succeeds and not at all when the rules refuse, so the API
and the CLI, which only call them, never commit."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import pytest

from fakes.access import approver
from fengkong.core.clock import FakeClock
from fengkong.decision.policy_admin import (
    approve_policy_activation,
    reject_policy_activation,
    request_policy_activation,
    submit_policy,
)
from fengkong.decision.policy_registry import (
    MakerChecker,
    PolicyStatus,
    PolicyVersion,
    Role,
)
from fengkong.scoring.model_admin import register_audited_model
from fengkong.scoring.registry import ModelRepository, ModelStatus, ModelVersion

DOCUMENT = "version: retail-v9\n"


class FakeAudit:
    def __init__(self) -> None:
        self.pending: list[str] = []
        self.committed: list[str] = []

    def append(
        self,
        *,
        at: Any,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        payload: Mapping[str, object] | None = None,
    ) -> None:
        self.pending.append(action)


class FakePolicies:
    def __init__(self) -> None:
        self.rows: dict[str, PolicyVersion] = {}

    def add(self, policy: PolicyVersion) -> None:
        self.rows[policy.version] = policy

    def get(self, version: str, *, for_update: bool = False) -> PolicyVersion | None:
        return self.rows.get(version)

    def list(self) -> list[PolicyVersion]:
        return list(self.rows.values())

    def with_status(self, status: PolicyStatus) -> PolicyVersion | None:
        return next((p for p in self.rows.values() if p.status == status), None)

    def save(self, policy: PolicyVersion) -> None:
        self.rows[policy.version] = policy


class FakeModels:
    def __init__(self) -> None:
        self.rows: dict[str, ModelVersion] = {}

    def add(self, model: ModelVersion) -> None:
        self.rows[model.version] = model

    def get(self, version: str) -> ModelVersion | None:
        return self.rows.get(version)

    def list(self, name: str | None = None) -> list[ModelVersion]:
        return [m for m in self.rows.values() if name is None or m.name == name]

    def champion(self, name: str) -> ModelVersion | None:
        return next((m for m in self.list(name) if m.status == ModelStatus.CHAMPION), None)

    def challenger(self, name: str) -> ModelVersion | None:
        return next((m for m in self.list(name) if m.status == ModelStatus.CHALLENGER), None)

    def set_status(self, version: str, status: ModelStatus) -> None:
        self.rows[version] = dataclasses.replace(self.rows[version], status=status)


class FakeUnitOfWork:
    """Policies, models and the audit log; the state is kept as of the last commit and restored
    when a block is left without one."""

    def __init__(self) -> None:
        self.policies = FakePolicies()
        self.models = FakeModels()
        self.audit = FakeAudit()
        self.commits = 0
        self._saved: tuple[dict[str, PolicyVersion], dict[str, ModelVersion]] = ({}, {})

    def __enter__(self) -> Self:
        self._saved = (dict(self.policies.rows), dict(self.models.rows))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.policies.rows, self.models.rows = self._saved
        self.audit.pending.clear()

    def commit(self) -> None:
        self._saved = (dict(self.policies.rows), dict(self.models.rows))
        self.audit.committed.extend(self.audit.pending)
        self.audit.pending.clear()
        self.commits += 1


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))


def validate(text: str) -> str:
    return "retail-v9"


def test_a_policy_goes_live_in_one_transaction_per_step(clock: FakeClock) -> None:
    uow = FakeUnitOfWork()
    policy, created = submit_policy(uow, DOCUMENT, author="ann", clock=clock, validate=validate)
    assert created and uow.commits == 1
    request_policy_activation(
        uow, policy.version, requested_by="bob", clock=clock, role=Role.CHAMPION, validate=validate
    )
    active, previous = approve_policy_activation(
        uow, policy.version, checker=approver("cyd"), clock=clock
    )
    assert active.status == PolicyStatus.ACTIVE and previous is None
    assert uow.commits == 3
    assert uow.audit.committed == [
        "policy.submitted",
        "policy.activation_requested",
        "policy.activated",
    ]


def test_a_refused_step_commits_nothing(clock: FakeClock) -> None:
    uow = FakeUnitOfWork()
    policy, _ = submit_policy(uow, DOCUMENT, author="ann", clock=clock, validate=validate)
    request_policy_activation(
        uow, policy.version, requested_by="bob", clock=clock, role=Role.CHAMPION, validate=validate
    )
    with pytest.raises(MakerChecker):
        approve_policy_activation(uow, policy.version, checker=approver("ann"), clock=clock)
    assert uow.commits == 2 and uow.policies.rows[policy.version].status == "pending_approval"
    draft = reject_policy_activation(
        uow, policy.version, checker=approver("cyd"), reason="cut-offs too loose", clock=clock
    )
    assert draft.status == PolicyStatus.DRAFT and uow.commits == 3


def _model(version: str) -> ModelVersion:
    return ModelVersion(
        version=version,
        name="application",
        kind="scorecard",
        status=ModelStatus.CANDIDATE,
        sha256="0" * 64,
        path=f"models/{version}.json",
        created_at=datetime(2026, 3, 2, tzinfo=UTC),
        data_fingerprint="f",
        features=("age",),
        params={},
        metrics={},
    )


def test_registering_a_model_commits_a_candidate_with_its_audit(clock: FakeClock) -> None:
    uow = FakeUnitOfWork()

    def register(models: ModelRepository) -> ModelVersion:
        models.add(_model("application-v1"))
        return _model("application-v1")

    model = register_audited_model(uow, register, actor="test", clock=clock)
    assert uow.commits == 1 and uow.models.rows[model.version].status == ModelStatus.CANDIDATE
    assert uow.audit.committed == ["model.registered"]
