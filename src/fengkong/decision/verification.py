"""The identity-check use case: a decision waiting (`verify`) for a check has it made by a
provider, and the provider's answer completes the step-up (`step_up.complete_step_up`).

Only a decision waiting for that very check may have it made: the policy decides which check is
worth its price and when (cheap ones first, the expensive ones for few applicants), so no caller
can run up the bill or pre-empt the policy by checking up front.

Every call is recorded under the application in the audit chain (`identity.checked`: result,
provider, cost, time taken), also when it changed nothing (an SMS code sent, a wrong code, an
answer that could not be used); a call that completes the step-up is recorded in the same
transaction as the decision it completes, and in its trace. What the checks cost an application
is the sum of its calls (`verification_costs`).

A provider that does not answer, or answers unusably (about another person, malformed, "cannot
check"), leaves the decision waiting: `IdentityCheckUnavailable`, a 503 with Retry-After at the
API. A lender would rather retry in a minute than refer or decline a good applicant because a
carrier's gateway timed out; an officer can still settle the check through the step-up route.

No check is made without the applicant's consent to anti-fraud checks (反欺诈核验, the purpose
`sources.kinds.purpose_of` names for identity checks) in force: without it no provider is
called, the decision is referred to an officer with the reason `SRC_<CHECK>_NO_CONSENT` (a
decision cannot wait for ever for a check it may not have made), and the caller gets
`IdentityCheckNoConsent` (409 at the API, exit 1 from the command line, like every missing
consent).

The SMS one-time password takes two calls: without a `code` it sends one to the applicant's
mobile, with the `code` they typed it checks it against the last one sent. The third wrong code
fails the check (and so the step-up), as resending does not reset the count."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from fengkong.audit.chain import AuditRecord
from fengkong.audit.port import AuditAppender
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound, Unavailable
from fengkong.core.money import Fen
from fengkong.decision.identity_facts import (
    CHECKED,
    NO_CONSENT,
    IdentityCall,
    identity_facts,
    result_fact,
)
from fengkong.decision.outcome import Outcome
from fengkong.decision.ports import DecisionUnitOfWork
from fengkong.decision.record import DecisionRecord
from fengkong.decision.service import DecisionServices
from fengkong.decision.step_up import audit_identity_call, complete_step_up
from fengkong.onboarding.application import StoredApplication
from fengkong.onboarding.consent import Purpose
from fengkong.onboarding.validators import validate_bank_card
from fengkong.sources.connector import Connector, SourceUnavailable, Subject
from fengkong.sources.fetching import NoConsent
from fengkong.sources.identity import (
    OTP_CHECK,
    OTP_SEND,
    CheckStatus,
    IdentityPrices,
    check_of,
    identity_request,
    read_result,
)
from fengkong.sources.kinds import SourceKind, purpose_of

__all__ = [
    "MAX_OTP_ATTEMPTS",
    "RETRY_AFTER_SECONDS",
    "IdentityCheckNoConsent",
    "IdentityCheckUnavailable",
    "IdentityCosts",
    "Verification",
    "VerificationServices",
    "verification_costs",
    "verify",
    "waiting_check",
]

MAX_OTP_ATTEMPTS = 3
RETRY_AFTER_SECONDS = 30


class IdentityCheckUnavailable(Unavailable):
    """The check could not be made now; the decision still waits for it."""

    title = "Identity check unavailable"
    type_slug = "identity-check-unavailable"

    def __init__(self, detail: str, retry_after_seconds: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class IdentityCheckNoConsent(NoConsent):
    """The check may not be made: the applicant's consent to anti-fraud checks (反欺诈核验) is
    not in force. No provider was called; the decision no longer waits for the check but is
    referred to an officer (`decision`), its reason naming the check and why."""

    def __init__(
        self, application_id: str, kind: SourceKind, purpose: str, decision: DecisionRecord
    ) -> None:
        Conflict.__init__(
            self,
            f"{kind.value} may not be made for application {application_id}: no consent for "
            f"purpose {purpose!r} is in force; the application is referred to an officer "
            f"(未取得“反欺诈核验”授权，不能核验，已转人工审核)",
        )
        self.kind = kind
        self.purpose = purpose
        self.decision = decision


class CallLog(AuditAppender, Protocol):
    """The audit chain as this use case needs it: appended to, and read by application."""

    def for_subject(self, subject_type: str, subject_id: str) -> Sequence[AuditRecord]: ...


class VerificationUnitOfWork(DecisionUnitOfWork, Protocol):
    @property
    def audit(self) -> CallLog: ...


@dataclass(frozen=True, slots=True)
class VerificationServices:
    decisions: DecisionServices
    uow: Callable[[], VerificationUnitOfWork]
    prices: IdentityPrices = field(default_factory=IdentityPrices.of)
    max_otp_attempts: int = MAX_OTP_ATTEMPTS


@dataclass(frozen=True, slots=True)
class Verification:
    """What one call did: the call as recorded, the decision as it now stands (still `verify`
    when the call did not complete the step-up), and the application's identity-check cost."""

    application_id: str
    call: IdentityCall
    decision: DecisionRecord
    completed: bool
    cost_total_fen: Fen
    otp_attempts_left: int | None = None  # sms_otp: wrong codes still allowed


