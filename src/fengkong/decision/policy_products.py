"""The product a stored policy offers, for lending: `lending.ports.PolicyProducts` implemented
by compiling the stored bundle. Lending sits below decision and never imports it; the wiring
(`bootstrap`) hands it this instead."""

from __future__ import annotations

from collections.abc import Mapping

from fengkong.decision.bundle import PolicyBundle
from fengkong.lending.product import Product


class CompiledPolicyProducts:
    """Compiles the stored policy document (checking its sha256) and answers its product."""

    def product_of(self, bundle: Mapping[str, object], sha256: str) -> Product:
        return PolicyBundle.from_dict(bundle, sha256).compile().product


POLICY_PRODUCTS = CompiledPolicyProducts()

__all__ = ["POLICY_PRODUCTS", "CompiledPolicyProducts"]
