"""The incrementally kept graph — in SQLite, PostgreSQL or Redis — gives exactly the features the
batch replay computes, on a seeded synthetic stream of honest applicants mixed with rings sharing
devices, phones and cards."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import IdentityLinks, LinkApplication, batch_link_features

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def synthetic_stream(n: int, seed: int) -> list[LinkApplication]:
    rng = random.Random(seed)
    shared_ips = [f"ip-nat-{i}" for i in range(40)]
    rings = [
        {
            "devices": [f"ring{r}-dev{i}" for i in range(rng.randint(1, 3))],
            "phones": [f"ring{r}-tel{i}" for i in range(rng.randint(1, 4))],
            "cards": [f"ring{r}-card{i}" for i in range(rng.randint(1, 2))],
            "ids": [f"ring{r}-id{i}" for i in range(rng.randint(3, 12))],
        }
        for r in range(40)
    ]
    apps: list[LinkApplication] = []
    at = T0
    for i in range(n):
        at += timedelta(seconds=rng.choice((0, 1, 30, 600, 3600)))
        if rng.random() < 0.25:
            ring = rng.choice(rings)
            keys = {
                KeyType.RESIDENT_ID: rng.choice(ring["ids"]),
                KeyType.DEVICE: rng.choice(ring["devices"]),
                KeyType.MOBILE: rng.choice(ring["phones"]),
                KeyType.BANK_CARD: rng.choice(ring["cards"]) if rng.random() < 0.7 else None,
                KeyType.IP: rng.choice(shared_ips) if rng.random() < 0.5 else None,
            }
        else:
            person = rng.randrange(n)  # some honest people apply more than once
            keys = {
                KeyType.RESIDENT_ID: f"id-{person}",
                KeyType.DEVICE: f"dev-{person}" if rng.random() < 0.9 else None,
                KeyType.MOBILE: f"tel-{person}",
                KeyType.BANK_CARD: f"card-{person}" if rng.random() < 0.5 else None,
                KeyType.IP: rng.choice(shared_ips) if rng.random() < 0.05 else f"ip-{i}",
            }
        apps.append(
            LinkApplication(
                application_id=f"app-{i:05d}",
                at=at,
                keys=tuple(sorted(keys.items())),
                declined=rng.random() < 0.12,
                defaulted=rng.random() < 0.03,
            )
        )
    return apps


def test_incremental_equals_batch(identity_links: IdentityLinks) -> None:
    apps = synthetic_stream(1500, seed=20260301)
    links = identity_links
    incremental = tuple(links.link(app) for app in apps)
    batch = batch_link_features(apps)

    assert incremental == batch
    # The stream exercised what matters: merges into large rings, shared devices, bad neighbours.
    assert max(f.component_size for f in batch) > 50
    assert max(f.ids_sharing_device or 0 for f in batch) >= 5
    assert sum(f.bad_neighbours > 0 for f in batch) > 30
    assert any(f.ids_sharing_device is None for f in batch)
    sizes = links.component_sizes()
    assert sum(sizes.values()) == len(apps)
