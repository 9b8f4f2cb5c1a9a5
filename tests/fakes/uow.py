"""The in-memory unit of work (after cosmicpython's `FakeUnitOfWork`): `with uow:` works on a
snapshot of the store's tables; `commit()` publishes what changed since the block began (or since
the last commit), and leaving the block without it discards the snapshot, so a rollback is
real. Commits are atomic and first-committer-wins: a row another unit of work changed meanwhile
is a `Conflict`, as the database's version checks and locks make it. New audit records are
chained onto the store's head as it stands at the commit, so the chain never forks. Constraints
across rows (one decision per application, one open list entry per key, one policy per live
role) are checked against the unit of work's own snapshot, not again at the commit: two units of
work racing past them are the database's to refuse, and its tests'."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, Self

from fakes.approvals import MemoryApprovals
from fakes.books import MemoryAuditLog, MemoryJournal, unchained
from fakes.collections import MemoryCollections
from fakes.funds import MemoryFundUses
from fakes.lending import MemoryLending
from fakes.lists import MemoryListEntries
from fakes.records import (
    MemoryApplications,
    MemoryConsents,
    MemoryDecisions,
    MemoryLinkOutcomes,
    MemoryModels,
    MemoryOfficerDecisions,
    MemoryPolicyBundles,
)
from fakes.registry import MemoryPolicies, MemoryReviews
from fakes.secured import MemorySecuredOffers
from fakes.tables import KEYED, ON_CONFLICT, Tables
from fengkong.audit.chain import chained
from fengkong.core.errors import Conflict

_ABSENT = object()


class MemoryStore:
    """The committed tables, shared by every unit of work made on it (the database's place)."""

    def __init__(self) -> None:
        self.tables = Tables()
        self.lock = threading.Lock()
        self.commits = 0  # how many commits published something

    def snapshot(self) -> Tables:
        with self.lock:
            return self.tables.copy()

    def publish(self, base: Tables, work: Tables) -> None:
        """Apply the changes from `base` to `work` to the committed tables, all or none."""
        with self.lock:
            now = self.tables
            changes: list[tuple[dict[str, Any], str, Any]] = []
            for name in KEYED:
                was, new, committed = getattr(base, name), getattr(work, name), getattr(now, name)
                for key in was.keys() | new.keys():
                    value = new.get(key, _ABSENT)
                    if value is was.get(key, _ABSENT):
                        continue
                    if committed.get(key, _ABSENT) is not was.get(key, _ABSENT):
                        error = ON_CONFLICT.get(name, Conflict)
                        raise error(f"{name} {key!r} changed meanwhile; retry")
                    changes.append((committed, key, value))
            appended = work.audit[len(base.audit) :]
            if not changes and not appended:
                return
            for rows, key, value in changes:
                if value is _ABSENT:
                    del rows[key]
                else:
                    rows[key] = value
            for record in appended:
                now.audit.append(chained(now.audit[-1] if now.audit else None, unchained(record)))
            self.commits += 1


class MemoryUnitOfWork:
    """The repositories of `SqlUnitOfWork` in memory: all but servicing's, of which it has the
    collections queue only (`servicing`)."""

    applications: MemoryApplications
    decisions: MemoryDecisions
    models: MemoryModels
    audit: MemoryAuditLog
    journal: MemoryJournal
    policy_bundles: MemoryPolicyBundles
    reviews: MemoryReviews
    officer_decisions: MemoryOfficerDecisions
    policies: MemoryPolicies
    consents: MemoryConsents
    link_outcomes: MemoryLinkOutcomes
    list_entries: MemoryListEntries
    approvals: MemoryApprovals
    lending: MemoryLending
    servicing: MemoryCollections
    secured_offers: MemorySecuredOffers

    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = MemoryStore() if store is None else store
        self._base: Tables | None = None
        self._work: Tables | None = None
        self.committed = False  # whether a commit of this unit of work published anything

    def __enter__(self) -> Self:
        self._base = self.store.snapshot()
        self._work = self._base.copy()
        self._bind(self._work)
        return self

    def _bind(self, tables: Tables) -> None:
        self.applications = MemoryApplications(tables)
        self.decisions = MemoryDecisions(tables)
        self.models = MemoryModels(tables)
        self.audit = MemoryAuditLog(tables)
        self.journal = MemoryJournal(tables)
        self.policy_bundles = MemoryPolicyBundles(tables)
        self.reviews = MemoryReviews(tables)
        self.officer_decisions = MemoryOfficerDecisions(tables)
        self.policies = MemoryPolicies(tables)
        self.consents = MemoryConsents(tables)
        self.link_outcomes = MemoryLinkOutcomes(tables)
        self.list_entries = MemoryListEntries(tables)
        self.approvals = MemoryApprovals(tables)
        self.lending = MemoryLending(tables)
        self.servicing = MemoryCollections(tables)
        self.funds = MemoryFundUses(tables)
        self.secured_offers = MemorySecuredOffers(tables)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Whatever was not committed is dropped with the snapshot: that is the rollback.
        self._base = self._work = None

    def commit(self) -> None:
        assert self._base is not None and self._work is not None, (
            "commit outside a `with uow:` block"
        )
        before = self.store.commits
        self.store.publish(self._base, self._work)
        self.committed = self.committed or self.store.commits != before
        # Go on from what is now committed, as the database's next transaction would.
        self._base = self.store.snapshot()
        self._work.load(self._base)
