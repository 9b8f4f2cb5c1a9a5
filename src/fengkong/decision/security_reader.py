"""Compiling the `security` section: the approve-if-secured requirements a score band or the
unsecured maximum names, checked as the rest of the document is (every finding at once).

    security:
      requirements:
        guarantor_or_collateral:
          code: SEC_GUARANTOR_OR_COLLATERAL
          accepts: [guarantor, collateral]          # any one completes the offer
          collateral: {max_ltv: "0.6", min_value: "20000.00"}
          guarantor: {kinds: [individual], min_monthly_income: "8000.00", max_exposure: "200000.00"}
          within_days: 14                           # unsecured after this, the offer lapses
          en: Approved on condition of a guarantor or collateral
          zh: 需提供保证人或抵质押物后批准
      unsecured_max: {amount: "30000.00", requires: guarantor_or_collateral}

A segment's band says `outcome: approve_secured` and `requires: <name>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from fengkong.decision.document import Path_
from fengkong.decision.policy import (
    PolicyOutcome,
    SecurityKind,
    SecurityRequirement,
    Segment,
    UnsecuredMax,
)
from fengkong.decision.policy_reader import PolicyReader
from fengkong.lending.product import Product, ProductKind

GUARANTOR_KINDS = ("individual", "company")


def read_security(
    reader: PolicyReader,
) -> tuple[dict[str, SecurityRequirement], UnsecuredMax | None]:
    """The requirements by name and the unsecured maximum, if the document has them."""
    section = reader.mapping(("security",), required=False)
    if not section:
        return {}, None
    for key in section:
        if key not in ("requirements", "unsecured_max"):
            reader.fail(
                ("security", key), f"unknown key {key!r}; known: requirements, unsecured_max"
            )
    found: dict[str, SecurityRequirement] = {}
    for name in reader.mapping(("security", "requirements")):
        requirement = _requirement(reader, ("security", "requirements", name), str(name))
        if requirement is not None:
            found[str(name)] = requirement
    unsecured: UnsecuredMax | None = None
    if reader.get(("security", "unsecured_max")) is not None:
        at: Path_ = ("security", "unsecured_max")
        amount = reader.yuan((*at, "amount"))
        requires = reader.text((*at, "requires"))
        if requires and requires not in found:
            reader.fail((*at, "requires"), f"no security requirement named {requires!r}")
        elif amount is not None:
            unsecured = UnsecuredMax(amount, requires)
    return found, unsecured


def _requirement(reader: PolicyReader, at: Path_, name: str) -> SecurityRequirement | None:
    code = reader.text((*at, "code"))
    reason = reader.reason(at, code)
    accepts: list[SecurityKind] = []
    for index, kind in enumerate(reader.items((*at, "accepts"))):
        try:
            accepts.append(SecurityKind(kind))
        except ValueError:
            choices = ", ".join(k.value for k in SecurityKind)
            reader.fail((*at, "accepts", index), f"one of {choices}: {kind!r}")
    max_ltv: Decimal | None = None
    min_value = None
    if SecurityKind.COLLATERAL in accepts:
        collateral = reader.mapping((*at, "collateral"))
        if collateral.get("max_ltv") is not None:
            max_ltv = reader.rate((*at, "collateral", "max_ltv"))
            if max_ltv is not None and not 0 < max_ltv <= 1:
                reader.fail((*at, "collateral", "max_ltv"), f"max_ltv must be in (0, 1]: {max_ltv}")
                max_ltv = None
        if collateral.get("min_value") is not None:
            min_value = reader.yuan((*at, "collateral", "min_value"))
        if collateral.get("max_ltv") is None and collateral.get("min_value") is None:
            reader.fail((*at, "collateral"), "collateral needs a max_ltv, a min_value or both")
    kinds: tuple[str, ...] = GUARANTOR_KINDS
    min_income = max_exposure = None
    if SecurityKind.GUARANTOR in accepts:
        guarantor = reader.mapping((*at, "guarantor"), required=False)
        if guarantor.get("kinds") is not None:
            listed = reader.items((*at, "guarantor", "kinds"))
            for index, kind in enumerate(listed):
                if kind not in GUARANTOR_KINDS:
                    reader.fail(
                        (*at, "guarantor", "kinds", index),
                        f"one of {', '.join(GUARANTOR_KINDS)}: {kind!r}",
                    )
            kinds = tuple(str(k) for k in listed if k in GUARANTOR_KINDS) or GUARANTOR_KINDS
        if guarantor.get("min_monthly_income") is not None:
            min_income = reader.yuan((*at, "guarantor", "min_monthly_income"))
        if guarantor.get("max_exposure") is not None:
            max_exposure = reader.yuan((*at, "guarantor", "max_exposure"))
    days = reader.get((*at, "within_days"))
    if days is None:
        days = 14
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        reader.fail((*at, "within_days"), f"within_days must be a whole number ≥ 1: {days!r}")
        days = 14
    if not accepts:
        return None
    return SecurityRequirement(
        name=name,
        reason=reason,
        accepts=tuple(dict.fromkeys(accepts)),
        collateral_max_ltv=max_ltv,
        collateral_min_value=min_value,
        guarantor_kinds=kinds,
        guarantor_min_income=min_income,
        guarantor_max_exposure=max_exposure,
        within_days=days,
    )


def check_band_requirements(
    reader: PolicyReader,
    segments: tuple[Segment, ...],
    requirements: Mapping[str, SecurityRequirement],
    product: Product | None = None,
    unsecured: UnsecuredMax | None = None,
) -> None:
    """Every approve_secured band names a requirement the section defines, and none is in a
    policy for a credit line (`check_secured_product`)."""
    check_secured_product(reader, product, segments, unsecured)
    for index, segment in enumerate(segments):
        for band_index, band in enumerate(segment.bands):
            if band.outcome is PolicyOutcome.APPROVE_IF_SECURED and (
                band.requires not in requirements
            ):
                reader.fail(
                    ("segments", index, "bands", band_index, "requires"),
                    f"an approve_secured band names a security requirement: {band.requires!r} "
                    f"is not one of {', '.join(sorted(requirements)) or 'none defined'}",
                )


SECURED_ON_A_LINE = (
    "a credit line cannot be offered conditional on security: only an instalment loan takes a "
    "guarantor or collateral / 循环额度产品不能附担保条件批准，仅分期贷款可要求保证人或抵质押物"
)


def check_secured_product(
    reader: PolicyReader,
    product: Product | None,
    segments: tuple[Segment, ...],
    unsecured: UnsecuredMax | None,
) -> None:
    """A policy for a credit-line product makes no offer conditional on security: a line's
    draws are booked as they come, with nothing to hold a guarantor or collateral to, so an
    approve_secured band or an unsecured maximum is refused where it stands."""
    if product is None or product.kind is not ProductKind.REVOLVING_LINE:
        return
    for index, segment in enumerate(segments):
        for band_index, band in enumerate(segment.bands):
            if band.outcome is PolicyOutcome.APPROVE_IF_SECURED:
                reader.fail(("segments", index, "bands", band_index, "outcome"), SECURED_ON_A_LINE)
    if unsecured is not None:
        reader.fail(("security", "unsecured_max"), SECURED_ON_A_LINE)
