"""Fetching the external data a policy asks for (`sources:`), before and outside the decision's
transaction: each asked kind through `sources.fetching.fetch` (consent gate, cache, recording),
read by its handler, its feature family computed. What each source gave, or why it gave
nothing, becomes facts (`source.<kind>`, `source.<kind>.why`, the features), a trace entry, and,
for the answers used, a citation in the decision's stored inputs (`inputs["sources"]`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fengkong.core.errors import Invalid
from fengkong.decision.conditions import MissingFact
from fengkong.decision.policy import CompiledPolicy, SourceAsk
from fengkong.decision.source_facts import (
    FAMILIES,
    SourceStatus,
    fact_value,
    status_fact,
    why_fact,
)
from fengkong.sources.catalogue import handler_for
from fengkong.sources.connector import SourceRequest, SourceUnavailable, Subject
from fengkong.sources.fetching import Fetched, NoConsent, NoProvider, fetch
from fengkong.sources.kinds import PERSONAL_KINDS, SourceKind
from fengkong.sources.services import SourceServices

__all__ = ["Gathered", "cited", "gather"]


@dataclass(frozen=True, slots=True)
class Gathered:
    facts: dict[str, object]  # statuses, whys and the features of each answer read
    used: tuple[dict[str, Any], ...]  # the answers the decision cites
    trace: tuple[dict[str, Any], ...]  # one entry per asked kind: what it gave or why not


def cited(fetched: Fetched, params: Mapping[str, Any]) -> dict[str, Any]:
    """How a decision cites an answer it used (kept in its inputs; replay re-reads it)."""
    return {
        "answer_id": fetched.answer_id,
        "kind": fetched.answer.kind.value,
        "provider": fetched.answer.provider,
        "as_of": fetched.as_of.isoformat(),
        "fetched_at": fetched.fetched_at.isoformat(),
        "sha256": fetched.sha256,
        "cached": fetched.cached,
        "params": dict(params),
    }


def _asked(ask: SourceAsk, facts: Mapping[str, object]) -> bool:
    if ask.condition is None:
        return True
    try:
        return bool(ask.condition.test(facts))
    except (MissingFact, TypeError):
        return True  # undecidable: fetch, rather than decide without what the policy wants


def gather(
    policy: CompiledPolicy,
    facts: Mapping[str, object],
    subject: Subject,
    application_id: str,
    as_of: date,
    services: SourceServices | None,
    params: Mapping[str, Any] | None = None,
    business: Subject | None = None,
) -> Gathered:
    """Fetch, read and compute each kind `policy` asks for, in the document's order (a kind's
    condition may read the facts of those before it). Never raises for a source that gives
    nothing: its status says why. `params` go with every request (the requested instalment the
    financial statements' cover is reckoned against); a decision cites them with each answer.
    `business`: the business an application is for; its own records (every kind but the
    owner's personal credit report: its account is held in its registered name) are asked for
    and read against it, the owner's report against `subject`."""
    current: dict[str, object] = dict(facts)
    added: dict[str, object] = {}
    used: list[dict[str, Any]] = []
    trace: list[dict[str, Any]] = []
    for ask in policy.sources:
        entry: dict[str, Any] = {"stage": "source", "kind": ask.kind, "required": ask.required}
        if not _asked(ask, current):
            added[status_fact(ask.kind)] = SourceStatus.NOT_ASKED.value
            trace.append({**entry, "status": SourceStatus.NOT_ASKED.value})
            continue
        about = subject if business is None or ask.kind in PERSONAL_KINDS else business
        status, why, values, fetched = _one(
            ask.kind, about, application_id, as_of, services, params or {}
        )
        found: dict[str, object] = {status_fact(ask.kind): status.value}
        if why is not None:
            found[why_fact(ask.kind)] = why
        found.update({k: fact_value(v) for k, v in values.items() if v is not None})
        added.update(found)
        current.update(found)
        if fetched is not None:
            used.append(cited(fetched, params or {}))
            entry.update(answer_id=fetched.answer_id, provider=fetched.answer.provider)
            entry["cached"] = fetched.cached
        gave = {
            k: (str(v) if not isinstance(v, bool | str | int) else v) for k, v in values.items()
        }
        trace.append({**entry, "status": status.value, "why": why, "gave": gave})
    return Gathered(added, tuple(used), tuple(trace))


def _one(
    kind: str,
    subject: Subject,
    application_id: str,
    as_of: date,
    services: SourceServices | None,
    params: Mapping[str, Any],
) -> tuple[SourceStatus, str | None, dict[str, Any], Fetched | None]:
    family = FAMILIES[kind]
    if services is None:
        return SourceStatus.NO_PROVIDER, "external data is not wired", {}, None
    source_kind = SourceKind(kind)
    handler = handler_for(source_kind)
    request = SourceRequest(source_kind, subject, as_of, params)
    try:
        fetched = fetch(
            request,
            application_id,
            services.lazy_connector(source_kind),
            services.uow,
            services.clock,
            services.recording,
            handler=handler,
        )
    except NoConsent as exc:
        return SourceStatus.NO_CONSENT, f"no consent for {exc.purpose}", {}, None
    except NoProvider:
        return SourceStatus.NO_PROVIDER, "no provider is configured", {}, None
    except SourceUnavailable as exc:
        return SourceStatus.UNAVAILABLE, exc.why, {}, None
    except Invalid as exc:
        return SourceStatus.INVALID, _invalid_why(exc), {}, None
    try:  # a cached answer was not read by `fetch`: read it for this subject and date
        document = handler.read(fetched.answer.payload, subject, as_of)
    except Invalid as exc:
        return SourceStatus.INVALID, _invalid_why(exc), {}, fetched
    values = family.compute(document, request.params, as_of)
    return SourceStatus.OK, None, values, fetched


def _invalid_why(exc: Invalid) -> str:
    """The reader's refusal, by where and what (never the values: they are personal data)."""
    parts = [f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in exc.errors[:3]]
    return ("; ".join(parts) or str(exc))[:300]
