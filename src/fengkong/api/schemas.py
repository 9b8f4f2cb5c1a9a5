"""Request and response bodies of the HTTP API (and of `fengkong apply FILE.json`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyAddress,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from fengkong.api.business_schemas import BusinessIn, BusinessOut
from fengkong.api.input import InputModel
from fengkong.core.actor import Actor
from fengkong.core.errors import FieldError, Forbidden, Invalid
from fengkong.core.money import fen_to_yuan, yuan_to_fen
from fengkong.decision.officer import OfficerDecision
from fengkong.decision.record import DecisionRecord
from fengkong.features.codebook import ALLOWED_VALUES, PROFILE_CODED_FIELDS, allowed, check_value
from fengkong.onboarding.application import Applicant, ApplicationRequest, Channel, ConsentGiven
from fengkong.onboarding.business import BusinessApplicant, validate_business
from fengkong.onboarding.channel import (
    DEFAULT_SALES_CHANNEL,
    PARTNER_CODE_MAX_LENGTH,
    SALES_CHANNELS,
    SalesChannel,
    check_partner,
    check_source,
)
from fengkong.onboarding.consent import Purpose
from fengkong.onboarding.industry import INDUSTRY_CODES, check_industry, normal_industry
from fengkong.onboarding.service import validate_applicant

Yuan = Annotated[
    Decimal,
    Field(gt=0, max_digits=12, decimal_places=2, description="Yuan, at most two decimals"),
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


def _refused(error: FieldError | None) -> None:
    """A domain field error as Pydantic's, keeping its type and allowed values."""
    if error is not None:
        ctx: dict[str, Any] = {"message": error.msg}
        if error.allowed is not None:
            ctx["allowed"] = list(error.allowed)
        raise PydanticCustomError(error.type, "{message}", ctx)


def _coded(value: str | None, info: ValidationInfo) -> str | None:
    """An enumerated field's value, or a field error that names the allowed values."""
    assert info.field_name is not None
    _refused(check_value(info.field_name, value, (info.field_name,)))
    return value


def _list_allowed_values(schema: dict[str, Any]) -> None:
    """OpenAPI: each enumerated field lists its allowed values (the codebook's) as an `enum`."""
    for name, prop in schema.get("properties", {}).items():
        if name in ALLOWED_VALUES:
            prop["enum"] = [*allowed(name), *([None] if "anyOf" in prop else [])]


class ApplicantIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    id_number: Annotated[str, StringConstraints(min_length=1, max_length=32)] = Field(
        description="18-digit PRC resident identity card number"
    )
    phone: Annotated[str, StringConstraints(min_length=1, max_length=24)] = Field(
        description="Mainland mobile number"
    )
    bank_card: Annotated[str, StringConstraints(max_length=32)] | None = Field(
        None, description="Debit card for disbursement and auto-debit (Luhn-checked)"
    )
    employer_uscc: Annotated[str, StringConstraints(max_length=24)] | None = Field(
        None, description="Employer's unified social credit code (GB 32100)"
    )


