"""`fengkong loan …` and `fengkong eod`: the lending use cases from the command line, each run as
the logged-in user or the key in the environment, if its role allows the command
(`access.permissions.COMMAND_PERMISSIONS`, the permissions of the matching API routes). A
channel key reads, accepts and repays only its own channel's applications and loans, as over the
API (`lending.ownership`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import (
    EXIT_FAILED,
    JsonOpt,
    acting,
    cli_errors,
    context,
    decimal_option,
    emit_json,
    failure,
    out,
)
from fengkong.cli.engine_options import (
    DaskAddressOpt,
    EngineOpt,
    SparkMasterOpt,
    check_engine,
)
from fengkong.cli.eod import DateOpt, SimulateOpt
from fengkong.cli.finding_lending import loan_list
from fengkong.cli.funds import DateOpt as ReceiptDateOpt
from fengkong.cli.funds import (
    FileOpt,
    NumberOpt,
    PayeeAccountOpt,
    PayeeBankOpt,
    PayeeNameOpt,
    PurposeOpt,
    ReceiptAmountOpt,
    ReceiptPayeeOpt,
    add_receipt,
    payee_from,
    show_receipts,
)
from fengkong.core.money import fen_to_yuan, format_fen, yuan_to_fen

app = typer.Typer(
    help="Loans: offers, booking, payout, repayments, settlement.", no_args_is_help=True
)

KeyOpt = Annotated[
    str, typer.Option("--key", help="Idempotency key: a retry with it applies once.")
]


def _loan_doc(view: Any) -> dict[str, Any]:
    from fengkong.api.loan_schemas import LoanOut

    return LoanOut.of(view).model_dump(mode="json")


def _print_loan(doc: dict[str, Any]) -> None:
    out.print(
        f"loan {doc['loan_id']} [{doc['status']}] {doc['product']} principal ¥{doc['principal']} "
        f"at {doc['annual_rate']}; outstanding ¥{doc['outstanding']}; DPD {doc['days_past_due']} "
        f"{doc['dpd_bucket']} {doc['loan_class']} as of {doc['accrued_through']}"
    )
    table = Table("no.", "due", "scheduled", "outstanding", "DPD")
    for p in doc["positions"]:
        table.add_row(
            str(p["number"]),
            p["due"],
            p["scheduled_total"],
            p["outstanding"],
            str(p["days_past_due"]),
        )
    out.print(table)


@app.command("offer")
@cli_errors
def offer(application_id: str, as_json: JsonOpt = False) -> None:
    """The schedule, APR and total cost offered to an approved application."""
    from fengkong.api.loan_schemas import OfferOut
    from fengkong.lending.origination import quote_offer
    from fengkong.lending.ownership import own_application

    ctx = context()
    actor = acting(ctx, Permission.LOANS_READ)
    own_application(ctx.lending, actor, Permission.LOANS_READ, application_id)
    doc = OfferOut.of(quote_offer(application_id, ctx.lending)).model_dump(mode="json")
    if as_json:
        emit_json(doc)
        return
    out.print(
        f"{doc['product']}: ¥{doc['amount']} at {doc['annual_rate']}, APR {doc['apr']}, "
        f"total cost ¥{doc['total_cost']}"
    )
    table = Table("no.", "due", "principal", "interest", "fee", "total")
    for i in doc["schedule"]:
        table.add_row(
            str(i["number"]), i["due"], i["principal"], i["interest"], i["fee"], i["total"]
        )
    out.print(table)


@app.command("accept")
@cli_errors
def accept(application_id: str, key: KeyOpt, as_json: JsonOpt = False) -> None:
    """Book the offered loan and render its contract."""
    from fengkong.lending.origination import accept_offer
    from fengkong.lending.ownership import own_application

    ctx = context()
    actor = acting(ctx, Permission.OFFERS_ACCEPT)
    own_application(ctx.lending, actor, Permission.OFFERS_ACCEPT, application_id)
    doc = _loan_doc(accept_offer(application_id, key, ctx.lending, actor.audit_name))
    emit_json(doc) if as_json else _print_loan(doc)


@app.command("disburse")
@cli_errors
def disburse(
    loan_id: str,
    key: KeyOpt,
    purpose: PurposeOpt = None,
    payee_name: PayeeNameOpt = None,
    payee_account: PayeeAccountOpt = None,
    payee_bank: PayeeBankOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Pay a booked loan out through the payment channel, for the purpose stated (else the
    application's), to the payee under entrusted payment (受托支付). Exit 1 if the channel
    declined every attempt (the booking is then reversed); exit 2 for a purpose or payee the
    product refuses."""
    from fengkong.api.loan_schemas import DisbursementOut
    from fengkong.lending.disbursement import disburse as run
    from fengkong.lending.payment import PayoutStatus

    ctx = context()
    actor = acting(ctx, Permission.LOANS_SERVICE)
    paid = run(
        loan_id,
        key,
        ctx.lending,
        actor.audit_name,
        purpose=purpose,
        payee=payee_from(payee_name, payee_account, payee_bank),
    )
    doc = DisbursementOut.of(paid).model_dump(mode="json")
    declined = doc["payout"]["status"] == PayoutStatus.FAILED.value
    if declined:
        doc |= failure(
            "payout_failed",
            "Payout declined",
            f"the channel declined the payout of {loan_id}: {doc['payout']['last_error']}",
        )
    if as_json:
        emit_json(doc)
    else:
        out.print(f"loan {loan_id}: {doc['loan_status']}; payout {doc['payout']['status']}")
    if declined:
        raise typer.Exit(EXIT_FAILED)


