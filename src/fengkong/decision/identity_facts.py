"""An identity check's call as the decision keeps it: the record of the call (result, provider,
cost, time taken) written to the audit chain and the decision's trace, and the facts the policy
reads from its result (`identity.<check>.result` and the like, beside `step_up.<check>`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fengkong.core.money import Fen
from fengkong.core.reason import Reason
from fengkong.sources.identity import CHECKS, IdentityResult
from fengkong.sources.kinds import SourceKind

__all__ = [
    "CHECKED",
    "COST_FACT",
    "NO_CONSENT",
    "IdentityCall",
    "fact_specs",
    "identity_facts",
    "no_consent_reason",
    "result_fact",
]

CHECKED = "identity.checked"  # the audit action of every call made, whatever it answered
COST_FACT = "identity.cost_fen"
# The value of `identity.<check>.result` when the check could not be made: the applicant's
# consent to anti-fraud checks (反欺诈核验) was not in force, so no provider was called.
NO_CONSENT = "no_consent"


def result_fact(check: str) -> str:
    """`identity.liveness.result`: the fact a check's result is read from."""
    return f"identity.{check}.result"


def no_consent_reason(check: str) -> Reason:
    """The referral reason of a check the policy waits for that may not be made for want of
    consent, named like the external data's (`SRC_<KIND>_<CAUSE>`):
    `SRC_LIVENESS_NO_CONSENT` "活体检测与人脸比对未获“反欺诈核验”授权，无法核验，转人工审核"."""
    spec = CHECKS[SourceKind(check)]
    return Reason(
        f"SRC_{check.upper()}_{NO_CONSENT.upper()}",
        f"The {spec.en.lower()} may not be made: the applicant has not consented to anti-fraud "
        "checks; the application is referred to an officer",
        f"{spec.zh}未获“反欺诈核验”授权，无法核验，转人工审核",
    )


@dataclass(frozen=True, slots=True)
class IdentityCall:
    """One call of an identity check for an application."""

    check: str
    step: str | None  # sms_otp: "send" or "check"
    provider: str
    status: str  # a `CheckStatus` value, or "unavailable" when the provider did not answer
    code: str  # the provider's result code ("" when it did not answer)
    cost_fen: Fen
    elapsed_ms: int
    mismatched: tuple[str, ...] = ()
    liveness_permille: int | None = None
    face_match_permille: int | None = None
    otp_id: str | None = None
    why: str | None = None  # why there is no usable answer

    @classmethod
    def of(
        cls, result: IdentityResult, step: str | None, provider: str, cost: Fen, elapsed: int
    ) -> IdentityCall:
        return cls(
            check=result.check.value,
            step=step,
            provider=provider,
            status=result.status.value,
            code=result.code,
            cost_fen=cost,
            elapsed_ms=elapsed,
            mismatched=tuple(f.value for f in result.mismatched),
            liveness_permille=result.liveness_permille,
            face_match_permille=result.face_match_permille,
            otp_id=result.otp_id,
        )

    def as_dict(self) -> dict[str, Any]:
        """The call as the audit record and the trace keep it (JSON values only)."""
        doc: dict[str, Any] = {
            "check": self.check,
            "provider": self.provider,
            "result": self.status,
            "code": self.code,
            "cost_fen": int(self.cost_fen),
            "elapsed_ms": self.elapsed_ms,
        }
        optional = {
            "step": self.step,
            "mismatched": list(self.mismatched) or None,
            "liveness_permille": self.liveness_permille,
            "face_match_permille": self.face_match_permille,
            "otp_id": self.otp_id,
            "why": self.why,
        }
        return doc | {k: v for k, v in optional.items() if v is not None}

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> IdentityCall:
        return cls(
            check=str(doc["check"]),
            step=doc.get("step"),
            provider=str(doc["provider"]),
            status=str(doc["result"]),
            code=str(doc.get("code", "")),
            cost_fen=Fen(int(doc.get("cost_fen", 0))),
            elapsed_ms=int(doc.get("elapsed_ms", 0)),
            mismatched=tuple(doc.get("mismatched") or ()),
            liveness_permille=doc.get("liveness_permille"),
            face_match_permille=doc.get("face_match_permille"),
            otp_id=doc.get("otp_id"),
            why=doc.get("why"),
        )

    def trace_entry(self) -> dict[str, Any]:
        """The call in the decision's trace: under its own key, since readers of the trace take
        an entry's `check` for the step-up the decision waits for."""
        return {"stage": "identity_check", "call": self.as_dict()}


def identity_facts(call: IdentityCall, cost_total: Fen) -> dict[str, object]:
    """The facts a completed check adds for the policy: its result, the provider's code, the
    factors that mismatched (comma-separated, `none` when none did), the liveness scores, and
    what the application's identity checks have cost so far."""
    prefix = f"identity.{call.check}"
    facts: dict[str, object] = {
        result_fact(call.check): call.status,
        f"{prefix}.code": call.code,
        f"{prefix}.mismatch": ",".join(call.mismatched) or "none",
        COST_FACT: int(cost_total),
    }
    if call.liveness_permille is not None:
        facts[f"{prefix}.liveness_permille"] = call.liveness_permille
    if call.face_match_permille is not None:
        facts[f"{prefix}.face_match_permille"] = call.face_match_permille
    return facts


def fact_specs() -> list[tuple[str, str, str, str]]:
    """(name, kind, English label, Chinese label) of every identity fact, for the catalogue."""
    specs: list[tuple[str, str, str, str]] = [
        (COST_FACT, "number", "Identity checks' cost so far (fen)", "身份核验已花费（分）")
    ]
    for kind, spec in CHECKS.items():
        prefix = f"identity.{kind.value}"
        specs += [
            (f"{prefix}.result", "text", f"{spec.en}: result", f"{spec.zh}结果"),
            (f"{prefix}.code", "text", f"{spec.en}: provider's code", f"{spec.zh}返回码"),
            (
                f"{prefix}.mismatch",
                "text",
                f"{spec.en}: mismatched factors",
                f"{spec.zh}不一致要素",
            ),
        ]
        if kind is SourceKind.LIVENESS:
            specs += [
                (f"{prefix}.liveness_permille", "number", "Liveness score (‰)", "活体分（千分）"),
                (
                    f"{prefix}.face_match_permille",
                    "number",
                    "Face match score (‰)",
                    "人脸比对分（千分）",
                ),
            ]
    return specs
