"""In-memory twins of the repositories in `db/repositories.py`, `db/decision_repository.py`
(officer decisions) and the consent repository: same methods, same answers, rows in `Tables`."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from fakes.tables import LinkFlags, StoredBundle, Tables
from fengkong.core import request_id as request_ids
from fengkong.core.clock import BUSINESS_TZ
from fengkong.decision.officer import OfficerDecision
from fengkong.decision.record import DecisionRecord
from fengkong.onboarding.application import StoredApplication
from fengkong.onboarding.consent import ConsentRecord, Purpose
from fengkong.scoring.registry import ModelStatus, ModelVersion


class DuplicateKey(Exception):
    """A row whose key is taken: where the database refuses the insert (an integrity error)."""


def _new_key(rows: dict[str, Any], key: str, table: str) -> None:
    if key in rows:
        raise DuplicateKey(f"{table}: {key!r} is taken")


class MemoryApplications:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add(self, app: StoredApplication) -> None:
        _new_key(self.tables.applications, app.id, "applications")
        self.tables.applications[app.id] = app

    def get(self, application_id: str) -> StoredApplication | None:
        return self.tables.applications.get(application_id)


class MemoryDecisions:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add(self, d: DecisionRecord) -> None:
        """Store `d` with the id of the request being served, as the SQL insert does."""
        rows = self.tables.decisions
        _new_key(rows, d.id, "decisions")
        if any(r.application_id == d.application_id for r in rows.values()):
            raise DuplicateKey(f"decisions: application {d.application_id!r} has one")
        rows[d.id] = dataclasses.replace(d, request_id=request_ids.current())

    def replace(self, d: DecisionRecord) -> None:
        """A resumed decision over the one it completes; what identifies it stays."""
        old = self.tables.decisions.get(d.id)
        if old is None:
            return  # an update of no row
        self.tables.decisions[d.id] = dataclasses.replace(
            old,
            decided_at=d.decided_at,
            outcome=d.outcome,
            approved_amount=d.approved_amount,
            reasons=d.reasons,
            annual_rate=d.annual_rate,
            term_months=d.term_months,
            offer=d.offer,
            trace=d.trace,
            facts=d.facts,
            input_hash=d.input_hash,
        )

    def get(self, decision_id: str) -> DecisionRecord | None:
        return self.tables.decisions.get(decision_id)

    def _ordered(self) -> list[DecisionRecord]:
        return sorted(self.tables.decisions.values(), key=lambda d: (d.decided_at, d.id))

    def ids(self, limit: int | None = None) -> list[str]:
        return [d.id for d in self._ordered()][:limit]

    def for_application(self, application_id: str) -> DecisionRecord | None:
        return next(
            (d for d in self.tables.decisions.values() if d.application_id == application_id), None
        )

    def by_request_id(self, request_id: str) -> DecisionRecord | None:
        found = [d for d in self._ordered() if d.request_id == request_id]
        return found[-1] if found else None

    def since(
        self, start: date, until: date | None = None, *, page_size: int = 500
    ) -> Iterator[DecisionRecord]:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        begin = datetime.combine(start, time(0), BUSINESS_TZ)
        end = (
            None
            if until is None
            else datetime.combine(until + timedelta(days=1), time(0), BUSINESS_TZ)
        )
        for d in self._ordered():
            if d.decided_at >= begin and (end is None or d.decided_at < end):
                yield d


class MemoryModels:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add(self, model: ModelVersion) -> None:
        _new_key(self.tables.models, model.version, "model_versions")
        self.tables.models[model.version] = model

    def get(self, version: str) -> ModelVersion | None:
        return self.tables.models.get(version)

    def list(self, name: str | None = None) -> list[ModelVersion]:
        rows = sorted(self.tables.models.values(), key=lambda m: m.created_at)
        return [m for m in rows if name is None or m.name == name]

    def _with(self, name: str, status: ModelStatus) -> ModelVersion | None:
        return next(
            (m for m in self.tables.models.values() if m.name == name and m.status == status),
            None,
        )

    def champion(self, name: str) -> ModelVersion | None:
        return self._with(name, ModelStatus.CHAMPION)

    def challenger(self, name: str) -> ModelVersion | None:
        return self._with(name, ModelStatus.CHALLENGER)

    def set_status(self, version: str, status: ModelStatus) -> None:
        model = self.tables.models.get(version)
        if model is not None:
            self.tables.models[version] = dataclasses.replace(model, status=status)


class MemoryPolicyBundles:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def remember(self, sha256: str, label: str, bundle: dict[str, Any], at: datetime) -> None:
        """Store a bundle the first time it decides; later calls find it there."""
        if sha256 not in self.tables.policy_bundles:
            self.tables.policy_bundles[sha256] = StoredBundle(label, copy.deepcopy(bundle), at)

    def get(self, sha256: str) -> dict[str, Any] | None:
        stored = self.tables.policy_bundles.get(sha256)
        return None if stored is None else copy.deepcopy(stored.bundle)


class MemoryOfficerDecisions:
    """Officers' decisions on referrals; one per application, decision and review item."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add(self, d: OfficerDecision) -> None:
        rows = self.tables.officer_decisions
        _new_key(rows, d.id, "officer_decisions")
        for other in rows.values():
            if d.application_id == other.application_id or d.decision_id == other.decision_id:
                raise DuplicateKey(f"officer_decisions: {d.application_id!r} has one")
        rows[d.id] = d

    def for_application(self, application_id: str) -> OfficerDecision | None:
        return next(
            (
                d
                for d in self.tables.officer_decisions.values()
                if d.application_id == application_id
            ),
            None,
        )

    def get(self, officer_decision_id: str) -> OfficerDecision | None:
        return self.tables.officer_decisions.get(officer_decision_id)


class MemoryConsents:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add(self, record: ConsentRecord) -> None:
        _new_key(self.tables.consents, record.id, "consents")
        self.tables.consents[record.id] = record

    def get(self, consent_id: str) -> ConsentRecord | None:
        return self.tables.consents.get(consent_id)

    def for_subject(self, subject_bidx: str) -> tuple[ConsentRecord, ...]:
        return tuple(
            sorted(
                (r for r in self.tables.consents.values() if r.subject_bidx == subject_bidx),
                key=lambda r: (r.granted_at, r.id),
            )
        )

    def mark_revoked(self, consent_id: str, at: datetime, by: str) -> bool:
        record = self.tables.consents.get(consent_id)
        if record is None or record.revoked_at is not None:
            return False
        self.tables.consents[consent_id] = dataclasses.replace(record, revoked_at=at, revoked_by=by)
        return True

    def has_consent(self, subject_bidx: str, purpose: Purpose, at: datetime) -> bool:
        return any(
            r.purpose == Purpose(purpose) and r.active_at(at)
            for r in self.for_subject(subject_bidx)
        )


class MemoryLinkOutcomes:
    """An application's outcome on the identity-link graph kept beside these tables. An
    application the graph never took has nothing to flag, as in the SQL twin."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def mark(self, application_id: str, *, declined: bool, defaulted: bool) -> None:
        if application_id in self.tables.linked:
            self.tables.linked[application_id] = LinkFlags(declined, defaulted)