@app.command("show")
@cli_errors
def show(loan_id: str, as_json: JsonOpt = False) -> None:
    """A loan with its schedule, DPD, bucket and class."""
    from fengkong.lending.origination import get_loan
    from fengkong.lending.ownership import own_loan

    ctx = context()
    actor = acting(ctx, Permission.LOANS_READ)
    own_loan(ctx.lending, actor, Permission.LOANS_READ, loan_id)
    doc = _loan_doc(get_loan(loan_id, ctx.lending))
    emit_json(doc) if as_json else _print_loan(doc)


def _print_payment(doc: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit_json(doc)
        return
    parts = ", ".join(f"{k} ¥{v}" for k, v in doc["allocated"].items())
    out.print(
        f"{doc['kind']} {doc['repayment_id']} of ¥{doc['amount']} {doc['status']}: {parts}; "
        f"credit ¥{doc['to_credit']}; loan {doc['loan_status']}"
    )


@app.command("repay")
@cli_errors
def repay(
    loan_id: str,
    amount: Annotated[str, typer.Option(help="Yuan, e.g. 888.49")],
    key: KeyOpt,
    currency: Annotated[str, typer.Option()] = "CNY",
    as_json: JsonOpt = False,
) -> None:
    """Post a repayment; the waterfall pays penalty, fees, interest, principal, oldest first."""
    from fengkong.api.loan_schemas import RepaymentOut
    from fengkong.lending.ownership import own_loan
    from fengkong.lending.repayment import post_repayment

    ctx = context()
    actor = acting(ctx, Permission.LOANS_REPAY)
    own_loan(ctx.lending, actor, Permission.LOANS_REPAY, loan_id)
    posted = post_repayment(
        loan_id,
        int(yuan_to_fen(amount)),
        key,
        ctx.lending,
        currency=currency,
        actor=actor.audit_name,
    )
    _print_payment(RepaymentOut.of(posted).model_dump(mode="json"), as_json)


@app.command("reverse")
@cli_errors
def reverse(
    loan_id: str,
    repayment_id: str,
    key: KeyOpt,
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit log).")],
    as_json: JsonOpt = False,
) -> None:
    """Reverse (冲正) the latest repayment of a loan."""
    from fengkong.api.loan_schemas import RepaymentOut
    from fengkong.lending.repayment import reverse_repayment

    ctx = context()
    actor = acting(ctx, Permission.LOANS_SERVICE)
    posted = reverse_repayment(
        loan_id, repayment_id, key, reason, ctx.lending, actor=actor.audit_name
    )
    _print_payment(RepaymentOut.of(posted).model_dump(mode="json"), as_json)


@app.command("settlement-quote")
@cli_errors
def settlement_quote(loan_id: str, as_json: JsonOpt = False) -> None:
    """What it takes to settle the loan today."""
    from fengkong.lending.ownership import own_loan
    from fengkong.lending.repayment import quote_settlement

    ctx = context()
    actor = acting(ctx, Permission.LOANS_READ)
    own_loan(ctx.lending, actor, Permission.LOANS_READ, loan_id)
    q = quote_settlement(loan_id, ctx.lending)
    doc = {
        "on": q.on.isoformat(),
        "principal": str(fen_to_yuan(q.principal)),
        "interest": str(fen_to_yuan(q.interest)),
        "fee": str(fen_to_yuan(q.fee)),
        "penalty": str(fen_to_yuan(q.penalty)),
        "prepayment_fee": str(fen_to_yuan(q.prepayment_fee)),
        "credit": str(fen_to_yuan(q.credit)),
        "payable": str(fen_to_yuan(q.payable)),
    }
    if as_json:
        emit_json(doc)
        return
    out.print(f"settle {loan_id} on {q.on}: pay {format_fen(q.payable)}")


@app.command("settle")
@cli_errors
def settle(
    loan_id: str,
    amount: Annotated[str, typer.Option(help="Yuan: at least the settlement quote's payable")],
    key: KeyOpt,
    as_json: JsonOpt = False,
) -> None:
    """Settle the loan early (提前结清)."""
    from fengkong.api.loan_schemas import RepaymentOut
    from fengkong.lending.ownership import own_loan
    from fengkong.lending.repayment import settle_loan

    ctx = context()
    actor = acting(ctx, Permission.LOANS_REPAY)
    own_loan(ctx.lending, actor, Permission.LOANS_REPAY, loan_id)
    posted = settle_loan(
        loan_id, int(yuan_to_fen(amount)), key, ctx.lending, actor=actor.audit_name
    )
    _print_payment(RepaymentOut.of(posted).model_dump(mode="json"), as_json)


