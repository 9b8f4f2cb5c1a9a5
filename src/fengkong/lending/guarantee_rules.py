"""Guarantee records (保证担保) and the pure rules over them: a guarantee's share and cap, each
guarantee's part of what is owed on a loan (a 联保 group's part split evenly among its members),
and a guarantor's exposure. The use cases that store, call and pay guarantees are in
`lending.guarantee`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import HALF_UP, Fen, allocate, to_fen

NO_FEN = Fen(0)


class GuarantorKind(StrEnum):
    INDIVIDUAL = "individual"  # 自然人保证
    COMPANY = "company"  # 法人保证


class GuaranteeStatus(StrEnum):
    ACTIVE = "active"
    CALLED = "called"  # 已代偿催告
    RELEASED = "released"  # the loan was repaid: the guarantee ends


@dataclass(frozen=True, slots=True)
class GuarantorIdentity:
    """What an officer enters; held in memory only for the request."""

    kind: GuarantorKind
    name: str = field(repr=False)
    id_number: str = field(repr=False)  # resident ID, or USCC for a company
    phone: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Guarantor:
    guarantor_id: str
    kind: GuarantorKind
    name_enc: str = field(repr=False)
    id_number_enc: str = field(repr=False)
    id_number_bidx: str = field(repr=False)
    phone_enc: str | None = field(default=None, repr=False)
    phone_bidx: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class GuaranteeGroup:
    group_id: str
    name: str
    members: tuple[str, ...]  # guarantor ids


@dataclass(frozen=True, slots=True)
class Guarantee:
    guarantee_id: str
    loan_id: str
    guarantor_id: str
    share: Decimal
    cap: Fen | None = None
    group_id: str | None = None
    status: GuaranteeStatus = GuaranteeStatus.ACTIVE
    called_on: date | None = None
    amount_called: Fen = NO_FEN
    amount_paid: Fen = NO_FEN


@dataclass(frozen=True, slots=True)
class ExposureLine:
    guarantee_id: str
    loan_id: str
    outstanding: Fen
    amount: Fen


@dataclass(frozen=True, slots=True)
class Exposure:
    guarantor_id: str
    total: Fen
    lines: tuple[ExposureLine, ...]


def check_share(share: Decimal, cap: int | None = None) -> None:
    errors: list[FieldError] = []
    if not isinstance(share, Decimal) or not share.is_finite() or not 0 < share <= 1:
        errors.append(FieldError(("share",), f"must be a Decimal in (0, 1]: {share!r}"))
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap <= 0):
        errors.append(FieldError(("cap",), f"must be fen > 0: {cap!r}"))
    if errors:
        raise Invalid(tuple(errors))


def guaranteed_parts(amount: int, guarantees: Sequence[Guarantee]) -> dict[str, Fen]:
    """Each guarantee's part of `amount` owed on one loan: share × amount for a guarantee of its
    own; for a 联保 group, share × amount split evenly among its members; each part capped."""
    parts: dict[str, Fen] = {}
    groups: dict[str, list[Guarantee]] = {}
    for g in guarantees:
        if g.group_id is None:
            parts[g.guarantee_id] = to_fen(amount * g.share, HALF_UP)
        else:
            groups.setdefault(g.group_id, []).append(g)
    for members in groups.values():
        ordered = sorted(members, key=lambda g: g.guarantee_id)
        total = to_fen(amount * ordered[0].share, HALF_UP)
        for g, part in zip(ordered, allocate(total, [1] * len(ordered)), strict=True):
            parts[g.guarantee_id] = part
    return {
        gid: Fen(min(part, g.cap)) if (g := _by_id(guarantees, gid)).cap is not None else part
        for gid, part in parts.items()
    }


def _by_id(guarantees: Sequence[Guarantee], guarantee_id: str) -> Guarantee:
    return next(g for g in guarantees if g.guarantee_id == guarantee_id)


def exposure_of(
    guarantor_id: str,
    guarantees_by_loan: Mapping[str, Sequence[Guarantee]],
    outstanding_by_loan: Mapping[str, int],
) -> Exposure:
    """A guarantor's part of what is outstanding on every loan it still guarantees."""
    lines: list[ExposureLine] = []
    for loan_id, on_loan in sorted(guarantees_by_loan.items()):
        live = [g for g in on_loan if g.status is not GuaranteeStatus.RELEASED]
        outstanding = Fen(outstanding_by_loan.get(loan_id, 0))
        parts = guaranteed_parts(outstanding, live)
        for g in live:
            if g.guarantor_id == guarantor_id:
                lines.append(
                    ExposureLine(g.guarantee_id, loan_id, outstanding, parts[g.guarantee_id])
                )
    return Exposure(guarantor_id, Fen(sum(line.amount for line in lines)), tuple(lines))
