"""The five identity checks (身份核验) as data: what each needs from the subject and the request,
what a provider's answer must say, what each call costs, and the typed result the decision reads.

ID–name match (身份证二要素), carrier three-factor (运营商三要素), bank card four-factor
(银行卡四要素), SMS one-time password (短信验证码, sent in one call and checked in a second) and
liveness with face match (活体检测与人脸比对) all go through the one `Connector` interface; this
module builds their requests (`identity_request`) and reads their answers (`read_result`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.sources.connector import SourceRequest, Subject
from fengkong.sources.handler import KindHandler
from fengkong.sources.kinds import IDENTITY_CHECKS, SourceKind

__all__ = [
    "CHECKS",
    "DEFAULT_PRICES_FEN",
    "HANDLERS",
    "OTP_CHECK",
    "OTP_SEND",
    "CheckSpec",
    "CheckStatus",
    "Factor",
    "IdentityPrices",
    "IdentityResult",
    "check_of",
    "identity_request",
    "read_result",
]

OTP_SEND = "send"  # the SMS step that sends a code to the applicant's mobile
OTP_CHECK = "check"  # the step that checks the code the applicant typed
_OTP_CODE = re.compile(r"^[0-9]{4,8}$")


class Factor(StrEnum):
    """What a check compares with the registry of record; the one that mismatched is named."""

    NAME = "name"
    ID_NUMBER = "id_number"
    MOBILE = "mobile"
    BANK_CARD = "bank_card"
    CODE = "code"  # the SMS code typed
    FACE = "face"  # the live face against the ID photo


class CheckStatus(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    # The provider answered but could not check (no record at the carrier, a card of a bank it
    # does not reach): nothing is known, the decision keeps waiting.
    UNAVAILABLE = "unavailable"
    SENT = "sent"  # the SMS code went out; only the send step of `sms_otp` answers it


# Which subject field carries each factor, as the request must have it.
_SUBJECT_FIELD = {
    Factor.NAME: "name",
    Factor.ID_NUMBER: "id_number",
    Factor.MOBILE: "phone",
    Factor.BANK_CARD: "bank_card",
}


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One check: the subject's factors it sends, the parameters it needs, its default price
    per call in fen, and its name for people."""

    kind: SourceKind
    factors: tuple[Factor, ...]  # compared by the provider, in this order
    params: tuple[str, ...]  # required request parameters
    price_fen: Fen
    en: str
    zh: str


CHECKS: Mapping[SourceKind, CheckSpec] = {
    s.kind: s
    for s in (
        CheckSpec(
            SourceKind.ID_NAME_MATCH,
            (Factor.NAME, Factor.ID_NUMBER),
            (),
            Fen(30),
            "ID number and name match",
            "身份证号与姓名一致性核验",
        ),
        CheckSpec(
            SourceKind.CARRIER_THREE_FACTOR,
            (Factor.NAME, Factor.ID_NUMBER, Factor.MOBILE),
            (),
            Fen(50),
            "Mobile carrier three-factor check",
            "运营商三要素核验",
        ),
        CheckSpec(
            SourceKind.BANK_CARD_FOUR_FACTOR,
            (Factor.NAME, Factor.ID_NUMBER, Factor.MOBILE, Factor.BANK_CARD),
            (),
            Fen(80),
            "Bank card four-factor check",
            "银行卡四要素核验",
        ),
        # The code is sent to the mobile (step `send`), then checked (step `check`, with `code`).
        CheckSpec(
            SourceKind.SMS_OTP,
            (Factor.MOBILE,),
            ("step",),
            Fen(5),
            "SMS one-time password",
            "短信验证码",
        ),
        # The app's liveness SDK hands over a token for the captured face; the provider scores
        # its liveness and matches it with the photo held for the ID number.
        CheckSpec(
            SourceKind.LIVENESS,
            (Factor.NAME, Factor.ID_NUMBER),
            ("liveness_token",),
            Fen(100),
            "Liveness and face match",
            "活体检测与人脸比对",
        ),
    )
}
assert set(CHECKS) == IDENTITY_CHECKS

