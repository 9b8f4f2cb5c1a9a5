"""Replaying a decision's external data from the recorded answers it cites (`inputs["sources"]`):
each answer re-read (`sources.fetching.recorded`, never a provider), its features recomputed and
checked against the facts the decision stored and, for a decision scored on the documents
(`decision.business_scoring`), against the record its model scored (`features`, rescored by
the replay): so the score too is what the recorded answers give. An answer whose payload
retention purged cannot be recomputed: replay says so, and the decision is still replayed from
its stored facts and features."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, cast

from fengkong.core.errors import Invalid, NotFound
from fengkong.decision.facts import facts_from_json
from fengkong.decision.record import DecisionRecord
from fengkong.decision.source_facts import FAMILIES, SourceStatus, fact_value, status_fact
from fengkong.features.business_inputs import input_value
from fengkong.sources.catalogue import handler_for
from fengkong.sources.connector import Subject
from fengkong.sources.fetching import AnswerPurged, recorded
from fengkong.sources.ports import PayloadCipher, SourcesUnitOfWork
from fengkong.sources.services import SourceServices

__all__ = ["SourceCheck", "recheck_sources"]

# A replay reads no personal data in clear: the readers skip the subject comparison the fetch
# made (`docs/external-data.md`).
_REPLAY_SUBJECT = Subject(key="")


class SourceCheck:
    """What re-reading the cited answers found: differences (a recomputed feature that is not
    the stored fact) and notes (an answer purged by retention)."""

    def __init__(self) -> None:
        self.differences: list[str] = []
        self.notes: list[str] = []


class _Lent:
    """The replay's own open unit of work, lent to `recorded` (which enters what it is given):
    SQLite would not let a second one begin beside it."""

    def __init__(self, uow: object) -> None:
        self.uow = uow

    def __enter__(self) -> Any:
        return self.uow

    def __exit__(self, *exc: object) -> None:
        return None


def recheck_sources(d: DecisionRecord, uow: object, services: SourceServices | None) -> SourceCheck:
    """Re-read the answers `d` cites from `uow` (open) with the services' cipher; never a
    provider."""
    check = SourceCheck()
    cited = d.inputs.get("sources")
    if not cited:
        return check
    if services is None:
        check.notes.append("external data not re-read: no access to the recorded answers")
        return check
    facts = facts_from_json(d.facts)
    lent = cast("Callable[[], SourcesUnitOfWork]", lambda: _Lent(uow))
    for entry in cited:
        _recheck_one(entry, facts, d.features, lent, services.recording.cipher, check)
    return check


def _recheck_one(
    entry: Mapping[str, Any],
    facts: Mapping[str, object],
    scored: Mapping[str, Any],
    uow: Callable[[], SourcesUnitOfWork],
    cipher: PayloadCipher,
    check: SourceCheck,
) -> None:
    answer_id, kind = str(entry.get("answer_id")), str(entry.get("kind"))
    family = FAMILIES.get(kind)
    if family is None:
        check.differences.append(f"answer {answer_id}: {kind!r} has no feature family")
        return
    if facts.get(status_fact(kind)) != SourceStatus.OK.value:
        return  # the decision did not use its features: nothing to recompute
    try:
        fetched = recorded(uow, answer_id, cipher)
    except AnswerPurged:
        check.notes.append(
            f"answer {answer_id} ({kind}, fetched {entry.get('fetched_at')}) was purged by "
            f"retention: its features are not recomputed; the stored facts were replayed "
            f"(已过保存期限，原始数据已删除)"
        )
        return
    except NotFound:
        check.differences.append(f"answer {answer_id} ({kind}) is not on record")
        return
    if fetched.sha256 != entry.get("sha256"):
        check.differences.append(f"answer {answer_id} ({kind}): sha256 differs from the cited one")
    as_of = date.fromisoformat(str(entry.get("as_of")))
    try:
        document = handler_for(kind).read(fetched.answer.payload, _REPLAY_SUBJECT, as_of)
    except Invalid as exc:
        check.differences.append(f"answer {answer_id} ({kind}) is no longer readable: {exc}")
        return
    params = entry.get("params")
    values = family.compute(document, params if isinstance(params, dict) else {}, as_of)
    for name, value in values.items():
        again = None if value is None else fact_value(value)
        stored = facts.get(name)
        if again != stored:
            check.differences.append(
                f"{name} {again} recomputed from answer {answer_id} != stored {stored}"
            )
    _recheck_record(values, scored, answer_id, check)


def _recheck_record(
    values: Mapping[str, object], scored: Mapping[str, Any], answer_id: str, check: SourceCheck
) -> None:
    """The recomputed features against the record a model scored on the documents read (a
    decision scored on the application alone stored none of them: nothing to compare). The
    record's columns are as `business_model_inputs` writes them, a missing value None."""
    for name, value in values.items():
        if name in scored and (again := input_value(value)) != scored[name]:
            check.differences.append(
                f"{name} {again} recomputed from answer {answer_id} != scored {scored[name]}"
            )
