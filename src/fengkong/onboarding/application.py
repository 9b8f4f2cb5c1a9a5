"""An application as the lender receives it, and as it is stored: personal data only as ciphertext
plus a blind index, never in clear."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from fengkong.core.money import Fen
from fengkong.onboarding.business import BusinessApplicant, StoredBusiness, seal_business
from fengkong.onboarding.channel import DEFAULT_SALES_CHANNEL, SalesChannel
from fengkong.onboarding.consent import Purpose
from fengkong.onboarding.region import region_of_id_number


class PersonalDataVault(Protocol):
    def encrypt(self, field: str, clear: str) -> str: ...
    def decrypt(self, field: str, token: str) -> str: ...
    def blind_index(self, field: str, clear: str) -> str: ...


@dataclass(frozen=True, slots=True)
class Applicant:
    """Validated and normalized personal data, held in memory only for the request."""

    name: str = field(repr=False)
    id_number: str = field(repr=False)
    phone: str = field(repr=False)
    birth_date: date = field(repr=False)
    bank_card: str | None = field(default=None, repr=False)
    employer: str | None = field(default=None, repr=False)  # unified social credit code


@dataclass(frozen=True, slots=True)
class Channel:
    """Where the application came from: the sales channel (and partner, for a partner's
    referral), and the device and IP the fraud signals use, either of which may be unknown."""

    device_id: str | None = None
    ip: str | None = field(default=None, repr=False)
    source: SalesChannel = DEFAULT_SALES_CHANNEL
    partner: str | None = None  # the partner's code; only with source `partner`


@dataclass(frozen=True, slots=True)
class ConsentGiven:
    """A consent the applicant gives with the application (purpose as `consent.Purpose`)."""

    purpose: Purpose
    scope: str
    text_version: str


@dataclass(frozen=True, slots=True)
class ApplicationRequest:
    product: str
    amount: Fen
    term_months: int
    purpose: str
    monthly_income: Fen
    applicant: Applicant
    profile: Mapping[str, Any]
    channel: Channel = field(default_factory=Channel)
    existing_monthly_debt: Fen | None = None  # declared, or from the bureau when it is wired
    consents: tuple[ConsentGiven, ...] = ()
    # The borrower's industry, a GB/T 4754 section letter (`onboarding.industry`); None when the
    # application names none.
    industry: str | None = None
    # A business borrowing (`onboarding.business`), the applicant signing as one of its owners;
    # None for a consumer application.
    business: BusinessApplicant | None = None

    @property
    def region(self) -> str | None:
        """The province the book counts the loan in: a business's own region, else the one the
        applicant's resident ID was issued in."""
        if self.business is not None:
            return self.business.region
        return region_of_id_number(self.applicant.id_number)

    @property
    def segment_industry(self) -> str | None:
        """The industry the book counts the loan in: a business's own, else the one given."""
        return self.business.industry if self.business is not None else self.industry


@dataclass(frozen=True, slots=True)
class StoredApplication:
    id: str
    received_at: datetime
    product: str
    amount: Fen
    term_months: int
    purpose: str
    monthly_income: Fen
    name_enc: str = field(repr=False)
    id_number_enc: str = field(repr=False)
    id_number_bidx: str = field(repr=False)
    phone_enc: str = field(repr=False)
    phone_bidx: str = field(repr=False)
    profile: Mapping[str, Any] = field(default_factory=dict)
    bank_card_enc: str | None = field(default=None, repr=False)
    bank_card_bidx: str | None = field(default=None, repr=False)
    channel: SalesChannel | None = None  # None: stored before channels were kept
    channel_partner: str | None = None
    # The province code the applicant's resident ID begins with (`onboarding.region`); None on
    # rows stored before regions were kept (migration 0032): reported as `unknown`.
    region: str | None = None
    # The GB/T 4754 section of the borrower's industry (`onboarding.industry`); None when the
    # application named none, or was stored before industries were kept (migration 0035).
    industry: str | None = None
    # The business borrowing, sealed (`onboarding.business`); None for a consumer application.
    business: StoredBusiness | None = None


def seal(
    application_id: str, received_at: datetime, req: ApplicationRequest, vault: PersonalDataVault
) -> StoredApplication:
    """Encrypt the personal fields of a request for storage."""
    a = req.applicant
    return StoredApplication(
        id=application_id,
        received_at=received_at,
        product=req.product,
        amount=req.amount,
        term_months=req.term_months,
        purpose=req.purpose,
        monthly_income=req.monthly_income,
        name_enc=vault.encrypt("name", a.name),
        id_number_enc=vault.encrypt("id_number", a.id_number),
        id_number_bidx=vault.blind_index("id_number", a.id_number),
        phone_enc=vault.encrypt("phone", a.phone),
        phone_bidx=vault.blind_index("phone", a.phone),
        profile=dict(req.profile),
        bank_card_enc=None if a.bank_card is None else vault.encrypt("bank_card", a.bank_card),
        bank_card_bidx=None if a.bank_card is None else vault.blind_index("bank_card", a.bank_card),
        channel=req.channel.source,
        channel_partner=req.channel.partner,
        region=req.region,
        industry=req.segment_industry,
        business=None if req.business is None else seal_business(req.business, vault),
    )
