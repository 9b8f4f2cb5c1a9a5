"""A business applicant (企业申请人): a sole trader (个体工商户) or small company borrowing, with its
owners and guarantors, validated in one pass and sealed for storage.

The business is known by its unified social credit code (GB 32100, `validators.validate_uscc`),
kept only as ciphertext plus a blind index: the index is the subject key its external documents
are asked and recorded under (`sources.connector.Subject.key`). Its industry is a GB/T 4754
section (`onboarding.industry`), its region a province code (`onboarding.region`; by default
the province of the registration region the code carries in positions 3–8).

Owners are persons (name, resident ID, mobile, share in basis points); their shares add up to
at most 100 % and the applicant, who signs for the business, is one of them. Guarantors are
persons or companies and may be absent. Owners' and guarantors' personal data, the code and the
registered name (a sole trader's often holds the owner's name) are sealed with the vault like
the applicant's: never in clear at rest.

`validate_business` takes the body's `business` block as plain JSON data and reports every bad
field at once, located under `business` (`business.owners.1.id_number`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.onboarding.industry import check_industry, normal_industry
from fengkong.onboarding.name_address import validate_name
from fengkong.onboarding.region import REGIONS
from fengkong.onboarding.validators import (
    age_on,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)

__all__ = [
    "ALL_SHARES_BP",
    "MAX_GUARANTORS",
    "MAX_OWNERS",
    "BusinessApplicant",
    "Guarantor",
    "GuarantorKind",
    "Owner",
    "Person",
    "StoredBusiness",
    "StoredParty",
    "seal_business",
    "validate_business",
]

ALL_SHARES_BP = 10_000  # 100 % in basis points
MAX_OWNERS = 20
MAX_GUARANTORS = 10
REGISTERED_NAME_MAX = 100
MAX_YEARS = 200
MAX_REVENUE_FEN = 10**15  # ¥10 trillion: more is a typing mistake, not a small business
_OWNER_MIN_AGE = 18  # an owner signs the guarantee of a sole trader's debts


class GuarantorKind(StrEnum):
    PERSON = "person"  # 自然人保证
    COMPANY = "company"  # 企业保证


@dataclass(frozen=True, slots=True)
class Person:
    """A validated person: name, resident ID, mobile (held in memory only for the request)."""

    name: str = field(repr=False)
    id_number: str = field(repr=False)
    phone: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Owner:
    person: Person
    share_bp: int  # basis points of the business, 1 to 10,000


@dataclass(frozen=True, slots=True)
class Guarantor:
    kind: GuarantorKind
    name: str = field(repr=False)  # a person's name or a company's registered name
    person: Person | None = None  # a person guarantor
    uscc: str | None = field(default=None, repr=False)  # a company guarantor


@dataclass(frozen=True, slots=True)
class BusinessApplicant:
    uscc: str = field(repr=False)
    registered_name: str = field(repr=False)
    industry: str  # GB/T 4754 section letter
    region: str  # GB/T 2260 province code
    years_in_operation: int
    annual_revenue: Fen
    owners: tuple[Owner, ...]
    guarantors: tuple[Guarantor, ...] = ()
    established_on: date | None = None

    @property
    def owners_share_bp(self) -> int:
        return sum(o.share_bp for o in self.owners)


class _Sealer(Protocol):
    def encrypt(self, field: str, clear: str) -> str: ...
    def blind_index(self, field: str, clear: str) -> str: ...


@dataclass(frozen=True, slots=True)
class StoredParty:
    """An owner or guarantor as stored: ciphertexts, the ID's (or code's) blind index, the share."""

    role: str  # owner | guarantor
    kind: GuarantorKind
    name_enc: str = field(repr=False)
    id_number_enc: str | None = field(default=None, repr=False)
    id_number_bidx: str | None = field(default=None, repr=False)
    phone_enc: str | None = field(default=None, repr=False)
    uscc_enc: str | None = field(default=None, repr=False)
    uscc_bidx: str | None = field(default=None, repr=False)
    share_bp: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "kind": self.kind.value,
            "name_enc": self.name_enc,
            "id_number_enc": self.id_number_enc,
            "id_number_bidx": self.id_number_bidx,
            "phone_enc": self.phone_enc,
            "uscc_enc": self.uscc_enc,
            "uscc_bidx": self.uscc_bidx,
            "share_bp": self.share_bp,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> StoredParty:
        return cls(
            role=str(d["role"]),
            kind=GuarantorKind(d["kind"]),
            name_enc=str(d["name_enc"]),
            id_number_enc=d.get("id_number_enc"),
            id_number_bidx=d.get("id_number_bidx"),
            phone_enc=d.get("phone_enc"),
            uscc_enc=d.get("uscc_enc"),
            uscc_bidx=d.get("uscc_bidx"),
            share_bp=d.get("share_bp"),
        )


@dataclass(frozen=True, slots=True)
class StoredBusiness:
    """The business of an application as stored (`application_businesses`)."""

    uscc_enc: str = field(repr=False)
    uscc_bidx: str = field(repr=False)
    registered_name_enc: str = field(repr=False)
    industry: str
    region: str
    years_in_operation: int
    annual_revenue: Fen
    parties: tuple[StoredParty, ...]  # owners first, then guarantors, in the order given
    established_on: date | None = None

    @property
    def owners(self) -> tuple[StoredParty, ...]:
        return tuple(p for p in self.parties if p.role == "owner")

    @property
    def guarantors(self) -> tuple[StoredParty, ...]:
        return tuple(p for p in self.parties if p.role == "guarantor")


def _seal_person(role: str, person: Person, vault: _Sealer, share: int | None) -> StoredParty:
    return StoredParty(
        role=role,
        kind=GuarantorKind.PERSON,
        name_enc=vault.encrypt("name", person.name),
        id_number_enc=vault.encrypt("id_number", person.id_number),
        id_number_bidx=vault.blind_index("id_number", person.id_number),
        phone_enc=vault.encrypt("phone", person.phone),
        share_bp=share,
    )


def seal_business(business: BusinessApplicant, vault: _Sealer) -> StoredBusiness:
    """Encrypt the business's code and name and its parties' personal data for storage."""
    parties = [_seal_person("owner", o.person, vault, o.share_bp) for o in business.owners]
    for g in business.guarantors:
        if g.person is not None:
            parties.append(_seal_person("guarantor", g.person, vault, None))
        else:
            assert g.uscc is not None
            parties.append(
                StoredParty(
                    role="guarantor",
                    kind=GuarantorKind.COMPANY,
                    name_enc=vault.encrypt("name", g.name),
                    uscc_enc=vault.encrypt("uscc", g.uscc),
                    uscc_bidx=vault.blind_index("uscc", g.uscc),
                )
            )
    return StoredBusiness(
        uscc_enc=vault.encrypt("uscc", business.uscc),
        uscc_bidx=vault.blind_index("uscc", business.uscc),
        registered_name_enc=vault.encrypt("registered_name", business.registered_name),
        industry=business.industry,
        region=business.region,
        years_in_operation=business.years_in_operation,
        annual_revenue=business.annual_revenue,
        parties=tuple(parties),
        established_on=business.established_on,
    )


# --- validation ---

Loc = tuple[str | int, ...]


class _Errors:
    """Every error found, each located under `business`."""

    def __init__(self) -> None:
        self.found: list[FieldError] = []

    def add(self, loc: Loc, msg: str, type_: str = "value_error") -> None:
        self.found.append(FieldError(("business", *loc), msg, type_))

    def of(self, loc: Loc, exc: Invalid) -> None:
        # A validator locates its errors under its field kind: relocate them to `loc`.
        self.found.extend(replace(e, loc=("business", *loc)) for e in exc.errors)


def _text(
    raw: Mapping[str, Any], name: str, loc: Loc, errors: _Errors, *, required: bool = True
) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add((*loc, name), "is required", "missing")
        return None
    if not isinstance(value, str):
        errors.add((*loc, name), "must be a string", "string_type")
        return None
    return value


def _whole(
    raw: Mapping[str, Any], name: str, loc: Loc, errors: _Errors, low: int, high: int
) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add((*loc, name), "must be a whole number", "int_type")
        return None
    if not low <= value <= high:
        errors.add((*loc, name), f"must be from {low} to {high}, got {value}", "range")
        return None
    return value


def _person(
    raw: object, loc: Loc, as_of: date, errors: _Errors, *, min_age: int | None = None
) -> Person | None:
    if not isinstance(raw, Mapping):
        errors.add(loc, "must be an object with name, id_number and phone", "dict_type")
        return None
    before = len(errors.found)
    name = _text(raw, "name", loc, errors)
    id_number = _text(raw, "id_number", loc, errors)
    phone = _text(raw, "phone", loc, errors)
    checked: dict[str, str] = {}
    if name is not None:
        try:
            checked["name"] = validate_name(name)
        except Invalid as exc:
            errors.of((*loc, "name"), exc)
    if id_number is not None:
        try:
            checked["id_number"] = validate_resident_id(id_number, as_of, min_age=min_age).number
        except Invalid as exc:
            errors.of((*loc, "id_number"), exc)
    if phone is not None:
        try:
            checked["phone"] = validate_mobile(phone)
        except Invalid as exc:
            errors.of((*loc, "phone"), exc)
    if len(errors.found) > before:
        return None
    return Person(checked["name"], checked["id_number"], checked["phone"])


def _owners(
    raw: object, as_of: date, applicant_id: str | None, errors: _Errors
) -> tuple[Owner, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
        errors.add(("owners",), "at least one owner is required", "missing")
        return ()
    if len(raw) > MAX_OWNERS:
        errors.add(("owners",), f"at most {MAX_OWNERS} owners", "too_long")
        return ()
    owners: list[Owner] = []
    total = 0
    seen: dict[str, int] = {}
    complete = True
    for k, item in enumerate(raw):
        loc: Loc = ("owners", k)
        person = _person(item, loc, as_of, errors, min_age=_OWNER_MIN_AGE)
        share = None
        if isinstance(item, Mapping):
            share = _whole(item, "share_bp", loc, errors, 1, ALL_SHARES_BP)
            if item.get("share_bp") is None:
                errors.add((*loc, "share_bp"), "is required", "missing")
        if share is not None:
            total += share
        if person is None or share is None:
            complete = False
            continue
        if person.id_number in seen:
            errors.add((*loc, "id_number"), f"the same person as owner {seen[person.id_number]}")
            complete = False
            continue
        seen[person.id_number] = k
        owners.append(Owner(person, share))
    if total > ALL_SHARES_BP:
        errors.add(
            ("owners",),
            f"the owners' shares add up to {total / 100:.2f} %, more than 100 %",
            "shares_over_whole",
        )
    if complete and applicant_id is not None and applicant_id not in seen:
        errors.add(("owners",), "the applicant must be one of the owners", "applicant_not_owner")
    return tuple(owners)


def _guarantors(raw: object, as_of: date, errors: _Errors) -> tuple[Guarantor, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        errors.add(("guarantors",), "must be a list", "list_type")
        return ()
    if len(raw) > MAX_GUARANTORS:
        errors.add(("guarantors",), f"at most {MAX_GUARANTORS} guarantors", "too_long")
        return ()
    found: list[Guarantor] = []
    for k, item in enumerate(raw):
        loc: Loc = ("guarantors", k)
        if not isinstance(item, Mapping):
            errors.add(loc, "must be an object", "dict_type")
            continue
        kind = item.get("kind", GuarantorKind.PERSON.value)
        if kind == GuarantorKind.PERSON.value:
            person = _person(item, loc, as_of, errors, min_age=_OWNER_MIN_AGE)
            if person is not None:
                found.append(Guarantor(GuarantorKind.PERSON, person.name, person=person))
        elif kind == GuarantorKind.COMPANY.value:
            name = _registered_name(item, "name", loc, errors)
            code = _text(item, "uscc", loc, errors)
            uscc = None
            if code is not None:
                try:
                    uscc = validate_uscc(code)
                except Invalid as exc:
                    errors.of((*loc, "uscc"), exc)
            if name is not None and uscc is not None:
                found.append(Guarantor(GuarantorKind.COMPANY, name, uscc=uscc))
        else:
            errors.add(
                (*loc, "kind"), f"{kind!r} is not a guarantor kind: person or company", "enum"
            )
    return tuple(found)


def _registered_name(raw: Mapping[str, Any], name: str, loc: Loc, errors: _Errors) -> str | None:
    text = _text(raw, name, loc, errors)
    if text is None:
        return None
    text = " ".join(text.split())
    if len(text) > REGISTERED_NAME_MAX:
        errors.add((*loc, name), f"at most {REGISTERED_NAME_MAX} characters", "too_long")
        return None
    return text


def _years(raw: Mapping[str, Any], as_of: date, errors: _Errors) -> tuple[int | None, date | None]:
    years = _whole(raw, "years_in_operation", (), errors, 0, MAX_YEARS)
    given = raw.get("established_on")
    established: date | None = None
    if given is not None:
        try:
            established = given if isinstance(given, date) else date.fromisoformat(str(given))
        except ValueError:
            errors.add(("established_on",), "must be a date, YYYY-MM-DD", "date_type")
            return years, None
        if established > as_of:
            errors.add(("established_on",), f"is after {as_of.isoformat()}", "future_date")
            return years, None
        counted = age_on(established, as_of)
        if years is not None and years != counted:
            errors.add(
                ("years_in_operation",),
                f"says {years} years, but the business established on "
                f"{established.isoformat()} has operated {counted}",
                "inconsistent",
            )
            return None, established
        years = counted
    elif raw.get("years_in_operation") is None:
        errors.add(("years_in_operation",), "give years_in_operation or established_on", "missing")
    return years, established


def _region(raw: Mapping[str, Any], uscc: str | None, errors: _Errors) -> str | None:
    given = raw.get("region")
    if given is None or given == "":
        # The code's registration region (positions 3–8) begins with the province.
        if uscc is not None and uscc[2:4] in REGIONS:
            return uscc[2:4]
        if uscc is not None:
            errors.add(("region",), "is required: the code names no known province", "missing")
        return None
    if not isinstance(given, str) or given.strip() not in REGIONS:
        errors.add(
            ("region",),
            f"{given!r} is not a region: a two-digit GB/T 2260 province code such as 11 or 44",
            "enum",
        )
        return None
    return given.strip()


def validate_business(
    raw: Mapping[str, Any], as_of: date, *, applicant_id_number: str | None = None
) -> BusinessApplicant:
    """The business block of an application, validated and normalized; `Invalid` lists every
    bad field, located under `business`. `applicant_id_number`: the (validated) applicant's
    resident ID, who must be among the owners; None when the applicant was itself refused."""
    errors = _Errors()
    code = _text(raw, "uscc", (), errors)
    uscc = None
    if code is not None:
        try:
            uscc = validate_uscc(code)
        except Invalid as exc:
            errors.of(("uscc",), exc)
    name = _registered_name(raw, "registered_name", (), errors)
    industry = None
    given_industry = raw.get("industry")
    if given_industry is None:
        errors.add(("industry",), "is required", "missing")
    else:
        problem = check_industry(given_industry, ("business", "industry"))
        if problem is None:
            industry = normal_industry(str(given_industry))
        else:
            errors.found.append(problem)
    region = _region(raw, uscc, errors)
    years, established = _years(raw, as_of, errors)
    revenue = _whole(raw, "annual_revenue_fen", (), errors, 0, MAX_REVENUE_FEN)
    if raw.get("annual_revenue_fen") is None:
        errors.add(("annual_revenue_fen",), "is required", "missing")
    owners = _owners(raw.get("owners"), as_of, applicant_id_number, errors)
    guarantors = _guarantors(raw.get("guarantors"), as_of, errors)
    if errors.found:
        raise Invalid(tuple(errors.found))
    assert uscc and name and industry and region and years is not None and revenue is not None
    return BusinessApplicant(
        uscc=uscc,
        registered_name=name,
        industry=industry,
        region=region,
        years_in_operation=years,
        annual_revenue=Fen(revenue),
        owners=owners,
        guarantors=guarantors,
        established_on=established,
    )