class ChannelIn(InputModel):
    """Where the application came from: the sales channel it came through (`source`, `api` when
    absent or null; a partner's referral may name the `partner`), and the device and IP. A
    missing device or IP makes the related fraud signals `unknown`, which the policy can act
    on."""

    model_config = ConfigDict(extra="forbid")

    source: Annotated[str, StringConstraints(strip_whitespace=True)] | None = Field(
        DEFAULT_SALES_CHANNEL.value,
        description="The sales channel; `api` when absent or null",
        json_schema_extra={"enum": list(SALES_CHANNELS)},
    )
    partner: Annotated[str, StringConstraints(strip_whitespace=True)] | None = Field(
        None,
        description="With source `partner` only: the partner's code (1 to "
        f"{PARTNER_CODE_MAX_LENGTH} letters, digits or `-_.`)",
    )
    device_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)] | None = (
        None
    )
    ip: IPvAnyAddress | None = None

    @field_validator("source")
    @classmethod
    def _known_source(cls, value: str | None) -> str:
        if value is None:
            return DEFAULT_SALES_CHANNEL.value
        _refused(check_source(value, ("source",)))
        return value

    @field_validator("partner")
    @classmethod
    def _partner_of_a_partner(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        source = info.data.get("source")  # absent when the source itself was refused
        _refused(check_partner(value, None if source is None else SalesChannel(source), ()))
        return value

    def to_channel(self) -> Channel:
        return Channel(
            device_id=self.device_id or None,
            ip=None if self.ip is None else str(self.ip),
            source=SalesChannel(self.source or DEFAULT_SALES_CHANNEL),
            partner=self.partner,
        )


class ProfileIn(InputModel):
    """Attributes the applicant declares or a bureau supplies. Any may be missing: the model
    scores a missing value in its missing bin. A text attribute takes one of its allowed values
    (`enum`); any other is refused (422)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_list_allowed_values)

    status_of_existing_checking_account: Text | None = None
    credit_history: Text | None = None
    savings_account_and_bonds: Text | None = None
    present_employment_since: Text | None = None
    installment_rate_in_percentage_of_disposable_income: int | None = Field(None, ge=1, le=4)
    personal_status_and_sex: Text | None = None
    other_debtors_or_guarantors: Text | None = None
    present_residence_since: int | None = Field(None, ge=1, le=4)
    property: Text | None = None
    other_installment_plans: Text | None = None
    housing: Text | None = None
    number_of_existing_credits_at_this_bank: int | None = Field(None, ge=0, le=20)
    job: Text | None = None
    number_of_people_being_liable_to_provide_maintenance_for: int | None = Field(None, ge=0, le=20)
    telephone: Text | None = None
    foreign_worker: Text | None = None

    _known_codes = field_validator(*PROFILE_CODED_FIELDS)(_coded)


class ConsentIn(InputModel):
    """A consent given with the application; recorded with the text version the applicant saw."""

    model_config = ConfigDict(extra="forbid")

    purpose: Purpose
    scope: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    text_version: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
    ]


class ApplicationIn(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "product": "cash_loan",
                "amount": "5000.00",
                "term_months": 12,
                "purpose": "radio/television",
                "monthly_income": "8000.00",
                "applicant": {
                    "name": "张三",
                    "id_number": "11010519491231002X",
                    "phone": "13800138000",
                },
                "profile": {"status_of_existing_checking_account": "no checking account"},
                "existing_monthly_debt": "500.00",
                "channel": {"source": "app", "device_id": "a1b2c3-android"},
                "industry": "F",
                "consents": [
                    {
                        "purpose": "credit_bureau",
                        "scope": "PBOC credit report for this application",
                        "text_version": "cb-2026-01",
                    }
                ],
            }
        },
    )

    product: Annotated[str, StringConstraints(min_length=1, max_length=40)] = "cash_loan"
    amount: Yuan
    term_months: int = Field(ge=1, le=360)
    purpose: Text = Field(json_schema_extra={"enum": list(allowed("purpose"))})
    monthly_income: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]
    applicant: ApplicantIn
    profile: ProfileIn = Field(default_factory=lambda: ProfileIn())
    channel: ChannelIn = Field(default_factory=lambda: ChannelIn())
    existing_monthly_debt: (
        Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)] | None
    ) = Field(None, description="Monthly repayments on other debts, yuan; unknown if left out")
    consents: list[ConsentIn] = Field(default_factory=list, max_length=10)
    industry: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = (
        Field(
            None,
            description="The borrower's industry (a business's own, an individual's employer's): "
            "a GB/T 4754-2017 section letter, A to T; unknown when absent or null",
            json_schema_extra={"enum": list(INDUSTRY_CODES)},
        )
    )

    business: BusinessIn | None = Field(
        None,
        description="A business borrowing (docs/external-data.md, small-business underwriting): "
        "its code, name, industry, region, years, revenue, owners (the applicant among them) "
        "and guarantors; absent or null for a consumer application",
    )

    _known_purpose = field_validator("purpose")(_coded)

    @field_validator("industry")
    @classmethod
    def _known_industry(cls, value: str | None) -> str | None:
        if not value:
            return None
        _refused(check_industry(value, ("industry",)))
        return normal_industry(value)

    def to_request(self, as_of: Any) -> ApplicationRequest:
        errors: list[FieldError] = []
        applicant: Applicant | None = None
        business: BusinessApplicant | None = None
        try:
            applicant = validate_applicant(
                self.applicant.name,
                self.applicant.id_number,
                self.applicant.phone,
                as_of,
                bank_card=self.applicant.bank_card,
                employer_uscc=self.applicant.employer_uscc,
            )
        except Invalid as exc:
            errors.extend(exc.errors)
        if self.business is not None:
            try:
                business = validate_business(
                    self.business.raw(),
                    as_of,
                    applicant_id_number=None if applicant is None else applicant.id_number,
                )
            except Invalid as exc:
                errors.extend(exc.errors)
        if errors:
            raise Invalid(tuple(errors))
        assert applicant is not None
        return ApplicationRequest(
            product=self.product,
            amount=yuan_to_fen(self.amount),
            term_months=self.term_months,
            purpose=self.purpose,
            monthly_income=yuan_to_fen(self.monthly_income),
            applicant=applicant,
            profile=self.profile.model_dump(),
            existing_monthly_debt=None
            if self.existing_monthly_debt is None
            else yuan_to_fen(self.existing_monthly_debt),
            consents=tuple(ConsentGiven(c.purpose, c.scope, c.text_version) for c in self.consents),
            channel=self.channel.to_channel(),
            industry=self.industry,
            business=business,
        )

    def through_channel_of(self, actor: Actor) -> ApplicationIn:
        """This application as submitted through the actor's sales channel, when the actor is
        a channel key (the API's and `fengkong apply`'s rule); `Forbidden` when it names
        another channel."""
        if actor.channel is None:
            return self
        named = self.channel.source if "source" in self.channel.model_fields_set else None
        if named is not None and named != actor.channel:
            raise Forbidden(
                f"{actor.audit_name} submits through channel {actor.channel!r}, not {named!r}"
            )
        if actor.channel not in SALES_CHANNELS:
            raise Forbidden(
                f"{actor.audit_name}'s channel {actor.channel!r} is not a sales channel"
            )
        channel = self.channel.model_copy(update={"source": actor.channel})
        return self.model_copy(update={"channel": channel})


class StepUpIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    check: Annotated[str, StringConstraints(min_length=1, max_length=40)] = Field(
        description="The check the decision asked for, e.g. `liveness`"
    )
    passed: bool


class ReasonOut(BaseModel):
    code: str
    text_en: str
    text_zh: str


class DecisionOut(BaseModel):
    application_id: str
    decision_id: str
    decided_at: datetime
    outcome: str
    score: int | None
    probability_of_default: str | None
    requested_amount: str
    approved_amount: str | None
    annual_rate: str | None = Field(None, description="Nominal annual rate offered")
    term_months: int | None = None
    offer: dict[str, Any] | None = Field(
        None, description="APR (all-in), total interest and fees, and the schedule"
    )
    reasons: list[ReasonOut]
    policy_version: str
    model_version: str | None
    security: dict[str, Any] | None = Field(
        None,
        description="On approve_secured (approve if secured, 需提供担保后批准): the collateral or"
        " guarantor the offer is conditional on (register it at POST"
        " /v1/applications/{id}/security)",
    )
    request_id: str | None = Field(
        None,
        description="The X-Request-ID of the request that asked for the decision (null when it"
        " was made from the command line)",
    )
    sources: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The external data the policy asked for, one entry per kind: `status` (ok, "
        "not_asked, unavailable, no_consent, no_provider, invalid), `why`, the features it `gave`,"
        " and for an answer used its `answer_id`, `provider`, `fetched_at` and `sha256`",
    )

    @classmethod
    def of(cls, d: DecisionRecord, requested_fen: int) -> DecisionOut:
        return cls(
            application_id=d.application_id,
            decision_id=d.id,
            decided_at=d.decided_at,
            outcome=d.outcome.value,
            score=d.score,
            probability_of_default=d.pd,
            requested_amount=str(fen_to_yuan(requested_fen)),
            approved_amount=None
            if d.approved_amount is None
            else str(fen_to_yuan(d.approved_amount)),
            annual_rate=d.annual_rate,
            term_months=d.term_months,
            offer=None if d.offer is None else dict(d.offer),
            reasons=[ReasonOut(**r.as_dict()) for r in d.reasons],
            policy_version=d.policy_version,
            model_version=d.model_version,
            security=None if d.security is None else dict(d.security),
            request_id=d.request_id,
            sources=_sources_of(d),
        )


def _sources_of(d: DecisionRecord) -> list[dict[str, Any]]:
    """What each kind the policy asked for gave (the trace), with the answer it cites (inputs)."""
    cited = {c.get("answer_id"): c for c in d.inputs.get("sources") or ()}
    found = []
    for t in d.trace:
        if t.get("stage") != "source":
            continue
        entry = {k: v for k, v in t.items() if k != "stage"}
        answer = cited.get(t.get("answer_id"))
        if answer is not None:
            entry |= {k: answer.get(k) for k in ("fetched_at", "sha256", "as_of")}
        found.append(entry)
    return found


class OfficerDecisionOut(BaseModel):
    """An officer's decision on a referral, linked to the automatic decision it settles."""

    id: str
    application_id: str
    automatic_decision_id: str = Field(description="The policy's decision (refer) it settles")
    review_item_id: str
    outcome: str = Field(description="approve or decline")
    decided_by: str
    first_approved_by: str | None = Field(description="Four eyes: who approved first")
    decided_at: datetime
    reasons: list[ReasonOut]
    comment: str
    approved_amount: str | None = Field(description="The limit granted, yuan")
    annual_rate: str | None
    term_months: int | None
    offer: dict[str, Any] | None = Field(description="APR (all-in), total cost and schedule")
    policy_version: str
    security: str | None = Field(
        None,
        description="Approved on condition of this security requirement (the condition is the "
        "offer's `security`): booked only once it is registered",
    )

    @classmethod
    def of(cls, d: OfficerDecision) -> OfficerDecisionOut:
        return cls(
            id=d.id,
            application_id=d.application_id,
            automatic_decision_id=d.decision_id,
            review_item_id=d.review_item_id,
            outcome=d.outcome.value,
            decided_by=d.decided_by,
            first_approved_by=d.first_approved_by,
            decided_at=d.decided_at,
            reasons=[ReasonOut(**r.as_dict()) for r in d.reasons],
            comment=d.comment,
            approved_amount=None
            if d.approved_amount is None
            else str(fen_to_yuan(d.approved_amount)),
            annual_rate=d.annual_rate,
            term_months=d.term_months,
            offer=None if d.offer is None else dict(d.offer),
            policy_version=d.policy_version,
            security=d.security,
        )


class ApplicationOut(BaseModel):
    id: str
    received_at: datetime
    product: str
    amount: str
    term_months: int
    purpose: str
    monthly_income: str
    channel: str | None = Field(
        description="The sales channel it came through; null if stored before channels were kept"
    )
    channel_partner: str | None = Field(description="The partner's code, for a partner's referral")
    industry: str | None = Field(
        None,
        description="The borrower's industry, a GB/T 4754-2017 section letter; null if none given",
    )
    applicant_name: str = Field(description="Masked")
    applicant_id_number: str = Field(description="Masked")
    applicant_phone: str = Field(description="Masked")
    outcome: str = Field(
        description="Where the application stands: an officer's decision on a referral, else "
        "the automatic decision's outcome"
    )
    decision: DecisionOut = Field(description="The automatic decision, as the policy made it")
    officer_decision: OfficerDecisionOut | None = Field(
        None,
        description="On referral, the officer's decision that settles it, linked to `decision` "
        "by its automatic_decision_id",
    )
    business: BusinessOut | None = Field(
        None, description="The business borrowing, masked; null for a consumer application"
    )
