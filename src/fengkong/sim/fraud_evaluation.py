"""How well the default fraud rules catch known fraud: the seeded synthetic stream
(`sim.fraud_traffic`) replayed in time order through the real stores — SQL velocity counters,
black/grey/white lists and the identity-link graph on a temporary SQLite database — with the
default thresholds (`FraudThresholds()`).

An application is flagged when any default rule gives a reason: a velocity count at its threshold,
a black or grey list hit, a shared device or phone, a large ring, a declined neighbour. "Unknown"
reasons (no device id, no IP) and white-list hits are not fraud verdicts and flag nothing. A
flagged application is treated as declined, so later applications sharing its keys see a declined
neighbour, as they would in production.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fengkong.core.clock import BUSINESS_TZ, FakeClock
from fengkong.db.database import Database
from fengkong.db.fraud_links import SqlIdentityLinks
from fengkong.db.fraud_lists import SqlFraudLists
from fengkong.db.fraud_velocity import SqlVelocityStore
from fengkong.db.migrate import upgrade
from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import LinkApplication
from fengkong.fraud.lists import ListKind, NewListEntry
from fengkong.fraud.signals import (
    FraudThresholds,
    Signals,
    link_signals,
    list_signals,
    velocity_signals,
)
from fengkong.fraud.velocity import velocity_event
from fengkong.onboarding.vault import Vault, generate_keyring
from fengkong.sim.fraud_traffic import FraudKind, TrafficApplication, generate_traffic

__all__ = [
    "EvaluationReport",
    "KindResult",
    "RuleResult",
    "evaluate_rules",
    "flagging_codes",
    "run_evaluation",
]

START = datetime(2026, 1, 1, tzinfo=UTC)


def flagging_codes(signals: Signals) -> tuple[str, ...]:
    """The reason codes that count as a fraud verdict."""
    return tuple(
        r.code
        for r in signals.reasons
        if not r.code.endswith("_UNKNOWN") and not r.code.startswith("FRAUD_LIST_WHITE")
    )


def rule_family(code: str) -> str:
    """`FRAUD_VELOCITY_DEVICE_1H` stays; list hits group by list (`FRAUD_LIST_BLACK`)."""
    if code.startswith("FRAUD_LIST_"):
        return "_".join(code.split("_")[:3])
    return code


@dataclass(frozen=True, slots=True)
class KindResult:
    kind: str
    applications: int
    flagged: int

    @property
    def recall(self) -> float:
        return self.flagged / self.applications if self.applications else 0.0


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule: str
    fired: int
    on_fraud: int

    @property
    def precision(self) -> float:
        return self.on_fraud / self.fired if self.fired else 0.0


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    n: int
    seed: int
    true_positives: int
    false_positives: int
    false_negatives: int
    true_negatives: int
    kinds: tuple[KindResult, ...]
    rules: tuple[RuleResult, ...]
    unknown_device: int
    blacklisted_keys: int

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        fraud = self.true_positives + self.false_negatives
        return self.true_positives / fraud if fraud else 0.0

    def kind_precision(self, kind: KindResult) -> float:
        """Precision on a stream of honest traffic plus this kind of fraud only."""
        flagged = kind.flagged + self.false_positives
        return kind.flagged / flagged if flagged else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "seed": self.seed,
            "fraud": self.true_positives + self.false_negatives,
            "honest": self.false_positives + self.true_negatives,
            "flagged": self.true_positives + self.false_positives,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
            "true_negatives": self.true_negatives,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "kinds": {
                k.kind: {
                    "applications": k.applications,
                    "flagged": k.flagged,
                    "recall": round(k.recall, 4),
                    "precision_vs_honest": round(self.kind_precision(k), 4),
                }
                for k in self.kinds
            },
            "rules": {
                r.rule: {
                    "fired": r.fired,
                    "on_fraud": r.on_fraud,
                    "precision": round(r.precision, 4),
                }
                for r in self.rules
            },
            "unknown_device": self.unknown_device,
            "blacklisted_keys": self.blacklisted_keys,
        }


def known_bad_cards(stream: Iterable[TrafficApplication], every: int = 4) -> tuple[str, ...]:
    """Cards of every `every`-th ring, as if confirmed in earlier cases: the black list's seed."""
    first_card: dict[str, str] = {}
    for a in stream:
        if a.fraud_kind is FraudKind.RING and a.group is not None:
            first_card.setdefault(a.group, a.bank_card)
    rings = sorted(first_card, key=lambda g: int(g.split("-")[1]))
    return tuple(first_card[g] for g in rings[::every])