@dataclass(frozen=True, slots=True)
class IdentityCosts:
    """An application's identity-check calls, oldest first, and what they cost."""

    application_id: str
    total_fen: Fen
    by_check: Mapping[str, int]
    calls: tuple[IdentityCall, ...]


def waiting_check(decision: DecisionRecord) -> str | None:
    """The check a `verify` decision waits for (None when it waits for none)."""
    if decision.outcome != Outcome.VERIFY:
        return None
    return next(
        (str(t["check"]) for t in decision.trace if t.get("stage") == "step_up"),
        None,
    )


def verify(
    application_id: str,
    check: str,
    params: Mapping[str, Any],
    connector: Connector | None,
    svc: VerificationServices,
) -> Verification:
    """Have `connector` make identity check `check` for the application whose decision waits
    for it, record the call and, when the answer settles the check, complete the step-up."""
    kind = check_of(check)
    clock = svc.decisions.clock
    with svc.uow() as uow:
        current = uow.decisions.for_application(application_id)
        app = uow.applications.get(application_id)
        if current is None or app is None:
            raise NotFound(f"no application {application_id!r}")
        asked = waiting_check(current)
        if asked is None:
            raise Conflict(f"application {application_id} is not waiting for an identity check")
        if asked != kind.value:
            raise Conflict(f"application {application_id} waits for {asked!r}, not {kind.value!r}")
        purpose = Purpose(purpose_of(kind))
        consented = uow.consents.has_consent(app.id_number_bidx, purpose, clock.now())
        calls = _calls(uow.audit.for_subject("application", application_id))
    if not consented:
        referred = complete_step_up(
            application_id,
            kind.value,
            None,
            svc.decisions,
            facts_added={result_fact(kind.value): NO_CONSENT},
        )
        raise IdentityCheckNoConsent(application_id, kind, purpose.value, referred)
    sent_params, step = _provider_params(kind, params, calls, svc.max_otp_attempts)
    subject = _subject(app, svc, params)
    request = identity_request(kind, subject, clock.business_date(), sent_params)
    if connector is None:
        raise IdentityCheckUnavailable("no identity-check provider is configured")
    try:
        answer = connector.fetch(request)
    except SourceUnavailable as exc:
        _record(svc, application_id, _unanswered(kind, step, exc.provider, exc.why))
        raise IdentityCheckUnavailable(
            f"{kind.value}: the provider did not answer ({exc.why}); the decision still waits"
        ) from exc
    cost = answer.cost_fen if answer.cost_fen > 0 else svc.prices.price(kind, sent_params)
    try:
        result = read_result(answer.payload, subject, request.as_of)
        if result.check is not kind:
            raise Invalid((FieldError(("payload", "check"), f"an answer to {result.check}"),))
    except Invalid as exc:
        call = _unanswered(kind, step, answer.provider, f"unusable answer: {exc.detail}")
        _record(svc, application_id, _priced(call, cost, answer.elapsed_ms))
        raise IdentityCheckUnavailable(
            f"{kind.value}: the provider's answer cannot be used ({exc.detail}); "
            "the decision still waits"
        ) from exc
    call = IdentityCall.of(result, step, answer.provider, cost, answer.elapsed_ms)
    total = Fen(sum(int(c.cost_fen) for c in calls) + int(cost))
    if result.status is CheckStatus.UNAVAILABLE:
        _record(svc, application_id, call)
        raise IdentityCheckUnavailable(
            f"{kind.value}: the provider cannot check this applicant ({result.code}); "
            "the decision still waits"
        )
    if result.status is CheckStatus.SENT:
        decision = _record(svc, application_id, call)
        tries = svc.max_otp_attempts - _wrong_codes(calls)
        return Verification(application_id, call, decision, False, total, tries)
    left: int | None = None
    if kind is SourceKind.SMS_OTP:
        left = svc.max_otp_attempts - _wrong_codes(calls) - (0 if result.passed else 1)
        if not result.passed and left > 0:
            decision = _record(svc, application_id, call)
            return Verification(application_id, call, decision, False, total, left)
    decision = complete_step_up(
        application_id,
        kind.value,
        result.passed,
        svc.decisions,
        call=call,
        facts_added=identity_facts(call, total),
    )
    return Verification(application_id, call, decision, True, total, left)


