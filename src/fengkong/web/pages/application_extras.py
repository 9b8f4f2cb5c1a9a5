"""What an officer sees of an application beside its score and reasons, shared by the review item
and the customer page: the external data its decision used (per kind: what became of the fetch,
the provider, when, from the record or not, and the features it gave, labelled in the page's
language), the answers recorded for it (`sources.services.answers_for_application`, as
`GET /v1/applications/{id}/sources` lists them: never a payload), the identity checks made and
their cost (`decision.verification.verification_costs`), a business's block masked
(`onboarding.business_view.masked_business`), and an approve-if-secured decision's condition
with where the security stands (`lending.secured_offers.secured_offer_of`).

Each part is read only for a person whose roles may read it, as the API's routes allow it:
external data with `sources.read`, identity checks and the business with `applications.read`,
the condition with `decisions.read`; a part withheld is None and the page leaves it out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fengkong.access.permissions import Permission, permits
from fengkong.bootstrap import Context
from fengkong.core.actor import Actor
from fengkong.core.errors import FengkongError
from fengkong.core.money import Fen
from fengkong.decision.identity_facts import CHECKED, IdentityCall
from fengkong.decision.outcome import Outcome
from fengkong.decision.record import DecisionRecord
from fengkong.decision.source_facts import FAMILIES, FEATURE_OF
from fengkong.decision.verification import IdentityCosts, verification_costs
from fengkong.lending.secured_offer import SecurityTerms, terms_of
from fengkong.lending.secured_offers import secured_offer_of
from fengkong.onboarding.application import StoredApplication
from fengkong.onboarding.business_view import MaskedBusiness, masked_business
from fengkong.sources.identity import CHECKS
from fengkong.sources.kinds import SourceKind
from fengkong.sources.ports import StoredAnswer
from fengkong.sources.services import answers_for_application, status_of
from fengkong.web.i18n import N_, Language

__all__ = [
    "ANSWER_STATUSES",
    "CHECK_RESULTS",
    "SECURED_STATUSES",
    "SECURITY_KINDS",
    "SECURITY_WHYS",
    "SOURCE_STATUSES",
    "AnswerShown",
    "CheckShown",
    "ChecksShown",
    "FeatureShown",
    "SecurityShown",
    "SourceShown",
    "application_extras",
    "application_summary",
    "extras_names",
    "kind_label",
    "sources_used",
]

# What became of a kind the policy asked for (`source_facts.SourceStatus`).
SOURCE_STATUSES = {
    "ok": N_("Received and read"),
    "not_asked": N_("Not asked (its condition did not hold)"),
    "unavailable": N_("Unavailable"),
    "no_consent": N_("No consent"),
    "no_provider": N_("No provider configured"),
    "invalid": N_("Refused by its reader"),
}
# A recorded answer (`sources.services.status_of`).
ANSWER_STATUSES = {"ok": N_("Answered"), "failed": N_("Call failed"), "purged": N_("Purged")}
# An identity check's call (`sources.identity.CheckStatus`, or no answer at all).
CHECK_RESULTS = {
    "passed": N_("Passed"),
    "failed": N_("Not passed"),
    "unavailable": N_("Could not check"),
    "sent": N_("Code sent"),
}
SECURITY_KINDS = {"guarantor": N_("Guarantor"), "collateral": N_("Collateral")}
# Why the policy asked for security (`decision.security_stage`).
SECURITY_WHYS = {
    "score_band": N_("The score falls in a band approved only if secured"),
    "unsecured_max": N_("The amount is above what is lent unsecured"),
    "officer": N_("An officer approved the referral on condition of security"),
}
SECURED_STATUSES = {
    "awaiting": N_("Awaiting the security"),
    "completed": N_("Secured: the offer can be accepted"),
    "expired": N_("Lapsed"),
    "booked": N_("Booked: the loan holds the security"),
}


@dataclass(frozen=True, slots=True)
class FeatureShown:
    name: str
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class SourceShown:
    """One kind the decision's policy asked for, as the decision recorded it."""

    kind: str
    label: str
    required: bool
    status: str
    why: str | None
    provider: str | None
    fetched_at: datetime | None
    as_of: str | None
    cached: bool | None
    answer_id: str | None
    features: tuple[FeatureShown, ...]


