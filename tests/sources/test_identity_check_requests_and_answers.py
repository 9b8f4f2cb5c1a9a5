"""Each identity check's request carries what the check sends, or is refused naming the missing
field; a provider's answer is read only when it is about this subject, as of the date, and well
formed; each call has a price."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.sources.connector import Subject
from fengkong.sources.identity import (
    CHECKS,
    DEFAULT_PRICES_FEN,
    HANDLERS,
    CheckStatus,
    Factor,
    IdentityPrices,
    identity_request,
    read_result,
)
from fengkong.sources.kinds import IDENTITY_CHECKS, SourceKind

AS_OF = date(2026, 3, 2)
FULL = Subject(
    "bidx-1",
    name="张三",
    id_number="110105199003071239",
    phone="13800138000",
    bank_card="6222020200112345679",
)
PARAMS: dict[SourceKind, dict[str, Any]] = {
    SourceKind.ID_NAME_MATCH: {},
    SourceKind.CARRIER_THREE_FACTOR: {},
    SourceKind.BANK_CARD_FOUR_FACTOR: {},
    SourceKind.SMS_OTP: {"step": "send"},
    SourceKind.LIVENESS: {"liveness_token": "sdk"},
}
SENDS = {
    SourceKind.ID_NAME_MATCH: {"name", "id_number"},
    SourceKind.CARRIER_THREE_FACTOR: {"name", "id_number", "phone"},
    SourceKind.BANK_CARD_FOUR_FACTOR: {"name", "id_number", "phone", "bank_card"},
    SourceKind.SMS_OTP: {"phone"},
    SourceKind.LIVENESS: {"name", "id_number"},
}


def test_the_five_checks_are_declared_with_their_prices() -> None:
    assert set(CHECKS) == IDENTITY_CHECKS == set(HANDLERS)
    assert DEFAULT_PRICES_FEN == {
        "id_name_match": 30,
        "carrier_three_factor": 50,
        "bank_card_four_factor": 80,
        "sms_otp": 5,
        "liveness": 100,
    }
    prices = IdentityPrices.of({"liveness": 120})
    assert prices.price(SourceKind.LIVENESS, {}) == 120
    assert prices.price(SourceKind.SMS_OTP, {"step": "check"}) == 0


@pytest.mark.parametrize("kind", sorted(SENDS))
@pytest.mark.parametrize("field", ["name", "id_number", "phone", "bank_card"])
def test_a_missing_factor_is_refused_naming_it(kind: SourceKind, field: str) -> None:
    subject = replace(FULL, **{field: None})
    if field not in SENDS[kind]:
        assert identity_request(kind, subject, AS_OF, PARAMS[kind]).subject is subject
        return
    with pytest.raises(Invalid) as refused:
        identity_request(kind, subject, AS_OF, PARAMS[kind])
    assert [e.loc for e in refused.value.errors] == [("subject", field)]


@pytest.mark.parametrize(
    ("kind", "params", "loc"),
    [
        (SourceKind.LIVENESS, {}, ("params", "liveness_token")),
        (SourceKind.LIVENESS, {"liveness_token": 7}, ("params", "liveness_token")),
        (SourceKind.SMS_OTP, {}, ("params", "step")),
        (SourceKind.SMS_OTP, {"step": "guess"}, ("params", "step")),
        (SourceKind.SMS_OTP, {"step": "check", "otp_id": "o"}, ("params", "code")),
        (
            SourceKind.SMS_OTP,
            {"step": "check", "code": "12a456", "otp_id": "o"},
            ("params", "code"),
        ),
        (SourceKind.SMS_OTP, {"step": "check", "code": "123456"}, ("params", "otp_id")),
    ],
)
def test_missing_or_bad_parameters_are_refused(
    kind: SourceKind, params: dict[str, Any], loc: tuple[str, ...]
) -> None:
    with pytest.raises(Invalid) as refused:
        identity_request(kind, FULL, AS_OF, params)
    assert [e.loc for e in refused.value.errors] == [loc]


def _answer(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "subject": FULL.key,
        "as_of": AS_OF.isoformat(),
        "check": "liveness",
        "result": "passed",
        "code": "MATCH",
        "liveness": "0.981",
        "face_match": 0.93,
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def test_a_well_formed_answer_is_read() -> None:
    result = read_result(_answer(), FULL, AS_OF)
    assert (result.status, result.liveness_permille, result.face_match_permille) == (
        CheckStatus.PASSED,
        981,
        930,
    )
    failed = read_result(
        _answer(result="failed", code="FACE_MISMATCH", mismatched=["face"]), FULL, AS_OF
    )
    assert failed.mismatched == (Factor.FACE,) and not failed.passed


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": "bidx-someone-else"}, "subject"),
        ({"as_of": "2026-03-01"}, "as_of"),
        ({"check": "credit_bureau"}, "check"),
        ({"result": "ok"}, "result"),
        ({"result": "sent", "otp_id": "o"}, "result"),
        ({"code": None}, "code"),
        ({"mismatched": ["shoe_size"]}, "mismatched"),
        ({"liveness": "1.5"}, "liveness"),
        ({"face_match": None}, "face_match"),
        ({"face_match": True}, "face_match"),
    ],
)
def test_an_answer_about_another_person_or_malformed_is_refused(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(Invalid) as refused:
        read_result(_answer(**changes), FULL, AS_OF)
    assert ("payload", field) in [e.loc for e in refused.value.errors]


@given(
    st.dictionaries(
        st.sampled_from(["subject", "as_of", "check", "result", "code", "mismatched", "liveness"]),
        st.one_of(
            st.none(), st.text(max_size=5), st.integers(), st.lists(st.text(max_size=3), max_size=2)
        ),
    )
)
def test_any_answer_is_read_or_refused_never_crashes(doc: dict[str, Any]) -> None:
    try:
        read_result(doc, FULL, AS_OF)
    except Invalid as exc:
        assert exc.errors


def test_identity_checks_are_not_imported_from_files() -> None:
    with pytest.raises(Invalid):
        HANDLERS[SourceKind.LIVENESS].read_file(b"{}", "answer.json")
