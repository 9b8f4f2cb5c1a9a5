"""Helpers for the fee agreement tests (no tests here): the product catalogue, and what the loan
agreement's text says, read back in fen so it can be compared with everything else."""

from __future__ import annotations

import re
from decimal import Decimal
from importlib import resources

from fengkong.core.money import Fen
from fengkong.decision.bundle import PolicyBundle, read_shipped_bundle
from fengkong.lending.config import LendingConfig
from fengkong.lending.product import Product


def shipped_bundles() -> tuple[PolicyBundle, ...]:
    """Every policy shipped in `fengkong/decision/policies/`."""
    folder = resources.files("fengkong.decision").joinpath("policies")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".yaml"))
    return tuple(read_shipped_bundle(name) for name in names)


def catalogue() -> tuple[Product, ...]:
    """Every product a loan can be booked under out of the box: the catalogue's, which holds the
    product of each shipped policy too (`test_one_code_and_version_is_one_product`)."""
    return LendingConfig().products


_ROW = re.compile(
    r"^\s*(\d+)\s+\| (\d{4}-\d\d-\d\d) \|\s+([\d,.]+) \|\s+([\d,.]+) \|\s+([\d,.]+) \|\s+([\d,.]+)$"
)


def fen(yuan: str) -> Fen:
    """'1,234.56' or '¥1,234.56' in fen."""
    return Fen(int(Decimal(yuan.replace("¥", "").replace(",", "")) * 100))


def contract_rows(text: str) -> list[tuple[int, str, Fen, Fen, Fen, Fen]]:
    """Article 3 of the agreement: (number, due, principal, interest, fee, total) per row."""
    rows = []
    for line in text.splitlines():
        found = _ROW.match(line)
        if found:
            number, due, *amounts = found.groups()
            principal, interest, fee, total = (fen(a) for a in amounts)
            rows.append((int(number), due, principal, interest, fee, total))
    return rows


def contract_amount(text: str, label: str) -> Fen:
    """The amount on the agreement's line starting with `label` (e.g. '服务费')."""
    for line in text.splitlines():
        if line.startswith(label):
            found = re.search(r"¥([\d,]+\.\d\d)", line)
            assert found is not None, line
            return fen(found.group(1))
    raise AssertionError(f"no line {label!r} in the agreement")