DEFAULT_PRICES_FEN: Mapping[str, int] = {k.value: int(s.price_fen) for k, s in CHECKS.items()}


@dataclass(frozen=True, slots=True)
class IdentityPrices:
    """What one call of each check costs the lender, in fen (the provider contract's price).
    Only the SMS `send` step is priced: checking a typed code is free at every provider we
    know of."""

    fen: Mapping[str, int]

    @classmethod
    def of(cls, overrides: Mapping[str, int] | None = None) -> IdentityPrices:
        """The defaults with `overrides` (settings) on top; an unknown check or a negative price
        is refused."""
        given = dict(overrides or {})
        errors = [
            FieldError(("identity_check_prices", name), "unknown identity check")
            for name in given
            if name not in DEFAULT_PRICES_FEN
        ] + [
            FieldError(("identity_check_prices", name), "a price is a whole number of fen ≥ 0")
            for name, price in given.items()
            if isinstance(price, bool) or not isinstance(price, int) or price < 0
        ]
        if errors:
            raise Invalid(tuple(errors))
        return cls({**DEFAULT_PRICES_FEN, **given})

    def price(self, kind: SourceKind, params: Mapping[str, Any]) -> Fen:
        if kind is SourceKind.SMS_OTP and params.get("step") == OTP_CHECK:
            return Fen(0)
        return Fen(self.fen[kind.value])


@dataclass(frozen=True, slots=True)
class IdentityResult:
    """A provider's answer to one check, read and checked."""

    check: SourceKind
    status: CheckStatus
    code: str  # the provider's result code, e.g. "0" or "MOBILE_MISMATCH"
    mismatched: tuple[Factor, ...] = ()
    liveness_permille: int | None = None  # liveness: how sure the face was live, 0–1000
    face_match_permille: int | None = None  # liveness: likeness to the ID photo, 0–1000
    otp_id: str | None = None  # sms_otp: the sent code's id, to check the typed code against

    @property
    def passed(self) -> bool:
        return self.status is CheckStatus.PASSED


def check_of(name: str) -> SourceKind:
    """The identity check called `name`; `Invalid` naming the known ones otherwise."""
    try:
        kind = SourceKind(name)
    except ValueError:
        kind = None
    if kind is None or kind not in IDENTITY_CHECKS:
        known = ", ".join(sorted(k.value for k in IDENTITY_CHECKS))
        raise Invalid((FieldError(("check",), f"unknown identity check {name!r}; one of {known}"),))
    return kind


def identity_request(
    kind: SourceKind, subject: Subject, as_of: date, params: Mapping[str, Any]
) -> SourceRequest:
    """The request of check `kind` about `subject`, refused (`Invalid`, each missing field
    named) when the subject lacks a factor the check sends or a parameter is missing or bad."""
    spec = CHECKS[check_of(kind)]
    errors = [
        FieldError(("subject", _SUBJECT_FIELD[f]), f"{kind.value} needs the applicant's {f.value}")
        for f in spec.factors
        if not getattr(subject, _SUBJECT_FIELD[f])
    ]
    errors += _param_errors(kind, params)
    if errors:
        raise Invalid(tuple(errors))
    return SourceRequest(kind, subject, as_of, dict(params))


def _param_errors(kind: SourceKind, params: Mapping[str, Any]) -> list[FieldError]:
    errors = [
        FieldError(("params", name), f"{kind.value} needs {name!r}")
        for name in CHECKS[kind].params
        if params.get(name) in (None, "")
    ]
    if errors:
        return errors
    if kind is SourceKind.SMS_OTP:
        step = params["step"]
        if step not in (OTP_SEND, OTP_CHECK):
            return [FieldError(("params", "step"), f"one of {OTP_SEND!r}, {OTP_CHECK!r}")]
        if step == OTP_CHECK:
            code = params.get("code")
            if not isinstance(code, str) or not _OTP_CODE.match(code):
                return [FieldError(("params", "code"), "the code sent by SMS: 4 to 8 digits")]
            if not isinstance(params.get("otp_id"), str):
                return [FieldError(("params", "otp_id"), "the id of the code sent")]
    if kind is SourceKind.LIVENESS and not isinstance(params["liveness_token"], str):
        return [FieldError(("params", "liveness_token"), "the liveness SDK's token, as text")]
    return []


