"""Identity links: applications joined through shared keys (device, phone, card, ID, IP) form a
graph, and each new application gets features of its neighbourhood.

`IdentityLinks` is where the graph is kept: the database (`db.fraud_links.SqlIdentityLinks`,
which updates it incrementally in one transaction per application) or Redis
(`db.redis_links.RedisIdentityLinks`). `batch_link_features` computes the same features over a
list of past applications in memory, for back-tests; a test holds the stores and it to identical
results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from fengkong.core.errors import Unavailable
from fengkong.fraud.keys import KeyType

__all__ = [
    "LINK_KEY_TYPES",
    "IdentityLinks",
    "LinkApplication",
    "LinkFeatures",
    "LinksUnavailable",
    "NotLinked",
    "batch_link_features",
    "link_features",
]

# Employer and the IP's /24 join whole companies and carrier NATs: they are velocity keys only.
LINK_KEY_TYPES: tuple[KeyType, ...] = (
    KeyType.BANK_CARD,
    KeyType.DEVICE,
    KeyType.IP,
    KeyType.MOBILE,
    KeyType.RESIDENT_ID,
)


class LinksUnavailable(Unavailable):
    """The identity-link graph could not be read or written: the decision must refer."""


class NotLinked(ValueError):
    """`mark_outcome` of an application the graph never took (its link store was down)."""


@dataclass(frozen=True, slots=True)
class LinkApplication:
    """An application as the graph sees it: its keys as blind indexes (`None`: missing)."""

    application_id: str
    at: datetime
    keys: tuple[tuple[KeyType, str | None], ...] = field(repr=False)
    declined: bool = False
    defaulted: bool = False

    def link_keys(
        self, key_types: tuple[KeyType, ...] = LINK_KEY_TYPES
    ) -> tuple[tuple[KeyType, str], ...]:
        return tuple(sorted((kt, h) for kt, h in self.keys if h is not None and kt in key_types))

    @property
    def id_hash(self) -> str | None:
        return dict(self.keys).get(KeyType.RESIDENT_ID)

    @property
    def flagged(self) -> bool:
        return self.declined or self.defaulted


@dataclass(frozen=True, slots=True)
class LinkFeatures:
    application_id: str
    component_size: int  # applications in its connected component, itself included
    ids_sharing_device: int | None  # distinct ID numbers on its device, its own included
    ids_sharing_phone: int | None
    bad_neighbours: int  # other applications sharing a key with it, declined or defaulted
    first_seen_age: tuple[tuple[KeyType, int | None], ...]  # seconds since each key first showed

    def age(self, key_type: KeyType) -> int | None:
        return dict(self.first_seen_age).get(key_type)


def _ages(
    app: LinkApplication, first_seen: Mapping[tuple[KeyType, str], datetime]
) -> tuple[tuple[KeyType, int | None], ...]:
    present = dict(app.link_keys())
    out: list[tuple[KeyType, int | None]] = []
    for kt in LINK_KEY_TYPES:
        digest = present.get(kt)
        if digest is None:
            out.append((kt, None))
        else:
            seen = first_seen.get((kt, digest), app.at)
            out.append((kt, max(0, int((app.at - seen).total_seconds()))))
    return tuple(out)


def link_features(
    app: LinkApplication,
    keys: tuple[tuple[KeyType, str], ...],
    total: int,
    shared_ids: Mapping[KeyType, int],
    bad: int,
    first_seen: Mapping[tuple[KeyType, str], datetime],
) -> LinkFeatures:
    present = dict(keys)
    return LinkFeatures(
        application_id=app.application_id,
        component_size=total,
        ids_sharing_device=shared_ids.get(KeyType.DEVICE, 0) if KeyType.DEVICE in present else None,
        ids_sharing_phone=shared_ids.get(KeyType.MOBILE, 0) if KeyType.MOBILE in present else None,
        bad_neighbours=bad,
        first_seen_age=_ages(app, first_seen),
    )


class IdentityLinks(Protocol):
    """Where the graph is kept: the database (`db.fraud_links.SqlIdentityLinks`) or Redis
    (`db.redis_links.RedisIdentityLinks`)."""

    def link(self, app: LinkApplication) -> LinkFeatures: ...

    def mark_outcome(self, application_id: str, *, declined: bool, defaulted: bool) -> None: ...

    def component_sizes(self) -> dict[str, int]: ...


def batch_link_features(apps: Iterable[LinkApplication]) -> tuple[LinkFeatures, ...]:
    """The features `IdentityLinks.link` gives, for applications replayed in the given order
    (each sees only those before it), computed in memory with a union-find."""
    parent: dict[str, str] = {}
    size: dict[str, int] = {}
    key_node: dict[tuple[KeyType, str], str] = {}
    first_seen: dict[tuple[KeyType, str], datetime] = {}
    ids_on_key: dict[tuple[KeyType, str], set[str]] = {}
    flagged_on_key: dict[tuple[KeyType, str], set[str]] = {}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    out: list[LinkFeatures] = []
    for app in apps:
        me = app.application_id
        parent[me] = me
        size[me] = 1
        keys = app.link_keys()
        seen = {key: first_seen[key] for key in keys if key in first_seen}
        for key in keys:
            if key in key_node:
                a, b = find(me), find(key_node[key])
                if a != b:
                    if size[a] < size[b]:
                        a, b = b, a
                    parent[b] = a
                    size[a] += size[b]
            else:
                key_node[key] = me
                first_seen[key] = app.at
        bad: set[str] = set()
        for key in keys:
            bad |= flagged_on_key.get(key, set())
            if app.id_hash is not None:
                ids_on_key.setdefault(key, set()).add(app.id_hash)
            if app.flagged:
                flagged_on_key.setdefault(key, set()).add(me)
        bad.discard(me)
        present = dict(keys)

        def shared(kt: KeyType, present: dict[KeyType, str] = present) -> int | None:
            digest = present.get(kt)
            return None if digest is None else len(ids_on_key.get((kt, digest), ()))

        out.append(
            LinkFeatures(
                application_id=me,
                component_size=size[find(me)],
                ids_sharing_device=shared(KeyType.DEVICE),
                ids_sharing_phone=shared(KeyType.MOBILE),
                bad_neighbours=len(bad),
                first_seen_age=_ages(app, seen),
            )
        )
    return tuple(out)
