"""No identity check is made without the applicant's consent to anti-fraud checks (反欺诈核验) in
force: the provider is not called, the caller gets a typed refusal naming the purpose, and the
decision that waited for the check is referred with a reason naming the check and why, in
English and Chinese; the referral replays from what it stored."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from decision.identity_helpers import apply, context_asking, services
from factories import body
from fakes.decisions import MemoryContext
from fengkong.api.schemas import ApplicationIn
from fengkong.core.errors import Conflict
from fengkong.decision.identity_facts import CHECKED
from fengkong.decision.outcome import Outcome
from fengkong.decision.replay import Replayer
from fengkong.decision.service import submit_application
from fengkong.decision.verification import IdentityCheckNoConsent, verify, waiting_check
from fengkong.onboarding.consent import Purpose, revoke
from fengkong.sources.fetching import NoConsent
from fengkong.sources.identity_simulated import SimulatedIdentityProvider

PARAMS: dict[str, dict[str, Any]] = {
    "id_name_match": {},
    "sms_otp": {},
    "liveness": {"liveness_token": "sdk-token-1"},
}


def _without_consent(ctx: MemoryContext) -> str:
    """An application whose applicant consented to the credit report only."""
    payload = body(amount="20000.00")
    request = ApplicationIn.model_validate(payload).to_request(ctx.clock.business_date())
    decision = submit_application(request, ctx.decisions)
    assert decision.outcome == Outcome.VERIFY, decision.reasons
    return str(decision.application_id)


def _actions(ctx: MemoryContext, application_id: str) -> list[str]:
    with ctx.uow() as uow:
        return [r.action for r in uow.audit.for_subject("application", application_id)]


@pytest.mark.parametrize("check", sorted(PARAMS))
def test_without_consent_no_provider_is_called_and_the_decision_refers(
    memory_context: MemoryContext, check: str
) -> None:
    ctx = context_asking(memory_context, check)
    app_id = _without_consent(ctx)
    provider = SimulatedIdentityProvider()
    with pytest.raises(IdentityCheckNoConsent) as refused:
        verify(app_id, check, PARAMS[check], provider, services(ctx))
    assert isinstance(refused.value, NoConsent) and isinstance(refused.value, Conflict)
    assert refused.value.purpose == Purpose.FRAUD_CHECK.value
    assert "fraud_check" in refused.value.detail and "反欺诈核验" in refused.value.detail
    assert not provider.calls
    decision = refused.value.decision
    assert decision.outcome == Outcome.REFER and waiting_check(decision) is None
    [reason] = [r for r in decision.reasons if r.code == f"SRC_{check.upper()}_NO_CONSENT"]
    assert "consented to anti-fraud checks" in reason.text_en
    assert "反欺诈核验" in reason.text_zh and reason.text_zh.endswith("转人工审核")
    assert decision.facts[f"identity.{check}.result"] == "no_consent"
    assert f"step_up.{check}" not in decision.facts
    with ctx.uow() as uow:
        stored = uow.decisions.for_application(app_id)
        assert stored is not None and stored.outcome == Outcome.REFER
        assert Replayer(uow, ctx.artifacts_dir).replay(stored).matches
    actions = _actions(ctx, app_id)
    assert CHECKED not in actions and actions[-1] == "decision.resumed"
    with pytest.raises(Conflict, match="not waiting"):  # referred: no second try
        verify(app_id, check, PARAMS[check], provider, services(ctx))


def test_a_revoked_consent_refuses_the_check(memory_context: MemoryContext) -> None:
    ctx = context_asking(memory_context, "id_name_match")
    decision = apply(ctx, amount="20000.00")  # with the fraud-check consent
    with ctx.uow() as uow:
        [given] = [
            c
            for c in uow.consents.for_subject(_bidx(ctx, decision.application_id))
            if c.purpose is Purpose.FRAUD_CHECK
        ]
    ctx.clock.advance(timedelta(minutes=1))
    revoke(ctx.uow(), given.id, actor="test", clock=ctx.clock)
    provider = SimulatedIdentityProvider()
    with pytest.raises(IdentityCheckNoConsent):
        verify(decision.application_id, "id_name_match", {}, provider, services(ctx))
    assert not provider.calls


def test_with_consent_the_check_is_made(memory_context: MemoryContext) -> None:
    ctx = context_asking(memory_context, "id_name_match")
    decision = apply(ctx, amount="20000.00")
    provider = SimulatedIdentityProvider()
    done = verify(decision.application_id, "id_name_match", {}, provider, services(ctx))
    assert done.completed and len(provider.calls) == 1


def _bidx(ctx: MemoryContext, application_id: str) -> str:
    with ctx.uow() as uow:
        app = uow.applications.get(application_id)
    assert app is not None
    return str(app.id_number_bidx)
