"""The policy registry's use cases, on the in-memory unit of work: a document is validated when
it is submitted, activation needs an approver who neither wrote nor requested it, and approving
retires the version that held the role; every step is audited. The registry as stored (SQLite,
PostgreSQL) is held to the same answers by `tests/contracts/test_policy_repository.py`."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import pytest

from fakes import MemoryUnitOfWork
from fakes.access import approver
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict, Invalid, NotFound
from fengkong.decision import policy_registry as registry
from fengkong.decision.policy_registry import MakerChecker, PolicyStatus, Role, WrongPolicyStatus

NewUow = Callable[[], MemoryUnitOfWork]

STARTER = (
    resources.files("fengkong.decision").joinpath("policies/retail-v3.yaml").read_text("utf-8")
)


def starter(version: str) -> str:
    """The shipped retail-v3's text under another version number: `starter("retail-v4")`."""
    return STARTER.replace("\nversion: 3\n", f"\nversion: {version.rsplit('-v', 1)[1]}\n", 1)


def _submit(memory_uow: NewUow, clock: FakeClock, text: str, author: str = "analyst") -> str:
    with memory_uow() as uow:
        policy, created = registry.submit(uow, text, author=author, clock=clock)
        uow.commit()
    assert created
    return policy.version


def _activate(
    memory_uow: NewUow, clock: FakeClock, version: str, role: Role = Role.CHAMPION
) -> None:
    with memory_uow() as uow:
        registry.request_activation(uow, version, requested_by="analyst", clock=clock, role=role)
        registry.approve_activation(uow, version, checker=approver("head_of_risk"), clock=clock)
        uow.commit()


def test_submit_stores_the_text_its_hash_and_a_draft(memory_uow: NewUow, clock: FakeClock) -> None:
    version = _submit(memory_uow, clock, starter("retail-v2"))
    with memory_uow() as uow:
        policy = registry.get(uow, version)
        again, created = registry.submit(uow, starter("retail-v2"), author="other", clock=clock)
        records = uow.audit.for_subject("policy", version)
    assert policy.document == starter("retail-v2")
    assert policy.sha256 == registry.document_sha256(starter("retail-v2"))
    assert (policy.status, policy.author) == (PolicyStatus.DRAFT, "analyst")
    assert again == policy and not created  # the same text again: the stored version
    assert [r.action for r in records] == ["policy.submitted"]


def test_another_text_under_a_stored_version_is_refused(
    memory_uow: NewUow, clock: FakeClock
) -> None:
    _submit(memory_uow, clock, starter("retail-v2"))
    changed = starter("retail-v2").replace('A: "0.108"', 'A: "0.11"')
    with memory_uow() as uow, pytest.raises(Conflict, match="new version"):
        registry.submit(uow, changed, author="analyst", clock=clock)


def test_a_document_that_does_not_load_is_never_stored(
    memory_uow: NewUow, clock: FakeClock
) -> None:
    broken = starter("retail-v3").replace(
        "{from: 519, to: 527, outcome: refer}", "{from: 515, to: 527, outcome: refer}"
    )
    with memory_uow() as uow:
        with pytest.raises(Invalid, match="overlaps"):
            registry.submit(uow, broken, author="analyst", clock=clock)
        with pytest.raises(Invalid, match="line 1, column"):
            registry.submit(uow, "version: [", author="analyst", clock=clock)
        assert registry.list_versions(uow) == ()


def test_the_validate_hook_names_the_version(memory_uow: NewUow, clock: FakeClock) -> None:
    with memory_uow() as uow:
        policy, _ = registry.submit(
            uow,
            "anything the new engine reads",
            author="analyst",
            clock=clock,
            validate=lambda text: "engine-v9",
        )
    assert policy.version == "engine-v9"


def test_the_author_cannot_approve(memory_uow: NewUow, clock: FakeClock) -> None:
    version = _submit(memory_uow, clock, starter("retail-v2"), author="zhang")
    with memory_uow() as uow:
        registry.request_activation(uow, version, requested_by="zhang", clock=clock)
        uow.commit()
    with memory_uow() as uow, pytest.raises(MakerChecker, match="wrote"):
        registry.approve_activation(uow, version, checker=approver("zhang"), clock=clock)
    with memory_uow() as uow:
        assert registry.active(uow) is None


def test_the_requester_cannot_approve(memory_uow: NewUow, clock: FakeClock) -> None:
    version = _submit(memory_uow, clock, starter("retail-v2"), author="zhang")
    with memory_uow() as uow:
        registry.request_activation(uow, version, requested_by="wang", clock=clock)
        with pytest.raises(MakerChecker, match="requested"):
            registry.approve_activation(uow, version, checker=approver("wang"), clock=clock)


def test_approval_needs_a_pending_request(memory_uow: NewUow, clock: FakeClock) -> None:
    version = _submit(memory_uow, clock, starter("retail-v2"))
    with memory_uow() as uow:
        with pytest.raises(WrongPolicyStatus):
            registry.approve_activation(uow, version, checker=approver("head_of_risk"), clock=clock)
        with pytest.raises(NotFound):
            registry.request_activation(uow, "nope", requested_by="analyst", clock=clock)


def test_activation_retires_the_previous_champion(memory_uow: NewUow, clock: FakeClock) -> None:
    v2 = _submit(memory_uow, clock, starter("retail-v2"))
    v3 = _submit(memory_uow, clock, starter("retail-v3"))
    _activate(memory_uow, clock, v2)
    _activate(memory_uow, clock, v3)
    with memory_uow() as uow:
        champion = registry.active(uow)
        old = registry.get(uow, v2)
        records = uow.audit.for_subject("policy", v3)
    assert champion is not None and champion.version == v3
    assert (champion.approved_by, champion.requested_by) == ("user:head_of_risk", "analyst")
    assert old.status == PolicyStatus.RETIRED and old.retired_at is not None
    assert [r.action for r in records] == [
        "policy.submitted",
        "policy.activation_requested",
        "policy.activated",
    ]
    assert records[-1].payload["retired"] == v2
    assert records[-1].actor == "user:head_of_risk"


def test_challenger_then_promotion_and_rollback(memory_uow: NewUow, clock: FakeClock) -> None:
    v2 = _submit(memory_uow, clock, starter("retail-v2"))
    v3 = _submit(memory_uow, clock, starter("retail-v3"))
    _activate(memory_uow, clock, v2)
    _activate(memory_uow, clock, v3, Role.CHALLENGER)
    with memory_uow() as uow:
        assert registry.challenger(uow).version == v3  # type: ignore[union-attr]
        assert registry.active(uow).version == v2  # type: ignore[union-attr]
    _activate(memory_uow, clock, v3)  # the challenger is promoted
    with memory_uow() as uow:
        assert registry.active(uow).version == v3  # type: ignore[union-attr]
        assert registry.challenger(uow) is None
    _activate(memory_uow, clock, v2)  # rollback: a retired version goes through the same checks
    with memory_uow() as uow:
        assert registry.active(uow).version == v2  # type: ignore[union-attr]


def test_a_rejected_request_returns_to_draft(memory_uow: NewUow, clock: FakeClock) -> None:
    version = _submit(memory_uow, clock, starter("retail-v2"))
    with memory_uow() as uow:
        registry.request_activation(uow, version, requested_by="analyst", clock=clock)
        draft = registry.reject_activation(
            uow, version, checker=approver("head_of_risk"), reason="cut-off too low", clock=clock
        )
        uow.commit()
    assert draft.status == PolicyStatus.DRAFT and draft.requested_by is None
