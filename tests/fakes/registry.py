"""In-memory twins of the review queue and the policy registry (`db/decision_repository.py`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from fakes.records import DuplicateKey
from fakes.tables import Tables
from fengkong.core.errors import Conflict
from fengkong.decision.policy_registry import PolicyStatus, PolicyVersion
from fengkong.decision.review import ACTIVE, ReviewEvent, ReviewItem, ReviewStatus, as_of

# The roles at most one policy holds (the database's partial unique index).
_ONE_PER_ROLE = (PolicyStatus.ACTIVE, PolicyStatus.CHALLENGER)


class MemoryReviews:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add(self, item: ReviewItem) -> None:
        rows = self.tables.reviews
        if item.id in rows or any(i.decision_id == item.decision_id for i in rows.values()):
            raise DuplicateKey(f"review_items: {item.id!r} or its decision is taken")
        rows[item.id] = item

    def get(self, item_id: str, *, for_update: bool = False) -> ReviewItem | None:
        return self.tables.reviews.get(item_id)  # one writer at a time: nothing to lock

    def for_decision(self, decision_id: str) -> ReviewItem | None:
        return next((i for i in self.tables.reviews.values() if i.decision_id == decision_id), None)

    def save(self, item: ReviewItem, *, expected_version: int) -> ReviewItem:
        """Write `item` over the row still at `expected_version`, else `Conflict`."""
        stored = self.tables.reviews.get(item.id)
        if stored is None or stored.version != expected_version:
            raise Conflict(f"review item {item.id} changed meanwhile; reload and retry")
        saved = dataclasses.replace(item, version=expected_version + 1)
        self.tables.reviews[item.id] = saved
        return saved

    def list(
        self, *, now: datetime, status: ReviewStatus | None = None, limit: int = 100
    ) -> Sequence[ReviewItem]:
        """By due time; `status` is the standing at `now` (`review.as_of`), as the SQL filter."""
        items = sorted(self.tables.reviews.values(), key=lambda i: (i.due_at, i.id))
        if status is not None:
            items = [i for i in items if as_of(i, now).status == status]
        return items[:limit]

    def lapsed(self, now: datetime) -> Sequence[ReviewItem]:
        return sorted(
            (i for i in self.tables.reviews.values() if i.status in ACTIVE and i.expires_at <= now),
            key=lambda i: (i.expires_at, i.id),
        )

    def add_event(self, event: ReviewEvent) -> None:
        events = self.tables.review_events
        events[event.item_id] = (*events.get(event.item_id, ()), event)

    def add_first_event(self, event: ReviewEvent) -> None:
        self.add_event(event)

    def events(self, item_id: str) -> Sequence[ReviewEvent]:
        return list(self.tables.review_events.get(item_id, ()))


class MemoryPolicies:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add(self, policy: PolicyVersion) -> None:
        rows = self.tables.policies
        if policy.version in rows or any(p.id == policy.id for p in rows.values()):
            raise DuplicateKey(f"policy_versions: {policy.version!r} is taken")
        self._check_role(policy)
        rows[policy.version] = policy

    def get(self, version: str, *, for_update: bool = False) -> PolicyVersion | None:
        return self.tables.policies.get(version)

    def list(self) -> Sequence[PolicyVersion]:
        return sorted(self.tables.policies.values(), key=lambda p: (p.created_at, p.id))

    def with_status(self, status: PolicyStatus) -> PolicyVersion | None:
        return next((p for p in self.tables.policies.values() if p.status == status), None)

    def live(self) -> dict[PolicyStatus, PolicyVersion]:
        return {p.status: p for p in self.tables.policies.values() if p.status in _ONE_PER_ROLE}

    def save(self, policy: PolicyVersion) -> None:
        """Store the policy's standing; a stored document never changes. `Conflict` when another
        version holds the role it takes."""
        stored = self.tables.policies.get(policy.version)
        if stored is None:
            return  # an update of no row
        self._check_role(policy)
        self.tables.policies[policy.version] = dataclasses.replace(
            policy,
            id=stored.id,
            document=stored.document,
            sha256=stored.sha256,
            author=stored.author,
            created_at=stored.created_at,
        )

    def _check_role(self, policy: PolicyVersion) -> None:
        if policy.status not in _ONE_PER_ROLE:
            return
        holder = self.with_status(policy.status)
        if holder is not None and holder.version != policy.version:
            raise Conflict(f"another policy took the {policy.status.value} role meanwhile; retry")
