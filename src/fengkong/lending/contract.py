"""The loan agreement (借款合同): a versioned Jinja2 template rendered in Chinese and English with
the schedule, the APR and the total cost; its sha256 goes into the audit log, so the text the
borrower accepted can be proven later."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from fengkong.core.money import format_fen
from fengkong.lending.quote import Quote

if TYPE_CHECKING:
    from jinja2 import Environment

# v2 names the borrower by masked name and resident ID number beside the application; v1 named
# the application only. Stored contracts keep the text (and sha256) they were signed with.
TEMPLATE_VERSION = "loan-agreement-v2"
UNNAMED = "—"


@dataclass(frozen=True, slots=True)
class ContractParty:
    """The borrower as the contract names them: masks only (`张*`, `110***********1239`)."""

    name: str
    id_number: str


@dataclass(frozen=True, slots=True)
class Contract:
    loan_id: str
    template_version: str
    text: str
    sha256: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    # Only rendering a contract needs the template engine, not every start of the lending service.
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(
        loader=PackageLoader("fengkong.lending", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.01'))}%"


def render_contract(
    loan_id: str,
    offer: Quote,
    signed_on: date,
    *,
    borrower_ref: str,
    borrower: ContractParty | None = None,
    lender: str = "Fengkong Lending",
    template_version: str = TEMPLATE_VERSION,
) -> Contract:
    """Render the agreement; `borrower_ref` is an id and `borrower` holds masks, never personal
    data in clear."""
    template = _environment().get_template(f"{template_version}.txt.j2")
    text = template.render(
        loan_id=loan_id,
        lender=lender,
        borrower_ref=borrower_ref,
        borrower_name=UNNAMED if borrower is None else borrower.name,
        borrower_id_number=UNNAMED if borrower is None else borrower.id_number,
        signed_on=signed_on.isoformat(),
        product=f"{offer.product_code} v{offer.product_version}",
        amount=format_fen(offer.amount),
        principal=format_fen(offer.principal),
        disbursed=format_fen(offer.disbursed),
        origination_fee=format_fen(offer.origination_fee),
        annual_rate=_percent(offer.annual_rate),
        apr=_percent(offer.apr),
        effective_apr=_percent(offer.effective_apr),
        total_cost=format_fen(offer.total_cost),
        total_repaid=format_fen(sum(i.total for i in offer.schedule)),
        terms=len(offer.schedule),
        schedule=[
            {
                "number": i.number,
                "due": i.due.isoformat(),
                "principal": format_fen(i.principal, symbol=False),
                "interest": format_fen(i.interest, symbol=False),
                "fee": format_fen(i.fee, symbol=False),
                "total": format_fen(i.total, symbol=False),
            }
            for i in offer.schedule
        ],
        template_version=template_version,
    )
    return Contract(loan_id, template_version, text, hashlib.sha256(text.encode()).hexdigest())