def read_result(payload: Mapping[str, Any], subject: Subject, as_of: date) -> IdentityResult:
    """A provider's JSON answer to an identity check, checked: about `subject` (its `subject`
    is the subject's key) as of `as_of`, a known check and status, a text result code, known
    mismatched factors, scores between 0 and 1. `Invalid` naming each bad field otherwise."""
    errors: list[FieldError] = []

    def fail(name: str, msg: str) -> None:
        errors.append(FieldError(("payload", name), msg))

    if payload.get("subject") != subject.key:
        fail("subject", "the answer is about another person")
    if payload.get("as_of") != as_of.isoformat():
        fail("as_of", f"the answer is not as of {as_of.isoformat()}")
    kind: SourceKind | None = None
    try:
        kind = check_of(str(payload.get("check")))
    except Invalid:
        fail("check", f"not an identity check: {payload.get('check')!r}")
    try:
        status = CheckStatus(str(payload.get("result")))
    except ValueError:
        status = CheckStatus.UNAVAILABLE
        fail("result", f"one of {', '.join(CheckStatus)}: {payload.get('result')!r}")
    if status is CheckStatus.SENT and kind is not SourceKind.SMS_OTP:
        fail("result", "only an SMS code is sent")
    code = payload.get("code")
    if not isinstance(code, str) or not code:
        fail("code", "the provider's result code, as text")
    mismatched: list[Factor] = []
    listed = payload.get("mismatched") or []
    if not isinstance(listed, list):
        fail("mismatched", f"a list of factors: {listed!r}")
        listed = []
    for item in listed:
        try:
            mismatched.append(Factor(item))
        except (ValueError, TypeError):
            fail("mismatched", f"not a factor: {item!r}")
    scores = {name: _permille(payload.get(name), name, fail) for name in ("liveness", "face_match")}
    otp_id = payload.get("otp_id")
    if status is CheckStatus.SENT and not isinstance(otp_id, str):
        fail("otp_id", "a sent code has an id")
    if kind is SourceKind.LIVENESS and status is CheckStatus.PASSED:
        for name, value in scores.items():
            if value is None:
                fail(name, "a passed liveness check gives its score")
    if errors or kind is None:
        raise Invalid(tuple(errors))
    return IdentityResult(
        check=kind,
        status=status,
        code=str(code),
        mismatched=tuple(mismatched),
        liveness_permille=scores["liveness"],
        face_match_permille=scores["face_match"],
        otp_id=otp_id if isinstance(otp_id, str) else None,
    )


def _permille(value: object, name: str, fail: Any) -> int | None:
    """A score as the provider gives it (a decimal text or number from 0 to 1) in permille."""
    if value is None:
        return None
    try:
        score = Decimal(str(value))
    except InvalidOperation:
        score = Decimal(-1)
    if isinstance(value, bool) or not score.is_finite() or not 0 <= score <= 1:
        fail(name, f"a score from 0 to 1: {value!r}")
        return None
    return int((score * 1000).to_integral_value())


def _no_file(data: bytes, filename: str) -> Mapping[str, Any]:
    raise Invalid((FieldError(("file",), "identity checks are asked of a provider, not imported"),))


def _handler(kind: SourceKind) -> KindHandler[IdentityResult]:
    return KindHandler(kind=kind, read_file=_no_file, read=read_result)


HANDLERS: Mapping[SourceKind, KindHandler[IdentityResult]] = {k: _handler(k) for k in CHECKS}
