"""The use of funds on the command line (docs/use-of-funds.md): the options a draw or payout
states its purpose and payee with, and the receipts commands of `fengkong line` and
`fengkong loan` (`receipt-add`, `receipts`), as `/v1/…/receipts` serves them."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import acting, context, emit_json, out

if TYPE_CHECKING:
    from fengkong.lending.use_of_funds import Payee

PurposeOpt = Annotated[
    str | None,
    typer.Option(
        "--purpose",
        help="用途: one of the product's purpose codes, e.g. business_working_capital.",
    ),
]
PayeeNameOpt = Annotated[
    str | None,
    typer.Option("--payee-name", help="受托支付: the counterparty paid instead of the borrower."),
]
PayeeAccountOpt = Annotated[
    str | None, typer.Option("--payee-account", help="The payee's bank account number.")
]
PayeeBankOpt = Annotated[str | None, typer.Option("--payee-bank", help="The payee's bank.")]
NumberOpt = Annotated[str, typer.Option("--number", help="The receipt's (invoice's) number.")]
DateOpt = Annotated[str, typer.Option("--date", help="The receipt's date, YYYY-MM-DD.")]
ReceiptAmountOpt = Annotated[str, typer.Option("--amount", help="Yuan, e.g. 150000.00")]
ReceiptPayeeOpt = Annotated[str, typer.Option("--payee-name", help="The payee the receipt names.")]
FileOpt = Annotated[
    Path,
    typer.Option(
        "--file", help="The scanned receipt: its name and sha256 are recorded, not its bytes."
    ),
]


def payee_from(name: str | None, account: str | None, bank: str | None) -> Payee | None:
    """The payee given by the three options; None when none is given (a missing one is the
    use case's to name)."""
    from fengkong.lending.use_of_funds import Payee

    if name is None and account is None and bank is None:
        return None
    return Payee(name or "", account or "", bank or "")


def _receipt(number: str, on: str, amount: str, payee_name: str, file: Path) -> Any:
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.core.money import yuan_to_fen
    from fengkong.lending.funds import ReceiptIn

    errors = []
    try:
        issued_on = date.fromisoformat(on.strip())
    except ValueError:
        errors.append(FieldError(("date",), f"not a date YYYY-MM-DD: {on!r}"))
    try:
        fen = int(yuan_to_fen(amount.strip()))
    except Invalid:
        errors.append(FieldError(("amount",), f"not an amount in yuan: {amount!r}"))
    if not file.is_file():
        errors.append(FieldError(("file",), f"no such file: {file}"))
    if errors:
        raise Invalid(tuple(errors))
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    return ReceiptIn(number, issued_on, fen, payee_name, file.name, digest)


def _print(doc: dict[str, Any]) -> None:
    cover = doc["coverage"]
    payee = doc["payee"]
    to = f"; paid to {payee['name']} {payee['account']} ({payee['bank']})" if payee else ""
    out.print(
        f"{doc['loan_id']}: purpose {doc['purpose'] or '-'}{to}; receipts cover "
        f"¥{cover['covered']} of ¥{cover['paid_out']} ({cover['share']}), due "
        f"{cover['due_on'] or '-'}{', OVERDUE' if cover['overdue'] else ''}",
        highlight=False,
        markup=False,
    )
    if doc["receipts"]:
        table = Table("number", "date", "amount", "payee", "file", "sha256")
        for r in doc["receipts"]:
            table.add_row(
                r["number"],
                r["issued_on"],
                r["amount"],
                r["payee_name"],
                r["file_name"],
                r["sha256"][:12],
            )
        out.print(table)


def _emit(view: Any, as_json: bool) -> None:
    from fengkong.api.funds_schemas import FundUseOut

    doc = FundUseOut.of(view).model_dump(mode="json")
    emit_json(doc) if as_json else _print(doc)


def add_receipt(
    loan_id: str,
    line_id: str | None,
    number: str,
    on: str,
    amount: str,
    payee_name: str,
    file: Path,
    as_json: bool,
) -> None:
    """Attach a receipt, as the logged-in user, and print the draw's or loan's cover."""
    from fengkong.lending.receipts_trigger import add_receipt as attach

    ctx = context()
    actor = acting(ctx, Permission.LOANS_SERVICE).audit_name
    receipt = _receipt(number, on, amount, payee_name, file)
    _emit(attach(loan_id, receipt, ctx.servicing, line_id=line_id, actor=actor), as_json)


def show_receipts(loan_id: str, line_id: str | None, as_json: bool) -> None:
    """Print a draw's or loan's purpose, payee, receipts and their cover."""
    from fengkong.lending.funds import fund_use_view

    ctx = context()
    acting(ctx, Permission.SERVICING_READ)
    _emit(fund_use_view(loan_id, ctx.lending, line_id=line_id), as_json)