def verification_costs(application_id: str, svc: VerificationServices) -> IdentityCosts:
    """What the identity checks of an application have cost, from its recorded calls."""
    with svc.uow() as uow:
        if uow.applications.get(application_id) is None:
            raise NotFound(f"no application {application_id!r}")
        calls = _calls(uow.audit.for_subject("application", application_id))
    by_check: dict[str, int] = {}
    for c in calls:
        by_check[c.check] = by_check.get(c.check, 0) + int(c.cost_fen)
    return IdentityCosts(application_id, Fen(sum(by_check.values())), by_check, tuple(calls))


def _calls(records: Sequence[AuditRecord]) -> list[IdentityCall]:
    return [IdentityCall.from_dict(r.payload) for r in records if r.action == CHECKED]


def _wrong_codes(calls: Sequence[IdentityCall]) -> int:
    return sum(
        1
        for c in calls
        if c.check == SourceKind.SMS_OTP.value
        and c.step == OTP_CHECK
        and c.status == CheckStatus.FAILED.value
    )


def _provider_params(
    kind: SourceKind, params: Mapping[str, Any], calls: Sequence[IdentityCall], attempts: int
) -> tuple[dict[str, Any], str | None]:
    """What the provider is sent, and the SMS step: a code typed is checked against the last
    one sent; without one, a code is sent."""
    sent = {k: v for k, v in params.items() if k != "bank_card"}
    if kind is not SourceKind.SMS_OTP:
        return sent, None
    if "code" not in params:
        return {"step": OTP_SEND}, OTP_SEND
    last = next(
        (c.otp_id for c in reversed(calls) if c.check == kind.value and c.step == OTP_SEND),
        None,
    )
    if last is None:
        raise Conflict("no SMS code was sent for this application; send one first")
    if _wrong_codes(calls) >= attempts:
        raise Conflict(f"{attempts} wrong SMS codes were entered; the check has failed")
    return {"step": OTP_CHECK, "code": params["code"], "otp_id": last}, OTP_CHECK


def _subject(
    app: StoredApplication, svc: VerificationServices, params: Mapping[str, Any]
) -> Subject:
    """The applicant as the provider is told: decrypted for the call only. A bank card not
    given with the application may come with the request (`params.bank_card`)."""
    vault = svc.decisions.vault
    card = vault.decrypt("bank_card", app.bank_card_enc) if app.bank_card_enc else None
    if card is None and params.get("bank_card"):
        try:
            card = validate_bank_card(str(params["bank_card"]))
        except Invalid as exc:
            raise Invalid(
                tuple(FieldError(("params", "bank_card"), e.msg) for e in exc.errors)
            ) from exc
    return Subject(
        key=app.id_number_bidx,
        name=vault.decrypt("name", app.name_enc),
        id_number=vault.decrypt("id_number", app.id_number_enc),
        phone=vault.decrypt("phone", app.phone_enc),
        bank_card=card,
    )


def _unanswered(kind: SourceKind, step: str | None, provider: str, why: str) -> IdentityCall:
    return IdentityCall(
        check=kind.value,
        step=step,
        provider=provider,
        status=CheckStatus.UNAVAILABLE.value,
        code="",
        cost_fen=Fen(0),
        elapsed_ms=0,
        why=why,
    )


def _priced(call: IdentityCall, cost: Fen, elapsed_ms: int) -> IdentityCall:
    return IdentityCall.from_dict(
        {**call.as_dict(), "cost_fen": int(cost), "elapsed_ms": elapsed_ms}
    )


def _record(svc: VerificationServices, application_id: str, call: IdentityCall) -> DecisionRecord:
    """Record a call that does not complete the step-up; the decision as it stands."""
    with svc.uow() as uow:
        audit_identity_call(uow.audit, application_id, svc.decisions.clock.now(), call)
        decision = uow.decisions.for_application(application_id)
        uow.commit()
    assert decision is not None  # it was there before the call; decisions are never deleted
    return decision
