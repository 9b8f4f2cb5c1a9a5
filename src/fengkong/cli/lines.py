"""`fengkong line …`: credit lines (循环额度) from the command line, as `/v1/lines…` serves them:
open, show, draw, repay, freeze, unfreeze, close and change the limit; reinstate a line a rule
acted on (the borrower's dispute), and list the notices its borrower was sent.

Money-moving commands (open, draw, repay) take `--key`, an idempotency key: a retry with the same
key applies once. Changes of status or limit take `--reason`, recorded on the line and in the
audit log with the officer who acts: the logged-in user (or the key in the environment), whose
role must allow the command (`access.permissions.COMMAND_PERMISSIONS`).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, out
from fengkong.cli.finding_lending import line_list, line_show
from fengkong.cli.funds import (
    DateOpt,
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

app = typer.Typer(
    help="Credit lines: open, show, draw, repay, freeze, unfreeze, close, limit, reinstate, "
    "notices, scores, receipt-add, receipts.",
    no_args_is_help=True,
)

KeyOpt = Annotated[
    str, typer.Option("--key", help="Idempotency key: a retry with it applies once.")
]
ReasonOpt = Annotated[
    str, typer.Option("--reason", help="Why: required, recorded on the line and audited.")
]
AmountOpt = Annotated[str, typer.Option("--amount", help="Yuan, e.g. 3939.00")]


def _servicing() -> tuple[Any, str]:
    """The lending services, and the audit name of who acts if their role may service lines."""
    ctx = context()
    return ctx.lending, acting(ctx, Permission.LOANS_SERVICE).audit_name


def _line_doc(line: Any, svc: Any) -> dict[str, Any]:
    from fengkong.api.loan_schemas import LineOut
    from fengkong.lending.line_aging import line_aging

    return LineOut.of(line, line_aging(line.line_id, svc)).model_dump(mode="json")


def _print_line(doc: dict[str, Any]) -> None:
    out.print(
        f"line {doc['line_id']} [{doc['status']}] {doc['product']} at {doc['annual_rate']}: "
        f"limit ¥{doc['limit']}, drawn ¥{doc['drawn_outstanding']}, "
        f"available ¥{doc['available']}",
        highlight=False,
        markup=False,
    )
    if doc["draw_balances"]:
        draws = Table("draw", "principal outstanding")
        for d in doc["draw_balances"]:
            draws.add_row(d["draw_id"], d["principal_outstanding"])
        out.print(draws)
    history = Table("on", "change", "limit", "officer", "reason")
    for h in doc["history"]:
        limit = h["limit_after"]
        if h["limit_before"] != h["limit_after"] and h["kind"] != "opened":
            limit = f"{h['limit_before']} → {h['limit_after']}"
        history.add_row(h["on"], h["kind"], limit, h["officer"] or "-", h["reason"])
    out.print(history)


def _fen(amount: str, field: str) -> int:
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.core.money import yuan_to_fen

    try:
        return int(yuan_to_fen(amount.strip()))
    except Invalid:
        raise Invalid(
            (FieldError((field,), f"not an amount in yuan with at most two decimals: {amount!r}"),)
        ) from None


def _change(
    line_id: str, action: str, reason: str, as_json: bool, new_limit: str | None = None
) -> None:
    from fengkong.lending.credit_lines import change_line

    svc, officer = _servicing()
    line = change_line(
        line_id,
        action,
        reason,
        svc,
        officer=officer,
        new_limit=None if new_limit is None else _fen(new_limit, "new_limit"),
        actor=officer,
    )
    doc = _line_doc(line, svc)
    emit_json(doc) if as_json else _print_line(doc)


@app.command("open")
@cli_errors
def open_line(
    limit: Annotated[str, typer.Option("--limit", help="Yuan, e.g. 20000.00")],
    annual_rate: Annotated[str, typer.Option("--annual-rate", help="A fraction, e.g. 0.18")],
    key: KeyOpt,
    product: Annotated[str | None, typer.Option(help="A revolving-line product code.")] = None,
    application: Annotated[
        str | None,
        typer.Option(
            "--application",
            help="An approved application: its applicant borrows, up to the approved amount.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Open a line with a limit at an annual rate, on an approved application."""
    from decimal import Decimal, InvalidOperation

    from fengkong.core.errors import FieldError, Invalid
    from fengkong.lending.credit_lines import open_line as run

    svc, actor = _servicing()
    try:
        rate = Decimal(annual_rate.strip())
    except InvalidOperation:
        raise Invalid((FieldError(("annual_rate",), f"not a number: {annual_rate!r}"),)) from None
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise Invalid((FieldError(("annual_rate",), "a fraction between 0 and 1"),))
    line = run(
        _fen(limit, "limit"),
        rate,
        key,
        svc,
        product_code=product,
        application_id=application,
        actor=actor,
    )
    doc = _line_doc(line, svc)
    emit_json(doc) if as_json else _print_line(doc)


