"""What `POST /v1/applications/{id}/verifications/{check}` takes and answers (also `fengkong
application verify`)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fengkong.api.input import InputModel
from fengkong.api.schemas import DecisionOut
from fengkong.core.money import fen_to_yuan
from fengkong.decision.identity_facts import IdentityCall
from fengkong.decision.verification import IdentityCosts, Verification

__all__ = ["IdentityCallOut", "IdentityCostsOut", "VerificationIn", "VerificationOut"]


class VerificationIn(InputModel):
    """What the check needs beyond the application: the SMS code the applicant typed (without
    it, a code is sent), the liveness SDK's token, a bank card when the application gave none."""

    model_config = ConfigDict(extra="forbid")

    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{4,8}$")] | None = Field(
        default=None, description="sms_otp: the code the applicant typed; omit it to send one"
    )
    liveness_token: Annotated[str, StringConstraints(min_length=1, max_length=4096)] | None = Field(
        default=None, description="liveness: the token the app's liveness SDK returned"
    )
    bank_card: Annotated[str, StringConstraints(min_length=12, max_length=40)] | None = Field(
        default=None,
        description="bank_card_four_factor: the card to check, when the application gave none",
    )

    def params(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class VerificationOut(BaseModel):
    application_id: str
    check: str
    step: str | None = Field(description="sms_otp: `send` or `check`")
    result: str = Field(description="passed, failed or sent (a code went out)")
    provider: str
    provider_code: str
    mismatched: list[str]
    cost: str = Field(description="What this call cost, yuan")
    cost_total: str = Field(description="What the application's identity checks cost so far, yuan")
    elapsed_ms: int
    completed: bool = Field(
        description="Whether the call settled the check and the decision went on"
    )
    otp_attempts_left: int | None
    decision: DecisionOut

    @classmethod
    def of(cls, v: Verification, requested_fen: int) -> VerificationOut:
        c = v.call
        return cls(
            application_id=v.application_id,
            check=c.check,
            step=c.step,
            result=c.status,
            provider=c.provider,
            provider_code=c.code,
            mismatched=list(c.mismatched),
            cost=str(fen_to_yuan(c.cost_fen)),
            cost_total=str(fen_to_yuan(v.cost_total_fen)),
            elapsed_ms=c.elapsed_ms,
            completed=v.completed,
            otp_attempts_left=v.otp_attempts_left,
            decision=DecisionOut.of(v.decision, requested_fen),
        )


class IdentityCallOut(BaseModel):
    check: str
    step: str | None
    result: str = Field(description="passed, failed, sent, or unavailable (no usable answer)")
    provider: str
    provider_code: str
    mismatched: list[str]
    cost: str = Field(description="yuan")
    elapsed_ms: int

    @classmethod
    def of(cls, c: IdentityCall) -> IdentityCallOut:
        return cls(
            check=c.check,
            step=c.step,
            result=c.status,
            provider=c.provider,
            provider_code=c.code,
            mismatched=list(c.mismatched),
            cost=str(fen_to_yuan(c.cost_fen)),
            elapsed_ms=c.elapsed_ms,
        )


class IdentityCostsOut(BaseModel):
    application_id: str
    cost_total: str = Field(description="What the application's identity checks cost, yuan")
    cost_by_check: dict[str, str]
    calls: list[IdentityCallOut]

    @classmethod
    def of(cls, costs: IdentityCosts) -> IdentityCostsOut:
        return cls(
            application_id=costs.application_id,
            cost_total=str(fen_to_yuan(costs.total_fen)),
            cost_by_check={k: str(fen_to_yuan(v)) for k, v in costs.by_check.items()},
            calls=[IdentityCallOut.of(c) for c in costs.calls],
        )
