"""A policy that asks one identity check of applications above an amount, on the in-memory unit
of work, and the verification services over it."""

from __future__ import annotations

from typing import Any

from factories import body_checkable
from fakes.decisions import MemoryContext
from fengkong.api.schemas import ApplicationIn
from fengkong.decision.bundle import ActivePolicy, PolicyBundle, read_shipped_bundle
from fengkong.decision.record import DecisionRecord
from fengkong.decision.service import submit_application
from fengkong.decision.verification import VerificationServices

CHECK_ABOVE_FEN = 1_000_000  # ¥10,000


def policy_asking(check: str, when: str = f"amount >= {CHECK_ABOVE_FEN}") -> ActivePolicy:
    """The demo policy, its fraud stage one rule: `check` when `when` holds."""
    demo = read_shipped_bundle("demo-german.yaml")
    head, rest = demo.document.split("\nfraud:\n", 1)
    tail = rest[rest.index("\nsegments:") :]
    fraud = f"""
fraud:
  rules:
    - code: FR_ID_CHECK
      when: {when}
      outcome: verify
      check: {check}
      en: An identity check is needed
      zh: 需要身份核验
"""
    return ActivePolicy.of(PolicyBundle(f"demo-{check}.yaml", head + fraud + tail))


def context_asking(
    memory_context: MemoryContext, check: str, when: str | None = None
) -> MemoryContext:
    policy = policy_asking(check) if when is None else policy_asking(check, when)
    return MemoryContext(
        memory_context.store,
        memory_context.clock,
        policy,
        memory_context.artifacts_dir,
        vault=memory_context.vault,
    )


def services(ctx: MemoryContext) -> VerificationServices:
    return VerificationServices(decisions=ctx.decisions, uow=ctx.uow)  # type: ignore[arg-type]


def apply(ctx: MemoryContext, **changes: Any) -> DecisionRecord:
    """An application whose applicant consents to identity checks (and the credit report)."""
    payload = body_checkable(**changes)
    request = ApplicationIn.model_validate(payload).to_request(ctx.clock.business_date())
    return submit_application(request, ctx.decisions)
