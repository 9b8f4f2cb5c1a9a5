"""The facts a policy reads, built from one application: its features, the fraud signals, the
model's score, the applicant's history with us and the consents on record. One function, used
online and by replay and back-tests, so the policy always sees the same names."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fengkong.core.money import Fen

if TYPE_CHECKING:
    from fengkong.onboarding.consent import ConsentRecord

# The fraud key types as policies name them.
_KEY_SHORT = {
    "resident_id": "id",
    "mobile": "phone",
    "device": "device",
    "ip": "ip",
    "ip_prefix": "ip24",
    "bank_card": "card",
    "employer": "employer",
}


NOTHING_OWED = Fen(0)


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    """What we already know of this person (by resident-ID blind index)."""

    loans_before: int = 0  # booked with us, not cancelled
    exposure: Fen = NOTHING_OWED  # outstanding principal plus offers not yet booked, fen

    @property
    def returning(self) -> bool:
        return self.loans_before > 0


@dataclass(frozen=True, slots=True)
class ApplicantOnRecord:
    """What the books hold of an applicant when an application arrives."""

    consents: tuple[ConsentRecord, ...]
    history: CustomerHistory


def policy_facts(
    *,
    features: Mapping[str, Any],
    signals: Mapping[str, Any],
    score: int | None,
    pd: Decimal | None,
    amount: Fen,
    term_months: int,
    monthly_income: Fen,
    existing_monthly_debt: Fen | None,
    history: CustomerHistory,
    consents: Mapping[str, bool],
) -> dict[str, object]:
    facts: dict[str, object] = {
        **{k: _plain(v) for k, v in features.items()},
        "score": score,
        "pd": pd,
        "age": None if features.get("age_in_years") is None else int(features["age_in_years"]),
        "amount": int(amount),
        "term_months": term_months,
        "monthly_income": int(monthly_income),
        "existing_monthly_debt": None
        if existing_monthly_debt is None
        else int(existing_monthly_debt),
        "existing_exposure": int(history.exposure),
        "customer.returning": history.returning,
        "id.valid": True,  # an invalid ID never gets this far: validation refuses it
        **consents,
        "lists.black_hit": bool(signals.get("list.black", False)),
        "lists.grey_hit": bool(signals.get("list.grey", False)),
        "lists.white_hit": bool(signals.get("list.white", False)),
    }
    for name, value in signals.items():
        parts = name.split(".")
        if parts[0] == "velocity" and len(parts) == 4:
            _, key, window, measure = parts
            facts[f"velocity.{_KEY_SHORT.get(key, key)}.{window}.{measure}"] = value
    links = {
        "links.component_size": "link.component_size",
        "links.shared_device_count": "link.ids_sharing_device",
        "links.shared_phone_count": "link.ids_sharing_phone",
        "links.bad_neighbours": "link.bad_neighbours",
    }
    for fact, signal in links.items():
        if signal in signals:
            facts[fact] = signals[signal]
    for name in ("anomaly.score_permille", "anomaly.outlier"):
        if name in signals:
            facts[name] = signals[name]
    return facts


def _plain(value: Any) -> Any:
    """Model features are floats for the model; a policy compares decimals exactly."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return value


def facts_to_json(facts: Mapping[str, object]) -> dict[str, Any]:
    """Facts as JSON that keeps their kinds: a Decimal or date comes back as one, not as text."""
    return {k: _encode(v) for k, v in facts.items()}


def facts_from_json(stored: Mapping[str, Any]) -> dict[str, object]:
    return {k: _decode(v) for k, v in stored.items()}


def _encode(value: object) -> Any:
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    return value


def _decode(value: Any) -> object:
    if isinstance(value, dict) and len(value) == 1:
        if "decimal" in value:
            return Decimal(value["decimal"])
        if "date" in value:
            return date.fromisoformat(value["date"])
    return value