@app.command("draw")
@cli_errors
def draw(
    line_id: str,
    amount: AmountOpt,
    terms: Annotated[int, typer.Option("--terms", help="Months, as the product allows.")],
    key: KeyOpt,
    currency: Annotated[str, typer.Option()] = "CNY",
    purpose: PurposeOpt = None,
    payee_name: PayeeNameOpt = None,
    payee_account: PayeeAccountOpt = None,
    payee_bank: PayeeBankOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """支用: book a draw as its own loan and pay it out, for the purpose stated; under
    entrusted payment (受托支付) to the payee named.

    Refused (exit 1) above what is available, or on a frozen or closed line; exit 2 for a
    purpose the product does not allow, or a payee missing where the product requires one.
    """
    from fengkong.api.loan_schemas import DisbursementOut, LoanOut
    from fengkong.lending.credit_lines import draw as run

    svc, actor = _servicing()
    result = run(
        line_id,
        _fen(amount, "amount"),
        terms,
        key,
        svc,
        currency=currency,
        actor=actor,
        purpose=purpose,
        payee=payee_from(payee_name, payee_account, payee_bank),
    )
    doc = {
        "line": _line_doc(result.line, svc),
        "loan": LoanOut.of(result.loan).model_dump(mode="json"),
        "disbursement": DisbursementOut.of(result.disbursement).model_dump(mode="json"),
    }
    if as_json:
        emit_json(doc)
        return
    loan = doc["loan"]
    out.print(
        f"draw {loan['loan_id']} of ¥{loan['principal']} over {len(loan['positions'])} months; "
        f"payout {doc['disbursement']['payout']['status']}",
        highlight=False,
        markup=False,
    )
    _print_line(doc["line"])


@app.command("repay")
@cli_errors
def repay(
    line_id: str,
    draw_id: Annotated[str, typer.Option("--draw", help="The draw (its loan id) to repay.")],
    amount: AmountOpt,
    key: KeyOpt,
    currency: Annotated[str, typer.Option()] = "CNY",
    as_json: JsonOpt = False,
) -> None:
    """Repay a draw of the line by the waterfall; what it repays is available again."""
    from fengkong.api.line_schemas import LineRepaymentOut
    from fengkong.lending.line_aging import line_aging
    from fengkong.lending.line_repayment import repay_draw

    svc, actor = _servicing()
    result = repay_draw(
        line_id,
        draw_id,
        _fen(amount, "amount"),
        key,
        svc,
        currency=currency,
        actor=actor,
    )
    doc = LineRepaymentOut.of(result, line_aging(line_id, svc)).model_dump(mode="json")
    if as_json:
        emit_json(doc)
        return
    r = doc["repayment"]
    parts = ", ".join(f"{k} ¥{v}" for k, v in r["allocated"].items())
    out.print(
        f"{r['kind']} {r['repayment_id']} of ¥{r['amount']} on {r['loan_id']} {r['status']}: "
        f"{parts}; credit ¥{r['to_credit']}",
        highlight=False,
        markup=False,
    )
    _print_line(doc["line"])


@app.command("freeze")
@cli_errors
def freeze(line_id: str, reason: ReasonOpt, as_json: JsonOpt = False) -> None:
    """冻结: no more draws until an officer unfreezes the line; repayments go on."""
    _change(line_id, "freeze", reason, as_json)


@app.command("unfreeze")
@cli_errors
def unfreeze(line_id: str, reason: ReasonOpt, as_json: JsonOpt = False) -> None:
    """解冻: an officer lifts a freeze (the appeal path)."""
    _change(line_id, "unfreeze", reason, as_json)


@app.command("close")
@cli_errors
def close(line_id: str, reason: ReasonOpt, as_json: JsonOpt = False) -> None:
    """关闭: no more draws, ever; the draws already made are repaid as scheduled."""
    _change(line_id, "close", reason, as_json)


@app.command("limit")
@cli_errors
def limit(
    line_id: str,
    to: Annotated[str, typer.Option("--to", help="The new limit in yuan, e.g. 5000.00")],
    reason: ReasonOpt,
    as_json: JsonOpt = False,
) -> None:
    """调额: lower the limit (降额), or raise it (提额) on an active line within the product."""
    _change(line_id, "limit", reason, as_json, new_limit=to)


@app.command("reinstate")
@cli_errors
def reinstate(
    line_id: str,
    reason: ReasonOpt,
    acknowledge_blacklist: Annotated[
        bool,
        typer.Option(
            "--acknowledge-blacklist",
            help="Reverse an action taken for a black-list hit: overrides a fraud signal.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """复核恢复: reverse the latest automatic action on the line (a rule's freeze, reduction or
    close) on the borrower's dispute; the borrower is told, and the rule stays quiet on the line
    for the configured cooldown.

    Exit 2 without a reason or, for a black-list action, without --acknowledge-blacklist; exit 1
    for an unknown line, or one whose latest change is not a rule's.
    """
    from fengkong.lending.line_notices import reinstate as run

    ctx = context()
    officer = acting(ctx, Permission.LINES_REINSTATE).audit_name
    line = run(
        line_id,
        reason,
        ctx.servicing,
        officer=officer,
        acknowledge_blacklist=acknowledge_blacklist,
        actor=officer,
    )
    doc = _line_doc(line, ctx.lending)
    emit_json(doc) if as_json else _print_line(doc)


@app.command("notices")
@cli_errors
def notices(line_id: str, as_json: JsonOpt = False) -> None:
    """The notices the line's borrower was sent: each automatic action and each reversal."""
    from fengkong.api.loan_schemas import LineNoticeOut
    from fengkong.lending.line_notices import line_notices

    ctx = context()
    acting(ctx, Permission.SERVICING_READ)
    docs = [
        LineNoticeOut.of(r).model_dump(mode="json") for r in line_notices(line_id, ctx.servicing)
    ]
    if as_json:
        emit_json(docs)
        return
    table = Table("date", "notice", "reason", "limit", "language", "channel", "status")
    for d in docs:
        limit = d["limit_after"] or "-"
        if d["limit_before"] not in (None, d["limit_after"]):
            limit = f"{d['limit_before']} → {d['limit_after']}"
        table.add_row(
            d["business_date"],
            d["kind"],
            d["reason"] or "-",
            limit,
            d["language"],
            d["channel"],
            d["status"],
        )
    out.print(table)


# Finding lines: the list and the view, beside the other finders (`cli.finding_lending`).
app.command("list")(line_list)
app.command("show")(line_show)


@app.command("scores")
@cli_errors
def scores(
    line_id: str,
    limit: Annotated[int, typer.Option(help="How many, newest first (1-366).")] = 30,
    as_json: JsonOpt = False,
) -> None:
    """The behaviour scores of the line's borrower (贷后行为评分), newest first: the score the
    line rules and draw pricing read, its model, reasons and the main facts scored."""
    from fengkong.api.line_schemas import BehaviourScoreOut
    from fengkong.lending.rescoring import line_scores

    ctx = context()
    acting(ctx, Permission.SERVICING_READ)
    found = [BehaviourScoreOut.of(s) for s in line_scores(line_id, limit, ctx.rescoring)]
    if as_json:
        emit_json([s.model_dump(mode="json") for s in found])
        return
    if not found:
        out.print(
            f"line {line_id}: no behaviour score yet (no behaviour model is champion, or "
            "no end of day has run since one was promoted)",
            highlight=False,
        )
        return
    table = Table(
        "date",
        "score",
        "PD",
        "model",
        "reasons",
        "DPD",
        "worst 90d",
        "late",
        "utilisation",
        title=f"behaviour scores of line {line_id}'s borrower",
    )
    for s in found:
        f = s.facts
        table.add_row(
            s.business_date.isoformat(),
            str(s.score),
            f"{s.pd:.2%}",
            s.model_version,
            ", ".join(s.reasons) or "-",
            f"{f['days_past_due']:.0f}",
            f"{f['worst_days_past_due_90d']:.0f}",
            f"{f['instalments_late']:.0f}/{f['instalments_due']:.0f}",
            f"{f['utilisation']:.0%}",
        )
    out.print(table)


@app.command("receipt-add")
@cli_errors
def receipt_add(
    line_id: str,
    draw_id: str,
    number: NumberOpt,
    on: DateOpt,
    amount: ReceiptAmountOpt,
    payee_name: ReceiptPayeeOpt,
    file: FileOpt,
    as_json: JsonOpt = False,
) -> None:
    """Attach a receipt (发票/凭证) to a paid-out draw: exit 2 if it is over what is not yet
    covered, dated before the payout, or names another payee than the one paid."""
    add_receipt(draw_id, line_id, number, on, amount, payee_name, file, as_json)


@app.command("receipts")
@cli_errors
def receipts(line_id: str, draw_id: str, as_json: JsonOpt = False) -> None:
    """A draw's purpose, payee (masked), receipts and what they cover."""
    show_receipts(draw_id, line_id, as_json)
