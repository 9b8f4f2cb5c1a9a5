"""The `business` block of an application body (API and `fengkong apply FILE.json`), and the
business as `GET /v1/applications/{id}` shows it, masked.

The block's types are loose on purpose: the domain (`onboarding.business.validate_business`)
checks every field and names every bad one at once (`business.owners.1.id_number`), rather than
the schema stopping at the first shape it dislikes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fengkong.api.input import InputModel
from fengkong.core.money import fen_to_yuan, yuan_to_fen
from fengkong.onboarding.business import MAX_GUARANTORS, MAX_OWNERS
from fengkong.onboarding.business_view import MaskedBusiness, MaskedParty
from fengkong.onboarding.industry import INDUSTRY_CODES

Short = Annotated[str, StringConstraints(max_length=120)]


class OwnerIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    name: Short | None = None
    id_number: Short | None = Field(None, description="18-character resident ID")
    phone: Short | None = Field(None, description="Mainland mobile number")
    share_bp: int | None = Field(
        None, description="The owner's share of the business in basis points (10000 = 100 %)"
    )


class GuarantorIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    kind: Short = Field("person", json_schema_extra={"enum": ["person", "company"]})
    name: Short | None = Field(None, description="A person's name or a company's registered name")
    id_number: Short | None = Field(None, description="A person guarantor's resident ID")
    phone: Short | None = Field(None, description="A person guarantor's mobile number")
    uscc: Short | None = Field(None, description="A company guarantor's unified social credit code")


class BusinessIn(InputModel):
    """The business borrowing: its code, registered name, industry, region (default: the
    province of the code's registration region), years in operation or established date,
    annual revenue (yuan), owners (the applicant among them) and guarantors."""

    model_config = ConfigDict(extra="forbid")

    uscc: Short | None = Field(None, description="Unified social credit code (GB 32100)")
    registered_name: Short | None = Field(None, description="The name on the business licence")
    industry: Short | None = Field(
        None,
        description="GB/T 4754-2017 section letter",
        json_schema_extra={"enum": list(INDUSTRY_CODES)},
    )
    region: Short | None = Field(None, description="GB/T 2260 province code, e.g. 33")
    years_in_operation: int | None = None
    established_on: date | None = None
    annual_revenue: Annotated[Decimal, Field(ge=0, max_digits=15, decimal_places=2)] | None = Field(
        None, description="Yuan, at most two decimals"
    )
    owners: list[OwnerIn] = Field(default_factory=list, max_length=MAX_OWNERS)
    guarantors: list[GuarantorIn] = Field(default_factory=list, max_length=MAX_GUARANTORS)

    def raw(self) -> dict[str, Any]:
        """The block as the domain validator takes it: revenue in fen."""
        raw = self.model_dump(exclude={"annual_revenue"})
        raw["annual_revenue_fen"] = (
            None if self.annual_revenue is None else int(yuan_to_fen(self.annual_revenue))
        )
        return raw


class PartyOut(BaseModel):
    kind: str = Field(description="person or company")
    name: str = Field(description="Masked")
    id_number: str | None = Field(description="Masked")
    phone: str | None = Field(description="Masked")
    uscc: str | None = Field(description="Masked; a company guarantor's")
    share_bp: int | None = Field(description="An owner's share, basis points")

    @classmethod
    def of(cls, p: MaskedParty) -> PartyOut:
        return cls(
            kind=p.kind,
            name=p.name,
            id_number=p.id_number,
            phone=p.phone,
            uscc=p.uscc,
            share_bp=p.share_bp,
        )


class BusinessOut(BaseModel):
    uscc: str = Field(description="Masked")
    registered_name: str = Field(description="Masked")
    industry: str
    region: str
    years_in_operation: int
    established_on: date | None
    annual_revenue: str = Field(description="Yuan")
    owners: list[PartyOut]
    guarantors: list[PartyOut]

    @classmethod
    def of(cls, b: MaskedBusiness) -> BusinessOut:
        return cls(
            uscc=b.uscc,
            registered_name=b.registered_name,
            industry=b.industry,
            region=b.region,
            years_in_operation=b.years_in_operation,
            established_on=b.established_on,
            annual_revenue=str(fen_to_yuan(b.annual_revenue)),
            owners=[PartyOut.of(p) for p in b.owners],
            guarantors=[PartyOut.of(p) for p in b.guarantors],
        )
