"""The expensive check is made only when the policy asks it: under the shipped retail-v3, the
bank card four-factor check is asked of a large first loan alone, and a caller that makes the
checks a decision waits for calls the card provider exactly for those applications."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from decision.identity_helpers import apply, services
from decision.policy_helpers import AS_OF, good_facts
from fakes.decisions import MemoryContext
from fengkong.decision.bundle import ActivePolicy, read_shipped_bundle
from fengkong.decision.compiler import load_shipped_policy
from fengkong.decision.evaluate import evaluate
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy import PolicyOutcome
from fengkong.decision.verification import verify, waiting_check
from fengkong.sources.identity_simulated import SimulatedIdentityProvider
from fengkong.sources.kinds import SourceKind

POLICY = load_shipped_policy()
CARD = SourceKind.BANK_CARD_FOUR_FACTOR
THRESHOLD_FEN = 4_000_000
PARAMS = {"liveness": {"liveness_token": "sdk"}, "bank_card_four_factor": {}}


def _rule_holds(amount: int, returning: bool) -> bool:
    return amount > THRESHOLD_FEN and not returning


@given(
    amount=st.integers(100_000, 5_000_000),
    returning=st.booleans(),
    burst=st.booleans(),
)
def test_the_policy_asks_the_card_check_exactly_when_its_rule_holds(
    amount: int, returning: bool, burst: bool
) -> None:
    facts = good_facts(
        amount=amount,
        customer__returning=returning,
        velocity__id__24h__count=6 if burst else 1,
    )
    first = evaluate(POLICY, facts, as_of=AS_OF)
    asked = []
    while first.outcome is PolicyOutcome.VERIFY:
        assert first.step_up is not None
        asked.append(first.step_up)
        facts = {**facts, f"step_up.{first.step_up}": True}
        first = evaluate(POLICY, facts, as_of=AS_OF)
    assert (CARD.value in asked) == _rule_holds(amount, returning)
    assert ("liveness" in asked) == burst
    if burst and _rule_holds(amount, returning):
        assert asked == [CARD.value, "liveness"]  # the cheaper check first


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(yuan=st.integers(1_000, 50_000))
@example(yuan=40_000)
@example(yuan=40_001)
def test_the_card_provider_is_called_only_for_large_first_loans(
    memory_context: MemoryContext, yuan: int
) -> None:
    ctx = MemoryContext(
        memory_context.store,
        memory_context.clock,
        ActivePolicy.of(read_shipped_bundle("retail-v3.yaml")),
        memory_context.artifacts_dir,
        vault=memory_context.vault,
    )
    provider = SimulatedIdentityProvider()
    decision = apply(
        ctx,
        amount=f"{Decimal(yuan):.2f}",
        applicant__bank_card="6222020200112345679",
    )
    returning = bool(decision.facts.get("customer.returning"))
    while decision.outcome == Outcome.VERIFY:
        check = waiting_check(decision)
        assert check is not None
        decision = verify(
            decision.application_id, check, PARAMS[check], provider, services(ctx)
        ).decision
    called = [r.kind for r in provider.calls]
    assert (CARD in called) == _rule_holds(yuan * 100, returning)
