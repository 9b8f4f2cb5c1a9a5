"""The policy the registry activates (maker-checker) is the one that decides, from the next
application on; a challenger policy runs in shadow or decides its share. On the in-memory unit
of work; the live roles read from the database are followed in
`tests/integration/test_live_registry_is_cached_and_followed.py`."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from importlib import resources

from factories import body
from fakes.access import approver
from fakes.decisions import MemoryContext
from fengkong.api.schemas import ApplicationIn
from fengkong.decision import policy_registry as registry
from fengkong.decision.record import DecisionRecord
from fengkong.decision.routing import ChallengerConfig, Mode
from fengkong.decision.service import submit_application

DEMO = resources.files("fengkong.decision").joinpath("policies/demo-german.yaml").read_text("utf-8")


def _version(n: int, *, approve_at: int = 530) -> str:
    text = DEMO.replace("\nversion: 2\n", f"\nversion: {n}\n", 1)
    return text.replace(
        "      - {from: 515, to: 530, outcome: refer}\n      - {from: 530, to: 1000, outcome: approve}",
        f"      - {{from: 515, to: {approve_at}, outcome: refer}}\n"
        f"      - {{from: {approve_at}, to: 1000, outcome: approve}}",
    )


def _activate(
    memory_context: MemoryContext, text: str, role: registry.Role = registry.Role.CHAMPION
) -> str:
    with memory_context.uow() as uow:
        policy, _ = registry.submit(uow, text, author="zhang", clock=memory_context.clock)
        registry.request_activation(
            uow, policy.version, requested_by="zhang", clock=memory_context.clock, role=role
        )
        registry.approve_activation(
            uow, policy.version, checker=approver("li"), clock=memory_context.clock
        )
        uow.commit()
    return policy.version


def _decide(memory_context: MemoryContext) -> DecisionRecord:
    request = ApplicationIn.model_validate(body()).to_request(memory_context.clock.business_date())
    return submit_application(request, memory_context.decisions)


def test_the_configured_policy_decides_until_one_is_activated(
    memory_context: MemoryContext,
) -> None:
    assert _decide(memory_context).policy_version == "demo-german-v2"
    version = _activate(memory_context, _version(3))
    assert version == "demo-german-v3"
    decided = _decide(memory_context)
    assert decided.policy_version == "demo-german-v3"
    assert decided.policy_sha256 is not None


def test_a_challenger_policy_in_shadow_is_recorded_not_acted_on(
    memory_context: MemoryContext,
) -> None:
    _activate(memory_context, _version(3))
    _activate(memory_context, _version(4, approve_at=990), registry.Role.CHALLENGER)
    memory_context.decisions = replace(
        memory_context.decisions,
        policy_challenge=ChallengerConfig(share=Decimal(1), mode=Mode.SHADOW),
    )
    decided = _decide(memory_context)
    assert decided.policy_version == "demo-german-v3"
    (shadow,) = [t for t in decided.trace if t.get("stage") == "shadow_policy"]
    assert shadow["policy"] == "demo-german-v4"
    assert shadow["outcome"] in ("refer", "decline", "verify")


def test_a_challenger_policy_in_split_decides_its_share(memory_context: MemoryContext) -> None:
    _activate(memory_context, _version(3))
    _activate(memory_context, _version(4), registry.Role.CHALLENGER)
    memory_context.decisions = replace(
        memory_context.decisions,
        policy_challenge=ChallengerConfig(share=Decimal(1), mode=Mode.SPLIT),
    )
    assert _decide(memory_context).policy_version == "demo-german-v4"
