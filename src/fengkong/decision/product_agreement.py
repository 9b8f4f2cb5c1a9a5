"""A policy offers a product of the catalogue, on the catalogue's terms.

A policy document declares its product in full, so the bundle a decision pins (docs/adr/0002)
carries every term the decision priced with and replays without the catalogue. The declaration
is a copy, checked where a policy enters the platform (submitted, configured at start-up): the
product `code@version` must be one the lending catalogue defines, and every term must equal the
catalogue's (`lending.catalogue.differing_terms`). A policy that wants other terms needs a new
product version in the catalogue first (docs/adr/0006). Stored bundles are never re-checked:
they replay as they decided.
"""

from __future__ import annotations

from collections.abc import Sequence

from fengkong.decision.document import Finding, PolicyError, parse_document
from fengkong.decision.policy import CompiledPolicy
from fengkong.lending.catalogue import differing_terms, find_product, product_id
from fengkong.lending.product import Product


def product_findings(declared: Product, products: Sequence[Product]) -> tuple[Finding, ...]:
    """Why `declared` is not the catalogue's product of its `code@version`; empty when it is."""
    name = product_id(declared)
    catalogued = find_product(products, declared.code, declared.version)
    if catalogued is None:
        known = ", ".join(sorted(product_id(p) for p in products if p.code == declared.code))
        known = known or ", ".join(sorted(product_id(p) for p in products))
        return (
            Finding(
                ("product", "version"),
                f"product {name} is not in the product catalogue (it holds {known}): a policy "
                "offers a product the catalogue defines, declared with the catalogue's terms",
            ),
        )
    differences = differing_terms(declared, catalogued)
    if not differences:
        return ()
    terms = ", ".join(d.name for d in differences)
    lead = Finding(
        ("product",),
        f"product {name} differs from the catalogue's {name} in {terms}: one code@version means "
        "one set of terms; declare the catalogue's terms, or give these a new product version "
        "in the catalogue",
    )
    return (
        lead,
        *(
            Finding(
                ("product", *d.term),
                f"{name} {d.name} is {_shown(d.term, d.one)} here, "
                f"{_shown(d.term, d.other)} in the catalogue",
            )
            for d in differences
        ),
    )


def _shown(term: tuple[str, ...], value: object) -> str:
    """A term's value as an author reads it: runs of months as `3-72`, amounts with their unit."""
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        runs: list[list[int]] = []
        for month in value:
            if runs and month == runs[-1][-1] + 1:
                runs[-1].append(month)
            else:
                runs.append([month])
        return "[" + ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs) + "]"
    if term[-1] in ("min_amount", "max_amount", "fixed"):
        return f"{value} fen"
    return str(value)


def check_policy_product(
    policy: CompiledPolicy, document: str, products: Sequence[Product], source: str = "<policy>"
) -> None:
    """Refuse (`PolicyError`, each finding with its line) a policy whose product is not the
    catalogue's product of the same `code@version`."""
    findings = product_findings(policy.product, products)
    if findings:
        raise parse_document(document, source).error(findings)


__all__ = ["PolicyError", "check_policy_product", "product_findings"]
