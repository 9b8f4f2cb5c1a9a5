"""The starter policy: a score cut-off with a referral band, and amount bounds by score band.

A policy is parsed and checked once, at load, and evaluated as plain Python; a document that does
not hold together is refused with the reason, never discovered at decision time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen, format_fen, yuan_to_fen
from fengkong.decision.outcome import Outcome, Reason


@dataclass(frozen=True, slots=True)
class ProductTerms:
    code: str
    min_amount: Fen
    max_amount: Fen
    min_term_months: int
    max_term_months: int


@dataclass(frozen=True, slots=True)
class AmountBand:
    min_score: int
    max_amount: Fen


@dataclass(frozen=True, slots=True)
class Policy:
    version: str
    product: ProductTerms
    approve_at: int
    refer_at: int
    amount_bands: tuple[AmountBand, ...]  # highest min_score first


@dataclass(frozen=True, slots=True)
class PolicyResult:
    outcome: Outcome
    approved_amount: Fen | None
    reasons: tuple[Reason, ...]


def check_request(policy: Policy, product: str, amount: Fen, term_months: int) -> None:
    """Refuse what the product cannot offer at all: that is bad input, not a decline."""
    terms = policy.product
    errors = []
    if product != terms.code:
        errors.append(
            FieldError(("product",), f"unknown product {product!r}; offered: {terms.code}")
        )
    if not terms.min_amount <= amount <= terms.max_amount:
        errors.append(
            FieldError(
                ("amount",),
                f"must be between {format_fen(terms.min_amount)} and {format_fen(terms.max_amount)}",
            )
        )
    if not terms.min_term_months <= term_months <= terms.max_term_months:
        errors.append(
            FieldError(
                ("term_months",),
                f"must be between {terms.min_term_months} and {terms.max_term_months} months",
            )
        )
    if errors:
        raise Invalid(tuple(errors))


def evaluate(policy: Policy, score: int, requested: Fen) -> PolicyResult:
    if score < policy.refer_at:
        return PolicyResult(
            Outcome.DECLINE,
            None,
            (
                Reason(
                    "POL_SCORE_BELOW_CUTOFF",
                    f"Credit score {score} is below the cut-off {policy.refer_at}",
                    f"信用评分 {score} 低于准入线 {policy.refer_at}",
                ),
            ),
        )
    if score < policy.approve_at:
        return PolicyResult(
            Outcome.REFER,
            None,
            (
                Reason(
                    "POL_SCORE_IN_REVIEW_BAND",
                    f"Credit score {score} is in the review band "
                    f"[{policy.refer_at}, {policy.approve_at})",
                    f"信用评分 {score} 处于人工审核区间 [{policy.refer_at}, {policy.approve_at})",
                ),
            ),
        )
    cap = next(b.max_amount for b in policy.amount_bands if score >= b.min_score)
    if requested <= cap:
        return PolicyResult(Outcome.APPROVE, requested, ())
    return PolicyResult(
        Outcome.APPROVE,
        cap,
        (
            Reason(
                "POL_AMOUNT_REDUCED",
                f"Amount reduced to {format_fen(cap)}, the most this score band allows",
                f"额度调整为 {format_fen(cap)}，为该评分段上限",
            ),
        ),
    )


def parse_policy(doc: Mapping[str, Any]) -> Policy:
    try:
        product = doc["product"]
        terms = ProductTerms(
            code=str(product["code"]),
            min_amount=yuan_to_fen(str(product["min_amount"])),
            max_amount=yuan_to_fen(str(product["max_amount"])),
            min_term_months=int(product["min_term_months"]),
            max_term_months=int(product["max_term_months"]),
        )
        bands = tuple(
            sorted(
                (
                    AmountBand(int(b["min_score"]), yuan_to_fen(str(b["max_amount"])))
                    for b in doc["amount_bands"]
                ),
                key=lambda b: -b.min_score,
            )
        )
        policy = Policy(
            version=str(doc["version"]),
            product=terms,
            approve_at=int(doc["cutoff"]["approve_at"]),
            refer_at=int(doc["cutoff"]["refer_at"]),
            amount_bands=bands,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid((FieldError(("policy",), f"malformed policy: {exc!r}"),)) from exc
    errors = [FieldError(("policy", *loc), msg) for loc, msg in _check(policy)]
    if errors:
        raise Invalid(tuple(errors))
    return policy


def _check(p: Policy) -> list[tuple[tuple[str, ...], str]]:
    found: list[tuple[tuple[str, ...], str]] = []
    if p.refer_at > p.approve_at:
        found.append((("cutoff",), "refer_at must not exceed approve_at"))
    if not 0 < p.product.min_amount <= p.product.max_amount:
        found.append((("product", "min_amount"), "need 0 < min_amount <= max_amount"))
    if not 0 < p.product.min_term_months <= p.product.max_term_months:
        found.append((("product", "min_term_months"), "need 0 < min_term <= max_term"))
    if not p.amount_bands:
        found.append((("amount_bands",), "at least one band is needed"))
    elif p.amount_bands[-1].min_score > p.approve_at:
        found.append((("amount_bands",), "no band covers scores from approve_at up: a gap"))
    if len({b.min_score for b in p.amount_bands}) != len(p.amount_bands):
        found.append((("amount_bands",), "two bands share a min_score: they overlap"))
    return found


def load_policy(path: Path | None = None) -> Policy:
    """Load a policy document; without a path, the starter policy shipped with Fengkong."""
    if path is None:
        text = resources.files("fengkong.decision").joinpath("policies/starter.yaml").read_text()
    else:
        text = path.read_text(encoding="utf-8")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Invalid((FieldError(("policy",), f"not valid YAML: {exc}"),)) from exc
    if not isinstance(doc, dict):
        raise Invalid((FieldError(("policy",), "a policy document is a mapping"),))
    return parse_policy(doc)
