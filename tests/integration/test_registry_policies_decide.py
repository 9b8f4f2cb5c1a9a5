"""The policy the registry activates (maker-checker) is the one that decides, from the next
application on; a challenger policy runs in shadow or decides its share."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from importlib import resources

from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
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


def _activate(context: Context, text: str, role: registry.Role = registry.Role.CHAMPION) -> str:
    with context.uow() as uow:
        policy, _ = registry.submit(uow, text, author="zhang", clock=context.clock)
        registry.request_activation(
            uow, policy.version, requested_by="zhang", clock=context.clock, role=role
        )
        registry.approve_activation(uow, policy.version, approver="li", clock=context.clock)
        uow.commit()
    return policy.version


def _decide(context: Context) -> DecisionRecord:
    request = ApplicationIn.model_validate(body()).to_request(context.clock.business_date())
    return submit_application(request, context.decisions)


def test_the_configured_policy_decides_until_one_is_activated(context: Context) -> None:
    assert _decide(context).policy_version == "demo-german-v2"
    version = _activate(context, _version(3))
    assert version == "demo-german-v3"
    decided = _decide(context)
    assert decided.policy_version == "demo-german-v3"
    assert decided.policy_sha256 is not None


def test_a_challenger_policy_in_shadow_is_recorded_not_acted_on(context: Context) -> None:
    _activate(context, _version(3))
    _activate(context, _version(4, approve_at=990), registry.Role.CHALLENGER)
    context.decisions = replace(
        context.decisions, policy_challenge=ChallengerConfig(share=Decimal(1), mode=Mode.SHADOW)
    )
    decided = _decide(context)
    assert decided.policy_version == "demo-german-v3"
    (shadow,) = [t for t in decided.trace if t.get("stage") == "shadow_policy"]
    assert shadow["policy"] == "demo-german-v4"
    assert shadow["outcome"] in ("refer", "decline", "verify")


def test_a_challenger_policy_in_split_decides_its_share(context: Context) -> None:
    _activate(context, _version(3))
    _activate(context, _version(4), registry.Role.CHALLENGER)
    context.decisions = replace(
        context.decisions, policy_challenge=ChallengerConfig(share=Decimal(1), mode=Mode.SPLIT)
    )
    assert _decide(context).policy_version == "demo-german-v4"
