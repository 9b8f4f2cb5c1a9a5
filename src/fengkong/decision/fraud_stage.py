"""Fraud signals of one application: velocity, lists and identity links, computed before it is
scored; the policy's fraud stage reads them as facts."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fengkong.core.errors import NotFound, Unavailable
from fengkong.core.reason import Reason
from fengkong.fraud.anomaly import LoadedAnomaly, load_anomaly
from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import IdentityLinks, LinkApplication, LinkFeatures, LinksUnavailable
from fengkong.fraud.lists import ListHit, ListStore
from fengkong.fraud.signals import (
    DEFAULT_THRESHOLDS,
    FraudThresholds,
    Signals,
    link_signals,
    list_signals,
    velocity_signals,
)
from fengkong.fraud.together import Pairing, RecordAndLink, SignalStoresTogether, apart
from fengkong.fraud.velocity import (
    VelocityEvent,
    VelocitySnapshot,
    VelocityStore,
    VelocityUnavailable,
    velocity_event,
)
from fengkong.onboarding.application import ApplicationRequest
from fengkong.scoring.registry import ModelVersion

VELOCITY_UNAVAILABLE = Reason(
    "FRAUD_VELOCITY_UNAVAILABLE",
    "application velocity could not be computed (counter store unavailable)",
    "申请频次无法计算（计数服务不可用）",
)
LINKS_UNAVAILABLE = Reason(
    "FRAUD_LINKS_UNAVAILABLE",
    "identity links could not be computed (link store unavailable)",
    "关联关系无法计算（关联服务不可用）",
)


@dataclass(frozen=True, slots=True)
class FraudServices:
    velocity: VelocityStore
    lists: ListStore
    links: IdentityLinks
    hasher: Callable[[str, str], str]
    thresholds: FraudThresholds = DEFAULT_THRESHOLDS
    anomaly: AnomalyCache | None = None
    # With `fraud_lookups_at_once` and stores that are servers (PostgreSQL, Redis), the three are
    # asked at once: each waits on its own connection and the waits overlap, which pays where a
    # network lies between. Otherwise (`None`) they are asked in turn: on a database sharing the
    # machine's few cores the waits are the server's own CPU, and the threads only add handoffs.
    concurrent: Executor | None = None
    # The link graph lives in the database that keeps the decisions (`SqlIdentityLinks` on the
    # books' own database): a decline's flag is then written in the decision's transaction,
    # not in one of its own after it.
    links_in_books: bool = False
    # Whether the velocity store and the link graph can be sent together (wired by `bootstrap`:
    # `db.fraud_signal_stores.SqlSignalStores.of`).
    pairing: Pairing = apart

    @property
    def together(self) -> SignalStoresTogether | None:
        """Velocity and links, when both are tables of the same PostgreSQL database: asked in
        turn, they are then sent in one exchange and one transaction."""
        return self.pairing(self.velocity, self.links)


def fraud_signals(
    fraud: FraudServices,
    application_id: str,
    req: ApplicationRequest,
    now: datetime,
    as_of: date,
) -> Signals:
    """Every fraud signal of one application. Each store commits on its own: the counts must
    include this application even if the decision that follows fails."""
    return signals_of(fraud, fraud_event(application_id, req, now, as_of), now)


def fraud_event(
    application_id: str, req: ApplicationRequest, now: datetime, as_of: date
) -> VelocityEvent:
    """The application as the fraud stores see it: its keys, canonical (an invalid one is a
    field error)."""
    a = req.applicant
    return velocity_event(
        application_id,
        now,
        req.amount,
        as_of,
        resident_id=a.id_number,
        mobile=a.phone,
        device=req.channel.device_id,
        ip=req.channel.ip,
        bank_card=a.bank_card,
        employer=a.employer,
    )


def signals_of(
    fraud: FraudServices,
    event: VelocityEvent,
    now: datetime,
    list_hits: tuple[ListHit, ...] | None = None,
    hashed: tuple[tuple[KeyType, str | None], ...] | None = None,
    recorded: tuple[VelocitySnapshot, LinkFeatures] | None = None,
) -> Signals:
    """The signals of one velocity event (the application under its id): velocity, lists and
    links, asked in turn or at once as `fraud.concurrent` says; in turn, velocity and links kept
    in one PostgreSQL database go in one exchange (`FraudServices.together`). What the caller
    has already — `list_hits` and the velocity and links `recorded` (a decision sends them with
    its other reads), the keys in their `hashed` form — is not asked for again."""
    if hashed is None:
        hashed = event.hashed(fraud.hasher)
    link = _link_application(event, now, hashed)

    def lists() -> Signals:
        return _lists(fraud, hashed, now) if list_hits is None else list_signals(list_hits)

    if recorded is None and fraud.concurrent is None and (together := fraud.together):
        recorded = together.record_and_link(event, link)
    if recorded is not None:
        snapshot, features = recorded
        return (
            velocity_signals(snapshot, fraud.thresholds)
            + lists()
            + link_signals(features, fraud.thresholds)
        )
    if fraud.concurrent is None:
        return _velocity(fraud, event) + lists() + _links(fraud, link)
    velocity = fraud.concurrent.submit(_velocity, fraud, event)
    listed = fraud.concurrent.submit(lists)
    links = _links(fraud, link)
    return velocity.result() + listed.result() + links


def sent_with_reads(
    fraud: FraudServices,
    event: VelocityEvent,
    now: datetime,
    hashed: tuple[tuple[KeyType, str | None], ...],
) -> RecordAndLink | None:
    """The velocity record and link update as calls a decision sends with its reads: when they
    are asked in turn and kept in one PostgreSQL database (`FraudServices.together`)."""
    together = fraud.together if fraud.concurrent is None else None
    return (
        None if together is None else together.calls(event, _link_application(event, now, hashed))
    )


def _link_application(
    event: VelocityEvent, now: datetime, hashed: tuple[tuple[KeyType, str | None], ...]
) -> LinkApplication:
    return LinkApplication(event.event_id, now, hashed)


def _velocity(fraud: FraudServices, event: VelocityEvent) -> Signals:
    try:
        return velocity_signals(fraud.velocity.record_and_count(event), fraud.thresholds)
    except VelocityUnavailable:
        return Signals({}, (VELOCITY_UNAVAILABLE,))


def _lists(
    fraud: FraudServices, hashed: tuple[tuple[KeyType, str | None], ...], now: datetime
) -> Signals:
    return list_signals(fraud.lists.lookup_hashed(hashed, now))


def _links(fraud: FraudServices, link: LinkApplication) -> Signals:
    try:
        return link_signals(fraud.links.link(link), fraud.thresholds)
    except LinksUnavailable:
        return Signals({}, (LINKS_UNAVAILABLE,))


class AnomalyCache:
    """The promoted anomaly model, loaded once per version; none promoted means no signal."""

    def __init__(self, artifacts_dir: Path) -> None:
        self.artifacts_dir = artifacts_dir
        self._loaded: LoadedAnomaly | None = None

    def signals(self, champion: ModelVersion | None, row: Mapping[str, object]) -> Signals:
        if champion is None:
            return Signals({}, ())
        loaded = self._loaded
        if loaded is None or (loaded.version, loaded.sha256) != (
            champion.version,
            champion.sha256,
        ):
            try:
                loaded = load_anomaly(champion, self.artifacts_dir)
            except NotFound:
                raise Unavailable(f"the artifact of {champion.version} is missing") from None
            self._loaded = loaded
        return loaded.signal(row)