@app.command("restructure")
@cli_errors
def restructure(
    loan_id: str,
    reason: Annotated[str, typer.Option(help="Why (recorded on the loan and in the audit log).")],
    extra_terms: Annotated[int | None, typer.Option(help="展期: months added.")] = None,
    new_terms: Annotated[int | None, typer.Option(help="Re-amortise over this many.")] = None,
    annual_rate: Annotated[str | None, typer.Option(help="New rate, e.g. 0.10")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask, as the logged-in officer, to extend the term or re-amortise the outstanding
    principal; an approver other than you approves it (`fengkong approvals approve ID`)."""
    from fengkong.lending.loan_changes import request_restructure

    ctx = context()
    actor = acting(ctx, Permission.LOANS_SERVICE)
    request = request_restructure(
        loan_id,
        reason,
        actor,
        ctx.lending,
        extra_terms=extra_terms,
        new_terms=new_terms,
        annual_rate=None if annual_rate is None else decimal_option(annual_rate, "annual_rate"),
    )
    _print_request(request, as_json)


@app.command("write-off")
@cli_errors
def write_off(
    loan_id: str,
    reason: Annotated[str, typer.Option(help="Why: fraud, death, bankruptcy… (audited).")],
    as_json: JsonOpt = False,
) -> None:
    """Ask, as the logged-in officer, to write the loan off (核销) now, whatever its days past
    due; an approver other than you approves it (`fengkong approvals approve ID`)."""
    from fengkong.lending.loan_changes import request_write_off

    ctx = context()
    actor = acting(ctx, Permission.LOANS_WRITE_OFF)
    request = request_write_off(loan_id, reason, actor, ctx.lending)
    _print_request(request, as_json)


def _print_request(request: Any, as_json: bool) -> None:
    doc = {
        "request_id": request.id,
        "kind": request.kind.value,
        "subject": request.subject,
        "status": request.status.value,
        "maker": request.maker,
    }
    if as_json:
        emit_json(doc)
    else:
        out.print(f"{request.id}: {request.kind.value} of {request.subject} awaits an approver")


@cli_errors
def eod(
    business_date: DateOpt = None,
    partitions: Annotated[
        int,
        typer.Option(
            min=1,
            help="Loan partitions (by a hash of the loan id), processed in turn; with --engine "
            "dask or spark each chunk's arithmetic is cut into as many slices as the engine runs "
            "at once.",
        ),
    ] = 1,
    chunk: Annotated[int | None, typer.Option(min=1, help="Loans per committed chunk.")] = None,
    simulate: SimulateOpt = False,
    engine: EngineOpt = "local",
    dask_address: DaskAddressOpt = None,
    spark_master: SparkMasterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """End of day: accrue, age, classify, provision, fire line triggers, write off. Idempotent
    for a date, resumable after a crash, and catches up missed dates in order. Refuses a date
    after today's business date (unless --simulate) or before the last completed end of day.
    Run by an admin; the loans' postings are the system's, the run's start is audited with the
    admin's name. With --engine dask or spark the loans' arithmetic (accrual, ageing,
    provisioning) runs on the cluster; reads, postings and commits stay here."""
    from fengkong.cli.eod import run_eod

    check_engine(engine, dask_address, spark_master)
    ctx = context()
    actor = acting(ctx, Permission.OPERATIONS_RUN)
    # Auto-debit, reminders, guarantor calls, collateral, collections and the black-list check
    # run after the loans of each date, then the portfolio snapshot and early warning.
    run_eod(
        ctx.lending,
        business_date,
        steps=ctx.eod_steps(),
        simulate=simulate,
        as_json=as_json,
        partitions=partitions,
        chunk=chunk,
        started_by=actor.audit_name,
        engine=engine,
        dask_address=dask_address,
        spark_master=spark_master,
    )


# Finding loans: the list, beside the other finders (`cli.finding_lending`).
app.command("list")(loan_list)


@app.command("receipt-add")
@cli_errors
def receipt_add(
    loan_id: str,
    number: NumberOpt,
    on: ReceiptDateOpt,
    amount: ReceiptAmountOpt,
    payee_name: ReceiptPayeeOpt,
    file: FileOpt,
    as_json: JsonOpt = False,
) -> None:
    """Attach a receipt (发票/凭证) to a paid-out loan: exit 2 if it is over what is not yet
    covered, dated before the payout, or names another payee than the one paid."""
    add_receipt(loan_id, None, number, on, amount, payee_name, file, as_json)


@app.command("receipts")
@cli_errors
def receipts(loan_id: str, as_json: JsonOpt = False) -> None:
    """A loan's purpose, payee (masked), receipts and what they cover."""
    show_receipts(loan_id, None, as_json)
