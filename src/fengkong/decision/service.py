"""The credit decision use case: validate, compute features, score, apply the policy, and store
application and decision in one transaction, with the exact inputs and versions that made it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fengkong.core.clock import Clock
from fengkong.core.errors import (
    FieldError,
    Invalid,
    NotFound,
)
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.decision.bundle import ActivePolicy
from fengkong.decision.business_facts import application_side_facts
from fengkong.decision.concentration import ConcentrationCache
from fengkong.decision.declines import flag_declined, tell_declined
from fengkong.decision.evaluate import evaluate
from fengkong.decision.facts import (
    policy_facts,
)
from fengkong.decision.fraud_stage import FraudServices, fraud_event, sent_with_reads, signals_of
from fengkong.decision.live import DecisionReads, Live, LiveCache
from fengkong.decision.officer import OfficerDecision
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy import CompiledPolicy
from fengkong.decision.ports import DecisionUnitOfWork
from fengkong.decision.record import DecisionRecord
from fengkong.decision.recording import audit_decision, decision_record
from fengkong.decision.routing import ChallengerConfig, route
from fengkong.decision.scoring_models import (
    ChampionCache,
    models_for,
    scored_with_last,
    shadow_features,
)
from fengkong.features.application import APPLICATION_FEATURES
from fengkong.fraud.anomaly import ANOMALY_MODEL_NAME
from fengkong.fraud.keys import KeyType
from fengkong.fraud.lists import ListLookup, lookup_query
from fengkong.fraud.signals import Signals
from fengkong.fraud.together import RecordAndLink
from fengkong.fraud.velocity import VelocityEvent
from fengkong.onboarding.application import (
    ApplicationRequest,
    PersonalDataVault,
    StoredApplication,
    seal,
)
from fengkong.onboarding.consent import ConsentRecord, consent_facts
from fengkong.scoring.points import ScoreResult
from fengkong.scoring.reasons import model_reasons
from fengkong.scoring.registry import (
    LoadedGBM,
    LoadedScorecard,
    ModelStatus,
)

if TYPE_CHECKING:
    from fengkong.decision.source_fetch import Gathered
    from fengkong.sources.services import SourceServices


@dataclass(frozen=True, slots=True)
class DecisionServices:
    uow: Callable[[], DecisionUnitOfWork]
    clock: Clock
    vault: PersonalDataVault
    champion: ChampionCache
    # The registries' live roles, the applicant's consents and history on record (by the ID
    # number's blind index) and the list entries on the application's keys (the look-up of
    # `fraud.lists.lookup_query`), read in one exchange before the decision's transaction: the
    # exposure counts what is committed when the application arrives (two applications of one
    # person decided at the same instant do not see each other, as under PostgreSQL's read
    # committed they never did).
    # On PostgreSQL the application's velocity record and link update may go with them
    # (`fraud_stage.sent_with_reads`), committed in the same exchange.
    reads: Callable[
        [str, ListLookup | None, RecordAndLink | None],
        AbstractContextManager[Callable[[], DecisionReads]],
    ]
    live: LiveCache  # the registries' last answer; the configured policy decides until one
    fraud: FraudServices | None = None
    # share and mode of the model challenge; the challenger itself is the registry's
    model_challenge: ChallengerConfig = field(default_factory=ChallengerConfig)
    on_refer: Callable[[Any, DecisionRecord, int | None], None] | None = None
    policy_challenge: ChallengerConfig = field(default_factory=ChallengerConfig)
    # External data (`bootstrap.Context.sources`), asked only by a policy with a `sources:`
    # section; none wired: such a policy finds every source without a provider.
    sources: Callable[[], SourceServices] | None = None
    # The latest portfolio snapshot's segments, for a policy reading `concentration.*` facts.
    concentration: ConcentrationCache | None = None


def check_product(policy: CompiledPolicy, product: str, amount: Fen, term_months: int) -> None:
    """Refuse what the product cannot offer at all: that is bad input (422), not a decline."""
    terms = policy.product
    errors = []
    if product != terms.code:
        errors.append(
            FieldError(("product",), f"unknown product {product!r}; offered: {terms.code}")
        )
    errors += [
        e
        for e in terms.request_errors(amount, term_months, terms.min_annual_rate)
        if e.loc and e.loc[0] in ("amount", "terms", "term_months")
    ]
    if errors:
        raise Invalid(
            tuple(replace(e, loc=("term_months",)) if e.loc[0] == "terms" else e for e in errors)
        )


def _scores_on_documents(policy: CompiledPolicy, model: LoadedScorecard | LoadedGBM) -> bool:
    """Whether `model` reads features of the documents `policy` fetches, so scores once they
    are in."""
    if not policy.sources:
        return False
    from fengkong.decision import business_scoring as on_documents

    return on_documents.reads_documents(model)


def submit_application(req: ApplicationRequest, svc: DecisionServices) -> DecisionRecord:
    application_id = new_id("app", svc.clock)
    now = svc.clock.now()
    as_of = svc.clock.business_date()
    id_number_bidx = svc.vault.blind_index("id_number", req.applicant.id_number)
    fraud = svc.fraud
    event: VelocityEvent | None = None
    hashed: tuple[tuple[KeyType, str | None], ...] = ()
    list_lookup: ListLookup | None = None
    sent: RecordAndLink | None = None
    if fraud is not None:
        event = fraud_event(application_id, req, now, as_of)
        hashed = event.hashed(fraud.hasher)
        list_lookup = lookup_query(hashed, now)
        if _product_accepted_beforehand(application_id, req, svc):
            sent = sent_with_reads(fraud, event, now, hashed)
    with svc.reads(id_number_bidx, list_lookup, sent) as answer:
        # What needs nothing read is done while the server answers: on PostgreSQL it is
        # running the reads, and the velocity record and link update when they were sent.
        sealed = seal(application_id, now, req, svc.vault)
        inputs = model_inputs(req, svc.clock)
        features = APPLICATION_FEATURES.compute_online(inputs)
        given = _consents_given(id_number_bidx, req, now, svc.clock)
        scored_beforehand = scored_with_last(
            application_id, features, svc.live, svc.champion, svc.model_challenge
        )
        reads = answer()
        live = svc.live.current(reads)
        applicant, list_hits, recorded = reads.applicant, reads.list_hits, reads.recorded
    deciding, shadow_policy = _policies_for(application_id, live, svc)
    policy = deciding.compiled
    check_product(policy, req.product, req.amount, req.term_months)
    # A business's declared facts, and the book's concentration for a policy that reads it.
    side_facts = application_side_facts(req, policy, svc.concentration)
    # The policy names the model that scores it (`model:`); the consumer's own champion was
    # scored ahead of the reads, another is chosen now (the same `Unavailable`, naming it).
    models = svc.champion.named(policy.model)
    result: ScoreResult | None
    if models is svc.champion and scored_beforehand is not None and scored_beforehand.live is live:
        model, shadow, result = scored_beforehand.chosen
    else:
        model, shadow = models_for(application_id, live, models, svc.model_challenge)
        # A model that reads documents scores once they are in (below), not on the application
        # alone first: that score would be thrown away.
        result = None if _scores_on_documents(policy, model) else model.score(features)
    signals = (
        Signals({}, ())
        if fraud is None or event is None
        else signals_of(fraud, event, now, list_hits, hashed, recorded)
    )
    if svc.fraud is not None and svc.fraud.anomaly is not None:
        row = {**inputs, "age": features.get("age_in_years"), **signals.features}
        anomaly = live.model(ANOMALY_MODEL_NAME, ModelStatus.CHAMPION)
        signals = signals + svc.fraud.anomaly.signals(anomaly, row)
    pd_ = None if result is None else Decimal(repr(result.pd)).quantize(Decimal("0.000001"))
    adverse = () if result is None else model_reasons(result.top_adverse(), APPLICATION_FEATURES)
    stored_features = {**features, **signals.features, **shadow_features(shadow, features)}
    consents = consent_facts((*applicant.consents, *given), now)
    facts = policy_facts(
        features=features,
        signals=signals.features,
        score=None if result is None else result.score,
        pd=pd_,
        amount=req.amount,
        term_months=req.term_months,
        monthly_income=req.monthly_income,
        existing_monthly_debt=req.existing_monthly_debt,
        history=applicant.history,
        consents=consents,
    )
    facts.update(side_facts)
    gathered: Gathered | None = None
    score: int | None = None if result is None else result.score
    stored_pd: Decimal | None = pd_
    scored_by: LoadedScorecard | LoadedGBM | None = model
    if policy.sources:  # only a policy that asks for external data leaves the fast path
        from fengkong.decision import business_scoring as on_documents

        # A model reading the documents' features scores once they are in, on the record it
        # was trained on; until then the sources' conditions see no score.
        late = _scores_on_documents(policy, model)
        asked = on_documents.without_score(facts) if late else facts
        gathered = _external_data(policy, application_id, req, id_number_bidx, given, asked, svc)
        given = ()  # stored before the fetches, so the consent gate counts them
        facts = {**facts, **gathered.facts}
        if late and on_documents.required_missing(policy, facts):
            # No score on a guess: without a document the policy requires, the model is not
            # run, and the decision refers for the source (and the score) it lacks.
            facts = on_documents.without_score(facts)
            score, stored_pd, adverse, scored_by = None, None, (), None
        elif late:
            scored = on_documents.score_on_documents(
                model, shadow, features, facts, req.amount, req.term_months
            )
            result, stored_pd, adverse = scored.result, scored.pd, scored.adverse
            score = result.score
            stored_features = {**features, **signals.features, **scored.features}
            facts.update(score=result.score, pd=stored_pd)
    with svc.uow() as uow:
        for record in given:
            uow.consents.add(record)
        verdict = evaluate(policy, facts, as_of=as_of)
        decision = decision_record(
            decision_id=new_id("dec", svc.clock),
            application_id=application_id,
            now=now,
            verdict=verdict,
            adverse=adverse,
            score=score,
            pd_=stored_pd,
            model=scored_by,
            inputs={
                **inputs,
                **_channel_inputs(req),
                **({} if gathered is None else {"sources": list(gathered.used)}),
            },
            stored_features=stored_features,
            facts=facts,
            signal_reasons=signals.reasons,
            policy_sha256=deciding.sha256,
        )
        if gathered is not None:
            decision = replace(decision, trace=(*gathered.trace, *decision.trace))
        if shadow_policy is not None:
            decision = _with_shadow_policy(decision, shadow_policy, facts, as_of)
        if deciding.sha256 not in svc.live.policies.stored:
            uow.policy_bundles.remember(
                deciding.sha256, policy.label, deciding.bundle.as_dict(), now
            )
        uow.applications.add(sealed)
        uow.decisions.add(decision)
        # Appended last, so the chain's head is locked (on PostgreSQL) only for the final writes.
        _audit_consents(uow, given)
        audit_decision(uow.audit, decision, "decision.made")
        if decision.outcome == Outcome.REFER and svc.on_refer is not None:
            svc.on_refer(uow, decision, verdict.review_due_hours)
        flag_after: FraudServices | None = None  # a link store of its own, told after commit
        if decision.outcome == Outcome.DECLINE:
            flag_after = flag_declined(uow, svc.fraud, application_id)
        uow.commit()
    svc.live.policies.stored.add(deciding.sha256)
    tell_declined(flag_after, application_id)
    return decision


def _external_data(
    policy: CompiledPolicy,
    application_id: str,
    req: ApplicationRequest,
    subject_bidx: str,
    given: tuple[ConsentRecord, ...],
    facts: Mapping[str, object],
    svc: DecisionServices,
) -> Gathered:
    """Fetch what the policy asks for, outside the decision's transaction. The consents given
    with the application are stored (and audited) first, in their own unit of work: the consent
    gate of a fetch reads what is on record, and a provider is never called on a consent that is
    not."""
    from fengkong.decision.source_fetch import gather
    from fengkong.features.financials import requested_instalment
    from fengkong.sources.connector import Subject

    if given:
        with svc.uow() as uow:
            for record in given:
                uow.consents.add(record)
            _audit_consents(uow, given)
            uow.commit()
    applicant = req.applicant
    # A business's records are asked for under its applicant's consent (the owner applying),
    # and read against the business's own code.
    subject = Subject(
        key=subject_bidx,
        name=applicant.name,
        id_number=applicant.id_number,
        phone=applicant.phone,
        bank_card=applicant.bank_card,
        uscc=None if req.business is None else req.business.uscc,
    )
    # The business's own records are about the business: its account (the statements) is held
    # in its registered name, not the owner's; they are recorded and cached under its own code
    # (two businesses of one owner never share an answer), fetched under the owner's consent.
    business = (
        None
        if req.business is None
        else replace(
            subject,
            key=svc.vault.blind_index("uscc", req.business.uscc),
            consenter=subject_bidx,
            name=req.business.registered_name,
        )
    )
    services = None if svc.sources is None else svc.sources()
    instalment = requested_instalment(req.amount, req.term_months)
    return gather(
        policy,
        facts,
        subject,
        application_id,
        svc.clock.business_date(),
        services,
        {"instalment_fen": int(instalment)},
        business,
    )


def _product_accepted_beforehand(
    application_id: str, req: ApplicationRequest, svc: DecisionServices
) -> bool:
    """Whether the policy the registries named last (if asked yet) would decide this request
    and offers its product, amount and term. Only then are the velocity record and link update
    sent with the decision's reads: nothing is recorded for a request refused as bad input. The
    reads may name another policy that refuses it after all, in the moment of an activation;
    what was sent then stands, as for any application that fails after its signals (ADR 0003)."""
    last = svc.live.last
    if last is None:
        return False
    terms = _policies_for(application_id, last, svc)[0].compiled
    try:
        check_product(terms, req.product, req.amount, req.term_months)
    except Invalid:
        return False  # refused, unless the reads name another policy: they will tell
    return True


def _policies_for(
    application_id: str, live: Live, svc: DecisionServices
) -> tuple[ActivePolicy, ActivePolicy | None]:
    """The policy that decides this application, and a challenger to run beside it in shadow."""
    champion, challenger = live.policy, live.policy_challenger
    if challenger is None or svc.policy_challenge.share == 0:
        return champion, None
    config = replace(svc.policy_challenge, version=challenger.version)
    chosen = route(champion.version, config, application_id)
    deciding = challenger if chosen.deciding == challenger.version else champion
    return deciding, (challenger if chosen.shadow == challenger.version else None)


def _with_shadow_policy(
    decision: DecisionRecord, shadow: ActivePolicy, facts: Mapping[str, object], as_of: date
) -> DecisionRecord:
    """Record what the challenger would have decided; it is never acted upon."""
    verdict = evaluate(shadow.compiled, facts, as_of=as_of, offer=False)
    entry = {
        "stage": "shadow_policy",
        "policy": shadow.version,
        "outcome": verdict.outcome.value,
        "limit_fen": verdict.limit,
        "annual_rate": None if verdict.annual_rate is None else str(verdict.annual_rate),
        "fired": [r.code for r in verdict.reasons],
    }
    return replace(decision, trace=(*decision.trace, entry))


def _consents_given(
    subject_bidx: str, req: ApplicationRequest, now: datetime, clock: Clock
) -> tuple[ConsentRecord, ...]:
    """The consents given with the application, as of its receipt; stored and audited with the
    decision."""
    return tuple(
        ConsentRecord(
            id=new_id("cns", clock),
            subject_bidx=subject_bidx,
            purpose=c.purpose,
            scope=c.scope,
            text_version=c.text_version,
            granted_at=now,
            recorded_at=now,
            recorded_by="applicant",
        )
        for c in req.consents
    )


def _audit_consents(uow: DecisionUnitOfWork, given: tuple[ConsentRecord, ...]) -> None:
    for record in given:
        uow.audit.append(
            at=record.recorded_at,
            actor="applicant",
            action="consent.recorded",
            subject_type="consent",
            subject_id=record.id,
            payload={
                "purpose": record.purpose.value,
                "scope": record.scope,
                "text_version": record.text_version,
            },
        )


def _channel_inputs(req: ApplicationRequest) -> dict[str, str]:
    """The sales channel, kept in the decision's input snapshot beside what the model read (the
    model and policy do not read it; replay re-runs stored features and facts, so decisions
    stored before without it replay as before)."""
    channel = req.channel
    partner = {} if channel.partner is None else {"channel_partner": channel.partner}
    return {"channel": channel.source.value, **partner}


def model_inputs(req: ApplicationRequest, clock: Clock) -> dict[str, Any]:
    return {
        "amount_fen": int(req.amount),
        "term_months": req.term_months,
        "purpose": req.purpose,
        "monthly_income_fen": int(req.monthly_income),
        "birth_date": req.applicant.birth_date,
        "as_of": clock.business_date(),
        **req.profile,
    }


@dataclass(frozen=True, slots=True)
class ApplicationView:
    application: StoredApplication
    decision: DecisionRecord  # the automatic decision, as the policy made it
    officer: OfficerDecision | None = None  # on referral: the officer's, which settles it

    @property
    def outcome(self) -> Outcome:
        """Where the application stands: the officer's word on a referral, else the policy's."""
        return self.decision.outcome if self.officer is None else self.officer.outcome


def get_application(application_id: str, svc: DecisionServices) -> ApplicationView:
    with svc.uow() as uow:
        app = uow.applications.get(application_id)
        decision = uow.decisions.for_application(application_id)
        officer = (
            uow.officer_decisions.for_application(application_id)
            if decision is not None and decision.outcome == Outcome.REFER
            else None
        )
    if app is None or decision is None:
        raise NotFound(f"no application {application_id!r}")
    return ApplicationView(app, decision, officer)