@dataclass(frozen=True, slots=True)
class AnswerShown:
    """One answer recorded for the application (never its payload)."""

    id: str
    kind: str
    label: str
    provider: str
    as_of: date
    fetched_at: datetime
    status: str
    cost_fen: Fen
    error: str | None


@dataclass(frozen=True, slots=True)
class CheckShown:
    """One identity-check call and when it was recorded."""

    call: IdentityCall
    at: datetime | None


@dataclass(frozen=True, slots=True)
class ChecksShown:
    calls: tuple[CheckShown, ...]
    total_fen: Fen


@dataclass(frozen=True, slots=True)
class SecurityShown:
    """An approve-if-secured decision's condition and, when it can be read, its standing."""

    terms: SecurityTerms
    status: str | None
    expires_on: date | None
    registered_kind: str | None = None  # guarantor or collateral, once registered
    registered_at: datetime | None = None
    lapsed_on: date | None = None  # the business date end of day wrote the lapse down


def kind_label(kind: str, lang: Language) -> str:
    """A kind of external data as people call it, in the page's language."""
    zh = lang.tag == "zh-CN"
    family = FAMILIES.get(kind)
    if family is not None:
        return family.name_zh if zh else family.name_en
    try:
        check = CHECKS.get(SourceKind(kind))
    except ValueError:
        check = None
    if check is not None:
        return check.zh if zh else check.en
    return kind


def extras_names(lang: Language) -> dict[str, Any]:
    """The labels the templates' macros (`application_extras.html.j2`) take as `x`."""
    return {
        "source_statuses": SOURCE_STATUSES,
        "answer_statuses": ANSWER_STATUSES,
        "check_results": CHECK_RESULTS,
        "security_kinds": SECURITY_KINDS,
        "secured_statuses": SECURED_STATUSES,
        "security_whys": SECURITY_WHYS,
        "kind_label": lambda kind: kind_label(kind, lang),
    }


