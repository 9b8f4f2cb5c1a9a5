"""With networked stores the decision asks velocity, lists and links at once (`concurrent`); with
both stores in one PostgreSQL database it sends velocity and links together (`together`). The
signals must be those it gets asking each store apart, application after application."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.core.clock import FakeClock
from fengkong.db.database import Database
from fengkong.db.fraud_links import SqlIdentityLinks
from fengkong.db.fraud_lists import SqlFraudLists
from fengkong.db.fraud_signal_stores import SqlSignalStores
from fengkong.db.fraud_velocity import SqlVelocityStore
from fengkong.decision.fraud_stage import FraudServices, fraud_signals
from fengkong.fraud.keys import Hasher, KeyType
from fengkong.fraud.links import IdentityLinks, LinkApplication, LinkFeatures
from fengkong.fraud.lists import ListKind, NewListEntry
from fengkong.fraud.signals import Signals

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PHONES = ("13800138000", "13900139000")


def _hasher(space: str) -> Hasher:
    """Each way hashes keys into its own space, so the two share the tables but not a key."""
    return lambda field, clear: hashlib.sha256(
        f"{space}\x00{field}\x00{clear}".encode()
    ).hexdigest()


class _Apart:
    """The link store as itself, but not one `SqlSignalStores.of` pairs with the counters."""

    def __init__(self, links: IdentityLinks) -> None:
        self.links = links

    def link(self, app: LinkApplication) -> LinkFeatures:
        return self.links.link(app)

    def mark_outcome(self, application_id: str, *, declined: bool, defaulted: bool) -> None:
        self.links.mark_outcome(application_id, declined=declined, defaulted=defaulted)

    def component_sizes(self) -> dict[str, int]:
        return self.links.component_sizes()


def _run(
    db: Database, space: str, pool: ThreadPoolExecutor | None, *, apart: bool = False
) -> list[Signals]:
    clock = FakeClock(T)
    hasher = _hasher(space)
    lists = SqlFraudLists(db, hasher, clock)
    lists.add(NewListEntry(ListKind.GREY, KeyType.MOBILE, PHONES[1], "reported", "test"), "t")
    links: IdentityLinks = SqlIdentityLinks(db)
    fraud = FraudServices(
        velocity=SqlVelocityStore(db, hasher, clock),
        lists=lists,
        links=_Apart(links) if apart else links,
        hasher=hasher,
        concurrent=pool,
        pairing=SqlSignalStores.of,
    )
    assert (fraud.together is not None) == (not apart and db.dialect == "postgresql")
    out = []
    for i in range(12):
        channel = {"device_id": f"dev-{i % 3}", "ip": "10.0.0.7"}
        changes = {"applicant__phone": PHONES[i % 2], "channel": channel}
        req = ApplicationIn.model_validate(body(**changes)).to_request(T.date())
        now = T + timedelta(minutes=i)
        out.append(fraud_signals(fraud, f"{space}-{i}", req, now, now.date()))
    return out


def test_signals_asked_at_once_equal_signals_asked_in_turn(fraud_db: Database) -> None:
    in_turn = _run(fraud_db, "turn", None, apart=True)
    with ThreadPoolExecutor(max_workers=4) as pool:
        at_once = _run(fraud_db, "once", pool)
    assert at_once == in_turn
    assert _run(fraud_db, "together", None) == in_turn
    last = in_turn[-1].features
    assert last["velocity.mobile.24h.count"] == 6  # the history each way saw was its own
    assert last["link.component_size"] == 12
    assert in_turn[1].features["list.grey"] is True
