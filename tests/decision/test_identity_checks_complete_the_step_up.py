"""An identity check asked by the policy is made through a provider, and its answer completes
the step-up: each check passes for the genuine applicant and fails on the wrong factor, the
call is recorded (audit, trace, cost), an unusable or missing answer leaves the decision
waiting, and an SMS code fails for good on the third wrong code."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from decision.identity_helpers import apply, context_asking, services
from fakes.decisions import MemoryContext
from fengkong.core.errors import Conflict, Invalid, NotFound
from fengkong.decision.outcome import Outcome
from fengkong.decision.verification import (
    IdentityCheckUnavailable,
    verification_costs,
    verify,
)
from fengkong.sources.connector import Answer, SourceRequest, Subject
from fengkong.sources.identity import DEFAULT_PRICES_FEN, IdentityPrices
from fengkong.sources.identity_simulated import OnFile, SimulatedIdentityProvider, as_applied

CARD = "6222020200112345679"  # Luhn-valid
PARAMS: dict[str, dict[str, Any]] = {
    "id_name_match": {},
    "carrier_three_factor": {},
    "bank_card_four_factor": {"bank_card": CARD},
    "liveness": {"liveness_token": "sdk-token-1"},
}


def _waiting(memory_context: MemoryContext, check: str) -> tuple[MemoryContext, str]:
    ctx = context_asking(memory_context, check)
    decision = apply(ctx, amount="20000.00")
    assert decision.outcome == Outcome.VERIFY, decision.reasons
    return ctx, decision.application_id


def _actions(ctx: MemoryContext, application_id: str) -> list[str]:
    with ctx.uow() as uow:
        return [r.action for r in uow.audit.for_subject("application", application_id)]


@pytest.mark.parametrize("check", sorted(PARAMS))
def test_the_genuine_applicant_passes_and_the_decision_completes(
    memory_context: MemoryContext, check: str
) -> None:
    ctx, app_id = _waiting(memory_context, check)
    done = verify(app_id, check, PARAMS[check], SimulatedIdentityProvider(), services(ctx))
    assert done.completed and done.call.status == "passed"
    assert done.decision.outcome != Outcome.VERIFY
    assert done.decision.facts[f"step_up.{check}"] is True
    assert done.decision.facts[f"identity.{check}.result"] == "passed"
    assert done.cost_total_fen == DEFAULT_PRICES_FEN[check]
    traced = [t["call"] for t in done.decision.trace if t.get("stage") == "identity_check"]
    assert traced == [done.call.as_dict()]
    assert _actions(ctx, app_id)[-2:] == ["identity.checked", "decision.resumed"]
    with pytest.raises(Conflict):  # no longer waiting: no second call, no second charge
        verify(app_id, check, PARAMS[check], SimulatedIdentityProvider(), services(ctx))


@pytest.mark.parametrize(
    ("check", "on_file", "factor"),
    [
        ("id_name_match", OnFile("李四", "13800138000"), "name"),
        ("carrier_three_factor", OnFile("张三", "13900139000"), "mobile"),
        ("bank_card_four_factor", OnFile("张三", "13800138000", frozenset({"1"})), "bank_card"),
        ("liveness", OnFile("张三", "13800138000", face_odds=0.0), "face"),
    ],
)
def test_an_impostor_fails_on_the_wrong_factor_and_is_declined(
    memory_context: MemoryContext, check: str, on_file: OnFile, factor: str
) -> None:
    ctx, app_id = _waiting(memory_context, check)
    provider = SimulatedIdentityProvider(lambda s: on_file)
    done = verify(app_id, check, PARAMS[check], provider, services(ctx))
    assert done.call.status == "failed" and factor in done.call.mismatched
    assert done.decision.outcome == Outcome.DECLINE
    assert "FR_STEP_UP_FAILED" in [r.code for r in done.decision.reasons]
    assert factor in str(done.decision.facts[f"identity.{check}.mismatch"])


def test_a_check_other_than_the_one_waited_for_is_a_conflict(memory_context: MemoryContext) -> None:
    ctx, app_id = _waiting(memory_context, "liveness")
    provider = SimulatedIdentityProvider()
    with pytest.raises(Conflict, match="waits for 'liveness'"):
        verify(app_id, "carrier_three_factor", {}, provider, services(ctx))
    with pytest.raises(Invalid, match="unknown identity check"):
        verify(app_id, "palm_reading", {}, provider, services(ctx))
    with pytest.raises(NotFound):
        verify("app_nope", "liveness", {}, provider, services(ctx))
    assert not provider.calls


def test_a_missing_request_field_is_refused_before_any_call(memory_context: MemoryContext) -> None:
    ctx, app_id = _waiting(memory_context, "liveness")
    provider = SimulatedIdentityProvider()
    with pytest.raises(Invalid) as refused:
        verify(app_id, "liveness", {}, provider, services(ctx))
    assert [e.loc for e in refused.value.errors] == [("params", "liveness_token")]
    ctx, app_id = _waiting(memory_context, "bank_card_four_factor")
    with pytest.raises(Invalid) as refused:
        verify(app_id, "bank_card_four_factor", {}, provider, services(ctx))
    assert [e.loc for e in refused.value.errors] == [("subject", "bank_card")]
    with pytest.raises(Invalid) as refused:
        verify(
            app_id,
            "bank_card_four_factor",
            {"bank_card": "6222020200112345678"},
            provider,
            services(ctx),
        )
    assert refused.value.errors[0].loc == ("params", "bank_card")
    assert not provider.calls


class _Answering:
    """A provider answering `payload` (its subject, as of and check filled in unless given)."""

    provider = "fixed"

    def __init__(self, **payload: Any) -> None:
        self.payload = payload

    def fetch(self, request: SourceRequest) -> Answer:
        doc = {
            "subject": request.subject.key,
            "as_of": request.as_of.isoformat(),
            "check": request.kind.value,
            **self.payload,
        }
        return Answer(request.kind, self.provider, doc, 30, 12)


@pytest.mark.parametrize(
    "payload",
    [
        {"subject": "someone-else", "result": "passed", "code": "MATCH"},
        {"result": "maybe", "code": "MATCH"},
        {"result": "passed"},
        {"check": "carrier_three_factor", "result": "passed", "code": "MATCH"},
        {"result": "unavailable", "code": "NO_RECORD"},
    ],
)
def test_an_unusable_answer_leaves_the_decision_waiting_and_is_paid_for(
    memory_context: MemoryContext, payload: dict[str, Any]
) -> None:
    ctx, app_id = _waiting(memory_context, "id_name_match")
    with pytest.raises(IdentityCheckUnavailable) as refused:
        verify(app_id, "id_name_match", {}, _Answering(**payload), services(ctx))
    assert refused.value.retry_after_seconds > 0
    with ctx.uow() as uow:
        decision = uow.decisions.for_application(app_id)
    assert decision is not None and decision.outcome == Outcome.VERIFY
    assert verification_costs(app_id, services(ctx)).total_fen == 30
    # and the same check, answered well, still completes it
    done = verify(app_id, "id_name_match", {}, SimulatedIdentityProvider(), services(ctx))
    assert done.completed and done.cost_total_fen == 30 + DEFAULT_PRICES_FEN["id_name_match"]


def test_an_unavailable_provider_leaves_the_decision_waiting_free(
    memory_context: MemoryContext,
) -> None:
    ctx, app_id = _waiting(memory_context, "carrier_three_factor")
    down = SimulatedIdentityProvider(unavailable_share=1.0)
    for _ in range(2):
        with pytest.raises(IdentityCheckUnavailable, match="still waits"):
            verify(app_id, "carrier_three_factor", {}, down, services(ctx))
    with pytest.raises(IdentityCheckUnavailable, match="no identity-check provider"):
        verify(app_id, "carrier_three_factor", {}, None, services(ctx))
    costs = verification_costs(app_id, services(ctx))
    assert (costs.total_fen, len(costs.calls)) == (0, 2)
    assert _actions(ctx, app_id)[-1] == "identity.checked"


def test_sms_code_is_sent_then_checked(memory_context: MemoryContext) -> None:
    ctx, app_id = _waiting(memory_context, "sms_otp")
    sms = SimulatedIdentityProvider(seed=7)
    sent = verify(app_id, "sms_otp", {}, sms, services(ctx))
    assert not sent.completed and sent.call.status == "sent" and sent.otp_attempts_left == 3
    code = sms.inbox("13800138000")
    assert code is not None
    with pytest.raises(Invalid) as refused:
        verify(app_id, "sms_otp", {"code": "12"}, sms, services(ctx))
    assert [e.loc for e in refused.value.errors] == [("params", "code")]
    done = verify(app_id, "sms_otp", {"code": code}, sms, services(ctx))
    assert done.completed and done.decision.facts["step_up.sms_otp"] is True
    assert done.cost_total_fen == DEFAULT_PRICES_FEN["sms_otp"]  # checking a code is free


def test_three_wrong_sms_codes_fail_the_check(memory_context: MemoryContext) -> None:
    ctx, app_id = _waiting(memory_context, "sms_otp")
    sms = SimulatedIdentityProvider(seed=7)
    with pytest.raises(Conflict, match="no SMS code was sent"):
        verify(app_id, "sms_otp", {"code": "123456"}, sms, services(ctx))
    verify(app_id, "sms_otp", {}, sms, services(ctx))
    right = sms.inbox("13800138000")
    wrong = "000000" if right != "000000" else "111111"
    first = verify(app_id, "sms_otp", {"code": wrong}, sms, services(ctx))
    assert (first.completed, first.otp_attempts_left) == (False, 2)
    verify(app_id, "sms_otp", {}, sms, services(ctx))  # a resend does not reset the count
    wrong = "000000" if sms.inbox("13800138000") != "000000" else "111111"
    second = verify(app_id, "sms_otp", {"code": wrong}, sms, services(ctx))
    assert (second.completed, second.otp_attempts_left) == (False, 1)
    third = verify(app_id, "sms_otp", {"code": wrong}, sms, services(ctx))
    assert third.completed and third.otp_attempts_left == 0
    assert third.decision.outcome == Outcome.DECLINE
    with pytest.raises(Conflict):  # settled: no more codes
        verify(app_id, "sms_otp", {"code": right or "123456"}, sms, services(ctx))


def test_costs_sum_per_application_with_overridden_prices(memory_context: MemoryContext) -> None:
    ctx, app_id = _waiting(memory_context, "sms_otp")
    svc = replace(services(ctx), prices=IdentityPrices.of({"sms_otp": 7}))
    sms = SimulatedIdentityProvider(prices=svc.prices)
    for _ in range(3):
        verify(app_id, "sms_otp", {}, sms, svc)
    costs = verification_costs(app_id, svc)
    assert (costs.total_fen, dict(costs.by_check), len(costs.calls)) == (21, {"sms_otp": 21}, 3)
    other_ctx, other = _waiting(memory_context, "id_name_match")
    verify(other, "id_name_match", {}, SimulatedIdentityProvider(), services(other_ctx))
    assert verification_costs(app_id, svc).total_fen == 21  # each application its own
    with pytest.raises(Invalid):
        IdentityPrices.of({"palm_reading": 1})
    with pytest.raises(Invalid):
        IdentityPrices.of({"liveness": -1})


def test_the_simulated_registry_as_applied_knows_the_applicant() -> None:
    subject = Subject("k", name="张三", id_number="110105199003071239", phone="13800138000")
    on_file = as_applied(subject)
    assert on_file is not None and on_file.phone == "13800138000"
    assert as_applied(Subject("k")) is None
