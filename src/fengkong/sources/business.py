"""A business's registry record (工商登记): its unified social credit code, name, legal
representative, registered capital, date of establishment, status, industry, region and
shareholders. Tax and utility payment records are in `sources.payments`.

The subject of a business document is its unified social credit code: a document whose code is
not the subject's (compared in normal form; the check character was verified when the applicant
gave it) is refused, as a report for another person is."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.sources.connector import Subject
from fengkong.sources.handler import KindHandler
from fengkong.sources.json_fields import Fields, json_object, normal_code
from fengkong.sources.kinds import SourceKind

__all__ = [
    "BUSINESS_REGISTRY",
    "INDUSTRY_SECTIONS",
    "RegistryRecord",
    "RegistryStatus",
    "Shareholder",
    "as_json",
    "check_uscc",
    "read",
    "read_file",
]

# GB/T 4754-2017's sections (门类), as `onboarding.industry` names them (a test holds them equal).
INDUSTRY_SECTIONS = frozenset("ABCDEFGHIJKLMNOPQRST")
WHOLE = 10_000  # basis points of a business's capital


class RegistryStatus(StrEnum):
    ACTIVE = "active"  # 存续（在业）
    DEREGISTERED = "deregistered"  # 注销
    REVOKED = "revoked"  # 吊销


_STATUS_ZH = {
    "存续": RegistryStatus.ACTIVE,
    "在业": RegistryStatus.ACTIVE,
    "开业": RegistryStatus.ACTIVE,
    "注销": RegistryStatus.DEREGISTERED,
    "吊销": RegistryStatus.REVOKED,
}


@dataclass(frozen=True, slots=True)
class Shareholder:
    name: str
    share_bp: int  # of the registered capital, in basis points (10,000 is all of it)


@dataclass(frozen=True, slots=True)
class RegistryRecord:
    uscc: str
    name: str
    legal_representative: str
    registered_capital: Fen
    established: date
    status: RegistryStatus
    industry: str  # GB/T 4754-2017 section letter
    region: str  # GB/T 2260 six-digit address code of the registering authority
    record_date: date
    shareholders: tuple[Shareholder, ...] = ()


def check_uscc(f: Fields, payload: Mapping[str, Any], subject: Subject) -> str | None:
    """The document's `uscc`, recorded as a problem when absent or not the subject's."""
    code = f.text(payload, "uscc", ())
    if code is None:
        return None
    code = normal_code(code)
    if len(code) != 18:
        f.fail(("uscc",), f"must have 18 characters, got {len(code)}", "length")
    elif subject.uscc and code != normal_code(subject.uscc):
        f.fail(("uscc",), "is not the subject's: a record of another business", "subject")
    return code


def read(payload: Mapping[str, Any], subject: Subject, as_of: date) -> RegistryRecord:
    """The registry record in `payload`, about the business `subject`, dated no later than
    `as_of`; raises `Invalid` naming every problem."""
    f = Fields()
    uscc = check_uscc(f, payload, subject)
    name = f.text(payload, "name", ())
    representative = f.text(payload, "legal_representative", ())
    capital = f.fen(payload, "registered_capital_fen", ())
    established = f.day(payload, "established", ())
    record_date = f.day(payload, "record_date", ())
    if record_date is not None and record_date > as_of:
        f.fail(("record_date",), f"is after the business date {as_of.isoformat()}")
    if established and record_date and established > record_date:
        f.fail(("established",), "is after the record date")
    status = f.choice(payload, "status", (), RegistryStatus, _STATUS_ZH)
    industry = f.text(payload, "industry", ())
    if industry is not None and industry.upper() not in INDUSTRY_SECTIONS:
        f.fail(("industry",), "must be a GB/T 4754-2017 section letter, A to T", "enum")
    region = f.text(payload, "region", ())
    if region is not None and not (len(region) == 6 and region.isascii() and region.isdigit()):
        f.fail(("region",), "must be a six-digit GB/T 2260 address code", "format")
    holders: list[Shareholder] = []
    for i, raw in enumerate(f.items(payload, "shareholders", ())):
        doc = f.obj(raw, ("shareholders", i))
        if doc is None:
            continue
        holder = f.text(doc, "name", ("shareholders", i))
        share = f.integer(doc, "share_bp", ("shareholders", i), low=1, high=WHOLE)
        if holder is not None and share is not None:
            holders.append(Shareholder(holder, share))
    if sum(h.share_bp for h in holders) > WHOLE:
        f.fail(("shareholders",), "hold more than the whole capital (10,000 basis points)")
    f.raise_if_any("business registry record")
    assert uscc and name and representative and capital is not None and established
    assert status and industry and region and record_date
    return RegistryRecord(
        uscc,
        name,
        representative,
        capital,
        established,
        status,
        industry.upper(),
        region,
        record_date,
        tuple(holders),
    )


def read_file(content: bytes, filename: str) -> Mapping[str, Any]:
    """A registry record exported as a JSON file → its document."""
    if not filename.lower().endswith(".json"):
        raise Invalid((FieldError(("file",), "a registry record is read from a .json file"),))
    return json_object(content, "registry record")


def as_json(record: RegistryRecord) -> dict[str, Any]:
    """The record as its JSON document, which `read` reads back to an equal record."""
    return {
        "uscc": record.uscc,
        "name": record.name,
        "legal_representative": record.legal_representative,
        "registered_capital_fen": record.registered_capital,
        "established": record.established.isoformat(),
        "status": record.status.value,
        "industry": record.industry,
        "region": record.region,
        "record_date": record.record_date.isoformat(),
        "shareholders": [{"name": h.name, "share_bp": h.share_bp} for h in record.shareholders],
    }


BUSINESS_REGISTRY: KindHandler[RegistryRecord] = KindHandler(
    SourceKind.BUSINESS_REGISTRY, read_file, read
)
