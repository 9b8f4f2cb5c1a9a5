"""Retention of external data: `purge_expired` drops the payloads kept past their `retain_until`
and keeps the rest of each record (kind, subject, provider, dates, sha256, cost), so a decision
still says what it used, from whom and when, and that it was this document, after the document
itself is gone. Each purged answer is audited."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from fengkong.core.clock import Clock
from fengkong.sources.ports import SourcesUnitOfWork

__all__ = ["PurgeReport", "purge_expired"]


@dataclass(frozen=True, slots=True)
class PurgeReport:
    at: datetime
    dry_run: bool
    by_kind: Mapping[str, int]  # payloads purged (or, in a dry run, that would be) per kind

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())


def purge_expired(
    uow: Callable[[], SourcesUnitOfWork],
    clock: Clock,
    *,
    dry_run: bool = False,
    actor: str = "system",
    chunk: int = 500,
) -> PurgeReport:
    """Drop every payload whose retention ended at or before now, `chunk` answers per
    transaction, each audited (`source.purged`); with `dry_run`, count them and change nothing."""
    at = clock.now()
    counts: Counter[str] = Counter()
    if dry_run:
        with uow() as tx:
            counts.update(tx.source_answers.expired_counts(at))
        return PurgeReport(at, True, dict(sorted(counts.items())))
    while True:
        with uow() as tx:
            batch = tx.source_answers.expired(at, chunk)
            for answer in batch:
                if not tx.source_answers.purge(answer.id, at):
                    continue  # purged meanwhile by another run
                counts[answer.kind.value] += 1
                tx.audit.append(
                    at=at,
                    actor=actor,
                    action="source.purged",
                    subject_type="source_answer",
                    subject_id=answer.id,
                    payload={
                        "kind": answer.kind.value,
                        "provider": answer.provider,
                        "as_of": answer.as_of.isoformat(),
                        "fetched_at": answer.fetched_at.isoformat(),
                        "retain_until": answer.retain_until.isoformat(),
                        "sha256": answer.sha256,
                    },
                )
            tx.commit()
        if len(batch) < chunk:
            return PurgeReport(at, False, dict(sorted(counts.items())))
