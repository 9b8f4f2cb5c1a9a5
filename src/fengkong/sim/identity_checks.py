"""The identity-check provider of a simulated run, and the applicant's part in a check.

The provider (`PopulationIdentityChecks`, a `Connector`) answers from the synthetic population:
what the registries of record hold for the person an application's ID number belongs to. An
honest applicant is who they say; an identity thief applies with the victim's name and ID but
their own phone and card, so the carrier and card checks fail on those factors, and their face
is not the victim's; a ring member is a recruited real person whose phone or card is often the
ring's, not theirs. Latency and a small share of unavailable calls are seeded.

The face's chance of passing the live check is the simulator's step-up pass rate
(`conduct.PASSES_STEP_UP`), drawn as it always was: a seeded run keeps its liveness outcomes."""

from __future__ import annotations

from typing import Any

from fengkong.bootstrap import Context
from fengkong.decision.record import DecisionRecord
from fengkong.decision.verification import (
    IdentityCheckNoConsent,
    IdentityCheckUnavailable,
    verify,
    waiting_check,
)
from fengkong.sim import contact
from fengkong.sim.conduct import PASSES_STEP_UP, rng_for
from fengkong.sim.identity import mobile_number
from fengkong.sim.model import Applicant, FraudKind
from fengkong.sources.connector import Answer, SourceRequest, Subject
from fengkong.sources.identity import IdentityPrices
from fengkong.sources.identity_simulated import OnFile, SimulatedIdentityProvider

__all__ = ["PopulationIdentityChecks", "on_file_of", "take_step_up"]

UNAVAILABLE_SHARE = 0.01  # of calls the provider does not answer in time
NOISE = 0.002  # of genuine factors a stale registry record gets wrong
RING_PHONE_NOT_OWN = 0.6  # of ring members applying with a phone not in their name
RING_CARD_NOT_OWN = 0.6  # … with a bank card not in their name
TRIES = 4  # calls the applicant's app makes of an unavailable check before giving up


def on_file_of(applicant: Applicant, seed: int) -> OnFile:
    """What the registries hold for the person whose ID number `applicant` applies with."""
    person = applicant.identity
    rng = rng_for(seed, applicant.key, "on-file")
    phone_elsewhere = _other(person.phone, lambda: mobile_number(rng))
    card_elsewhere = _other(person.bank_card, lambda: contact.bank_card(rng))
    phone, card = person.phone, person.bank_card
    if applicant.fraud is FraudKind.IDENTITY_THIEF:
        phone, card = phone_elsewhere, card_elsewhere  # the victim's, not the thief's
    elif applicant.fraud is FraudKind.RING:
        phone = phone_elsewhere if rng.random() < RING_PHONE_NOT_OWN else phone
        card = card_elsewhere if rng.random() < RING_CARD_NOT_OWN else card
    return OnFile(
        name=person.name,
        phone=phone,
        bank_cards=frozenset({card}),
        face_odds=PASSES_STEP_UP[applicant.fraud],
        key=applicant.key,
    )


def _other(value: str, draw: Any) -> str:
    drawn: str = draw()
    while drawn == value:
        drawn = draw()
    return drawn


class PopulationIdentityChecks:
    """A `Connector` for the identity checks of a run, answering for the applicants it was
    told of (`know`)."""

    def __init__(
        self,
        seed: int,
        *,
        prices: IdentityPrices | None = None,
        unavailable_share: float = UNAVAILABLE_SHARE,
        noise: float = NOISE,
    ) -> None:
        self.seed = seed
        self._people: dict[str, OnFile] = {}
        self.engine = SimulatedIdentityProvider(
            self._on_file,
            seed=seed,
            prices=prices,
            unavailable_share=unavailable_share,
            noise=noise,
            name="sim-identity",
        )

    @property
    def provider(self) -> str:
        return self.engine.provider

    def know(self, applicant: Applicant) -> None:
        """Put on record what the registries hold for the ID number `applicant` applies with."""
        self._people[applicant.identity.id_number] = on_file_of(applicant, self.seed)

    def _on_file(self, subject: Subject) -> OnFile | None:
        return self._people.get(subject.id_number or "")

    def fetch(self, request: SourceRequest) -> Answer:
        return self.engine.fetch(request)

    def inbox(self, phone: str) -> str | None:
        return self.engine.inbox(phone)


def take_step_up(
    ctx: Context, checks: PopulationIdentityChecks, applicant: Applicant, decision: DecisionRecord
) -> DecisionRecord:
    """The applicant goes through the checks the decision waits for, one after the other, as
    the app takes them: the live face before the camera, the SMS code read and typed. A check
    the provider cannot make is tried again a few times; after that the decision waits on."""
    checks.know(applicant)
    svc = ctx.identity
    tries = 0
    while tries < TRIES:
        check = waiting_check(decision)
        if check is None:
            break
        try:
            if check == "sms_otp":
                verify(decision.application_id, check, {}, checks, svc)
                code = checks.inbox(applicant.identity.phone) or ""
                params: dict[str, Any] = {"code": code}
            elif check == "liveness":
                params = {"liveness_token": f"sdk-{applicant.key}"}
            else:
                params = {}
            decision = verify(decision.application_id, check, params, checks, svc).decision
        except IdentityCheckUnavailable:
            tries += 1
        except IdentityCheckNoConsent as refused:  # referred: an officer takes it from here
            return refused.decision
    return decision
