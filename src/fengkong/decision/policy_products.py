"""The product a stored policy offers, for lending: `lending.ports.PolicyProducts` implemented
by compiling the stored bundle. Lending sits below decision and never imports it; the wiring
(`bootstrap`) hands it this instead."""

from __future__ import annotations

from collections.abc import Mapping

from fengkong.decision.bundle import PolicyBundle
from fengkong.lending.product import Product

# Policies in use at once are few; past this many, the oldest answer is forgotten.
REMEMBERED = 64


class CompiledPolicyProducts:
    """Checks the stored policy document against its sha256 and answers its product. The
    sha256 names the content, so the product compiled for one sha256 never changes: it is
    remembered, and each offer does not compile the policy again (the hash is still checked)."""

    def __init__(self) -> None:
        self._products: dict[str, Product] = {}

    def product_of(self, bundle: Mapping[str, object], sha256: str) -> Product:
        stored = PolicyBundle.from_dict(bundle, sha256)  # IntegrityBroken if it was altered
        product = self._products.get(sha256)
        if product is None:
            product = stored.compile().product
            if len(self._products) >= REMEMBERED:
                self._products.pop(next(iter(self._products)))
            self._products[sha256] = product
        return product


POLICY_PRODUCTS = CompiledPolicyProducts()

__all__ = ["POLICY_PRODUCTS", "CompiledPolicyProducts"]
