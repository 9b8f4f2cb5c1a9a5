"""A simulated identity-check provider, in process: it answers the five checks from a registry of
record (`OnFile`: what the public-security, carrier and bank registries hold for the person an ID
number belongs to), with seeded latency, a share of calls unavailable and a little noise.

The tests and the demo use it with `as_applied` (everyone is who they say); the simulator with
its synthetic population (`sim.identity_checks`), where an impostor fails the factor that is
wrong. Every draw is seeded by the seed, the person and the call, so a rerun answers the same."""

from __future__ import annotations

import random
import threading
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fengkong.sources.connector import Answer, SourceRequest, SourceUnavailable, Subject
from fengkong.sources.identity import (
    CHECKS,
    OTP_CHECK,
    CheckStatus,
    Factor,
    IdentityPrices,
)
from fengkong.sources.kinds import SourceKind

__all__ = ["OnFile", "SimulatedIdentityProvider", "as_applied"]

# The draw that settles whether the face in front of the camera is the ID holder's. It is named
# as the simulator named its step-up draw before checks went through a provider, so a seeded run
# keeps its liveness outcomes.
FACE_DRAW = "step-up"


@dataclass(frozen=True, slots=True)
class OnFile:
    """What the registries of record hold for the person an ID number belongs to, and the odds
    that the face before the camera is theirs and live."""

    name: str
    phone: str | None  # the mobile registered in their name; None: no carrier record
    bank_cards: frozenset[str] = field(default_factory=frozenset)
    face_odds: float = 0.97
    key: str | None = None  # the person in a seeded world (draws); default the subject's key


OnFileLookup = Callable[[Subject], OnFile | None]


def as_applied(subject: Subject) -> OnFile | None:
    """The registry of a world where everyone is who their application says."""
    if not subject.name:
        return None
    cards = frozenset({subject.bank_card}) if subject.bank_card else frozenset()
    return OnFile(subject.name, subject.phone, cards, face_odds=1.0)


class SimulatedIdentityProvider:
    """A `Connector` for the identity checks, answering from `on_file`."""

    def __init__(
        self,
        on_file: OnFileLookup = as_applied,
        *,
        seed: int = 0,
        prices: IdentityPrices | None = None,
        unavailable_share: float = 0.0,
        noise: float = 0.0,  # chance a genuine factor mismatches (stale registry records)
        latency_ms: tuple[int, int] = (60, 450),
        name: str = "sim-identity",
    ) -> None:
        self.on_file = on_file
        self.seed = seed
        self.prices = prices or IdentityPrices.of()
        self.unavailable_share = unavailable_share
        self.noise = noise
        self.latency_ms = latency_ms
        self._name = name
        self._lock = threading.Lock()
        self._attempts: Counter[tuple[str, str, str]] = Counter()
        self._codes: dict[str, tuple[str, str]] = {}  # otp id → (mobile, code)
        self._inbox: dict[str, str] = {}  # mobile → the last code sent to it
        # What was asked, the latest first out: tests read it; a long-lived server forgets.
        self.calls: deque[SourceRequest] = deque(maxlen=10_000)

    @property
    def provider(self) -> str:
        return self._name

    def inbox(self, phone: str) -> str | None:
        """The last code sent to `phone`: what the applicant reads on their phone."""
        with self._lock:
            return self._inbox.get(phone)

    def _rng(self, *parts: object) -> random.Random:
        return random.Random("/".join((str(self.seed), *map(str, parts))))

    def fetch(self, request: SourceRequest) -> Answer:
        kind, subject = request.kind, request.subject
        step = str(request.params.get("step", ""))
        person = self.on_file(subject)
        # Draws follow the person of a seeded world, not the subject's key: a blind index
        # differs from one vault key to another, and the same seed must answer the same. Calls
        # are counted per business day, so a run resumed on a later day draws as one that never
        # stopped.
        who = person.key if person is not None and person.key else subject.key
        counted = (who, kind.value, request.as_of.isoformat())
        with self._lock:
            self.calls.append(request)
            self._attempts[counted] += 1
            attempt = self._attempts[counted]
        rng = self._rng(who, kind.value, step, request.as_of.isoformat(), attempt)
        elapsed = rng.randint(*self.latency_ms)
        if rng.random() < self.unavailable_share:
            raise SourceUnavailable(kind, self._name, f"no answer within {elapsed * 10} ms")
        payload: dict[str, Any] = {
            "subject": subject.key,
            "as_of": request.as_of.isoformat(),
            "check": kind.value,
        }
        if kind is SourceKind.SMS_OTP:
            tag = f"{request.as_of.isoformat()}-{attempt}"
            payload.update(self._sms(subject, who, step, request.params, tag))
        else:
            payload.update(self._compare(kind, subject, person))
        return Answer(
            kind=kind,
            provider=self._name,
            payload=payload,
            cost_fen=self.prices.price(kind, request.params),
            elapsed_ms=elapsed,
        )

    def _compare(self, kind: SourceKind, subject: Subject, person: OnFile | None) -> dict[str, Any]:
        if person is None:
            return {"result": "failed", "code": "ID_NOT_FOUND", "mismatched": ["id_number"]}
        key = person.key or subject.key
        if Factor.MOBILE in CHECKS[kind].factors and person.phone is None:
            return {"result": "unavailable", "code": "NO_CARRIER_RECORD"}
        differs = {
            Factor.NAME: subject.name != person.name,
            Factor.ID_NUMBER: False,  # the record was found by the ID number
            Factor.MOBILE: subject.phone != person.phone,
            Factor.BANK_CARD: subject.bank_card not in person.bank_cards,
        }
        noise = self._rng(key, kind.value, "noise")
        wrong = [f.value for f in CHECKS[kind].factors if differs[f] or noise.random() < self.noise]
        answer: dict[str, Any] = {}
        if kind is SourceKind.LIVENESS:
            face = self._rng(key, FACE_DRAW)
            live = face.random() < person.face_odds
            if not live:
                wrong.append(Factor.FACE.value)
            answer = {
                "liveness": f"{face.uniform(0.90, 0.999) if live else face.uniform(0.3, 0.95):.3f}",
                "face_match": f"{face.uniform(0.85, 0.99) if live else face.uniform(0.1, 0.6):.3f}",
            }
        if wrong:
            return {
                **answer,
                "result": "failed",
                "code": f"{wrong[0].upper()}_MISMATCH",
                "mismatched": wrong,
            }
        return {**answer, "result": "passed", "code": "MATCH"}

    def _sms(self, subject: Subject, who: str, step: str, params: Any, tag: str) -> dict[str, Any]:
        phone = str(subject.phone)
        if step == OTP_CHECK:
            with self._lock:
                sent = self._codes.get(str(params.get("otp_id")))
            if sent is None or sent[0] != phone:
                return {"result": "failed", "code": "OTP_UNKNOWN", "mismatched": ["code"]}
            if params.get("code") != sent[1]:
                return {"result": "failed", "code": "OTP_WRONG", "mismatched": ["code"]}
            return {"result": "passed", "code": "OTP_OK"}
        rng = self._rng(who, "otp", tag)
        code = f"{rng.randrange(10**6):06d}"
        otp_id = f"otp-{who[:12]}-{tag}"
        with self._lock:
            self._codes[otp_id] = (phone, code)
            self._inbox[phone] = code
        return {"result": CheckStatus.SENT.value, "code": "SENT", "otp_id": otp_id}