def _value(value: object, lang: Language) -> str:
    """A feature's value as the console writes numbers; yes/no for a flag."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return lang.gettext("Yes") if value else lang.gettext("No")
    if isinstance(value, int):
        return lang.number(value)
    text = str(value)
    if text == "None":  # the trace keeps a value the document lacked as its text
        return "—"
    try:
        return lang.number(Decimal(text))
    except (InvalidOperation, ValueError):
        return text  # a category (a code the document gives)


def _moment(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def sources_used(decision: DecisionRecord, lang: Language) -> tuple[SourceShown, ...]:
    """Each kind the decision's policy asked for (its trace), with the answer it cites (its
    inputs) and the features it gave, labelled in `lang`."""
    cited: dict[Any, Mapping[str, Any]] = {
        c.get("answer_id"): c
        for c in decision.inputs.get("sources") or ()
        if isinstance(c, Mapping)
    }
    zh = lang.tag == "zh-CN"
    shown = []
    for t in decision.trace:
        if t.get("stage") != "source":
            continue
        kind = str(t.get("kind"))
        answer = cited.get(t.get("answer_id"), {})
        gave = t.get("gave") or {}
        features = []
        for name, value in gave.items():
            feature = FEATURE_OF.get(name)
            label = name if feature is None else (feature.label_zh if zh else feature.label_en)
            features.append(FeatureShown(name, label, _value(value, lang)))
        cached = t.get("cached", answer.get("cached"))
        shown.append(
            SourceShown(
                kind=kind,
                label=kind_label(kind, lang),
                required=bool(t.get("required")),
                status=str(t.get("status")),
                why=t.get("why"),
                provider=t.get("provider") or answer.get("provider"),
                fetched_at=_moment(answer.get("fetched_at")),
                as_of=answer.get("as_of"),
                cached=None if cached is None else bool(cached),
                answer_id=t.get("answer_id"),
                features=tuple(features),
            )
        )
    return tuple(shown)


def _answers(answers: Sequence[StoredAnswer], lang: Language) -> tuple[AnswerShown, ...]:
    return tuple(
        AnswerShown(
            id=a.id,
            kind=a.kind.value,
            label=kind_label(a.kind.value, lang),
            provider=a.provider,
            as_of=a.as_of,
            fetched_at=a.fetched_at,
            status=status_of(a),
            cost_fen=a.cost_fen,
            error=a.error,
        )
        for a in answers
    )


def _checks(ctx: Context, application_id: str) -> ChecksShown:
    """The calls and total of `verification_costs`, each with the time of its audit record (the
    use case reads them from those records, in the same order)."""
    costs: IdentityCosts = verification_costs(application_id, ctx.identity)
    with ctx.uow() as uow:
        records = [
            r for r in uow.audit.for_subject("application", application_id) if r.action == CHECKED
        ]
    times: list[datetime | None] = [r.at for r in records]
    if len(times) != len(costs.calls):
        times = [None] * len(costs.calls)
    shown = tuple(CheckShown(c, at) for c, at in zip(costs.calls, times, strict=True))
    return ChecksShown(shown, costs.total_fen)


def _security(ctx: Context, decision: DecisionRecord) -> SecurityShown | None:
    """The policy's condition (approve_secured), or an officer's on a referral they approved
    on condition of security, with where the security stands."""
    if decision.outcome not in (Outcome.APPROVE_IF_SECURED, Outcome.REFER):
        return None
    condition = None if decision.offer is None else decision.offer.get("security")
    try:
        view = secured_offer_of(decision.application_id, ctx.servicing)
    except FengkongError:  # no condition on a referral, or the condition without its standing
        if decision.outcome is Outcome.REFER or not isinstance(condition, Mapping):
            return None
        return SecurityShown(terms_of(condition), None, None)
    found = view.registered
    return SecurityShown(
        view.terms,
        view.status.value,
        view.expires_on,
        None if found is None else found.kind.value,
        None if found is None else found.registered_at,
        view.lapsed_on,
    )


def application_extras(
    ctx: Context,
    actor: Actor,
    lang: Language,
    application: StoredApplication,
    decision: DecisionRecord,
) -> dict[str, Any]:
    """The parts of `application` the person may read, for the page's templates: `sources`
    (kinds used) and `answers` (recorded), `checks` (`ChecksShown`), `business`
    (`MaskedBusiness`), `security` (`SecurityShown`); a part withheld or absent is None."""
    sources: tuple[SourceShown, ...] | None = None
    answers: tuple[AnswerShown, ...] | None = None
    if permits(actor, Permission.SOURCES_READ):
        sources = sources_used(decision, lang)
        answers = _answers(answers_for_application(ctx.sources, application.id), lang)
    checks: ChecksShown | None = None
    business: MaskedBusiness | None = None
    if permits(actor, Permission.APPLICATIONS_READ):
        checks = _checks(ctx, application.id)
        if application.business is not None:
            business = masked_business(application.business, ctx.vault)
    security = _security(ctx, decision) if permits(actor, Permission.DECISIONS_READ) else None
    return {
        "sources": sources,
        "answers": answers,
        "checks": checks,
        "business": business,
        "security": security,
    }


def application_summary(
    ctx: Context,
    actor: Actor,
    lang: Language,
    application: StoredApplication,
    decision: DecisionRecord,
) -> dict[str, Any]:
    """The short form a customer's page shows per application: the kinds of external data its
    decision used and what became of each (`sources`), a business's masked name and code
    (`business`) and an approve-if-secured condition (`security`); None where withheld."""
    sources = sources_used(decision, lang) if permits(actor, Permission.SOURCES_READ) else None
    business: MaskedBusiness | None = None
    if application.business is not None and permits(actor, Permission.APPLICATIONS_READ):
        business = masked_business(application.business, ctx.vault)
    security = _security(ctx, decision) if permits(actor, Permission.DECISIONS_READ) else None
    return {"sources": sources, "business": business, "security": security}