def evaluate_rules(
    stream: tuple[TrafficApplication, ...],
    db: Database,
    *,
    seed: int = 0,
    thresholds: FraudThresholds | None = None,
    progress: Callable[[int], None] | None = None,
) -> EvaluationReport:
    """Replay `stream` (time-ordered) through the stores on `db` (migrated, empty) and score the
    default rules against the labels."""
    thresholds = thresholds or FraudThresholds()
    vault = Vault(generate_keyring())
    hasher = vault.blind_index
    clock = FakeClock(stream[0].at if stream else START)
    velocity = SqlVelocityStore(db, hasher, clock)
    lists = SqlFraudLists(db, hasher, clock)
    links = SqlIdentityLinks(db)
    bad_cards = known_bad_cards(stream)
    for card in bad_cards:
        lists.add(
            NewListEntry(ListKind.BLACK, KeyType.BANK_CARD, card, "confirmed ring", "sim", None),
            "sim:evaluation",
        )
    tp = fp = fn = tn = unknown = 0
    by_kind: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    fired: Counter[str] = Counter()
    fired_on_fraud: Counter[str] = Counter()
    for i, a in enumerate(stream):
        event = velocity_event(
            a.application_id,
            a.at,
            a.amount,
            a.at.astimezone(BUSINESS_TZ).date(),
            resident_id=a.id_number,
            mobile=a.phone,
            device=a.device,
            ip=a.ip,
            bank_card=a.bank_card,
            employer=a.employer,
        )
        hashed = event.hashed(hasher)
        snapshot = velocity.record_and_count(event)
        hits = lists.lookup_hashed(hashed, a.at)
        features = links.link(LinkApplication(a.application_id, a.at, hashed))
        signals = (
            velocity_signals(snapshot, thresholds)
            + list_signals(hits)
            + link_signals(features, thresholds)
        )
        codes = flagging_codes(signals)
        flagged = bool(codes)
        if a.device is None:
            unknown += 1
        for rule in {rule_family(c) for c in codes}:
            fired[rule] += 1
            if a.is_fraud:
                fired_on_fraud[rule] += 1
        if flagged:
            links.mark_outcome(a.application_id, declined=True, defaulted=False)
        if a.fraud_kind is not None:
            by_kind[a.fraud_kind.value] += 1
            caught[a.fraud_kind.value] += flagged
            tp, fn = tp + flagged, fn + (not flagged)
        else:
            fp, tn = fp + flagged, tn + (not flagged)
        if progress is not None and (i + 1) % 1000 == 0:
            progress(i + 1)
    return EvaluationReport(
        n=len(stream),
        seed=seed,
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        true_negatives=tn,
        kinds=tuple(KindResult(k.value, by_kind[k.value], caught[k.value]) for k in FraudKind),
        rules=tuple(
            RuleResult(rule, fired[rule], fired_on_fraud[rule])
            for rule in sorted(fired, key=lambda r: (-fired[r], r))
        ),
        unknown_device=unknown,
        blacklisted_keys=len(bad_cards),
    )


def run_evaluation(
    n: int = 20_000,
    seed: int = 0,
    *,
    thresholds: FraudThresholds | None = None,
    progress: Callable[[int], None] | None = None,
) -> EvaluationReport:
    """Generate the stream and evaluate it on a fresh temporary SQLite database."""
    stream = generate_traffic(n, seed, START)
    with tempfile.TemporaryDirectory(prefix="fengkong-eval-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'evaluation.db'}")
        try:
            upgrade(db)
            return evaluate_rules(stream, db, seed=seed, thresholds=thresholds, progress=progress)
        finally:
            db.dispose()
