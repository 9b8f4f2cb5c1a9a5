"""`fengkong loan list`, `fengkong line list|show` and `fengkong customer list|show`: the loans,
credit lines and customers of the book, with the filters of the API lists."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, out
from fengkong.cli.finding import (
    APPLICATION_COLUMNS,
    CUSTOMER_COLUMNS,
    LINE_COLUMNS,
    LOAN_COLUMNS,
    ChannelOpt,
    CsvOpt,
    CursorOpt,
    CustomerOpt,
    Day,
    IdNumberOpt,
    LimitOpt,
    Many,
    PhoneOpt,
    SortOpt,
    _formats,
    _party,
    _who,
    emit_page,
    table_of,
)
from fengkong.core.errors import FieldError, Invalid

customer_app = typer.Typer(
    help="Customers: one borrower across applications, loans and lines.", no_args_is_help=True
)


@cli_errors
def loan_list(
    status: Annotated[
        list[str] | None,
        typer.Option(
            help="pending_disbursement, active, settled, written_off or cancelled; repeatable."
        ),
    ] = None,
    product: Many = None,
    booked_from: Day = None,
    booked_to: Day = None,
    dpd_min: Annotated[int | None, typer.Option(help="Days past due, at least.")] = None,
    dpd_max: Annotated[int | None, typer.Option(help="Days past due, at most.")] = None,
    bucket: Annotated[list[str] | None, typer.Option(help="M0, M1, M2, M3, M3+.")] = None,
    loan_class: Annotated[
        list[str] | None,
        typer.Option(help="normal, special_mention, substandard, doubtful or loss."),
    ] = None,
    line_id: Annotated[str | None, typer.Option(help="Draws of this line.")] = None,
    channel: ChannelOpt = None,
    customer: CustomerOpt = None,
    id_number: IdNumberOpt = None,
    phone: PhoneOpt = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    cursor: CursorOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Loans with DPD, bucket, class and borrower, newest booked first (sorts: booked_on,
    days_past_due, principal_outstanding, amount)."""
    from fengkong.api.search_schemas import LoanSummaryOut, page_out
    from fengkong.lending.search import find_loans, loan_filter

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.PORTFOLIO_SEARCH)
    finders = ctx.reads.finders
    f = loan_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=_who(customer, id_number, phone),
        status=status,
        product=product,
        booked_from=booked_from,
        booked_to=booked_to,
        dpd_min=dpd_min,
        dpd_max=dpd_max,
        bucket=bucket,
        loan_class=loan_class,
        line_id=line_id,
        channel=channel,
        buckets=tuple(t.name for t in ctx.lending.config.buckets),
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    page = find_loans(f, finders.loans, finders.vault)
    doc = page_out(f.page, page, [LoanSummaryOut.of(r) for r in page.items])
    emit_page(doc, LOAN_COLUMNS, as_json, as_csv, "loans")


@cli_errors
def line_list(
    status: Annotated[list[str] | None, typer.Option(help="active, frozen or closed.")] = None,
    product: Many = None,
    opened_from: Day = None,
    opened_to: Day = None,
    customer: CustomerOpt = None,
    id_number: IdNumberOpt = None,
    phone: PhoneOpt = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    cursor: CursorOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Credit lines with limit, drawn and available, newest first (sorts: opened_at, limit)."""
    from fengkong.api.search_schemas import LineSummaryOut, page_out
    from fengkong.lending.search import find_lines, line_filter

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.PORTFOLIO_SEARCH)
    finders = ctx.reads.finders
    f = line_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=_who(customer, id_number, phone),
        status=status,
        product=product,
        opened_from=opened_from,
        opened_to=opened_to,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    page = find_lines(f, finders.lines, finders.vault)
    doc = page_out(f.page, page, [LineSummaryOut.of(r) for r in page.items])
    emit_page(doc, LINE_COLUMNS, as_json, as_csv, "credit lines")


@cli_errors
def line_show(line_id: str, as_json: JsonOpt = False) -> None:
    """A credit line: limit, drawn, available, its draws and history, its borrower, and the
    notices its borrower was sent (`line notices`)."""
    from fengkong.api.loan_schemas import LineNoticeOut, LineOut
    from fengkong.api.search_schemas import LineSummaryOut
    from fengkong.lending.credit_lines import get_line
    from fengkong.lending.line_aging import line_aging
    from fengkong.lending.line_notices import line_notices
    from fengkong.lending.search import show_line

    ctx = context()
    acting(ctx, Permission.SERVICING_READ)
    summary = LineSummaryOut.of(show_line(line_id, ctx.finders.lines, ctx.finders.vault))
    doc: dict[str, Any] = {
        **LineOut.of(get_line(line_id, ctx.lending), line_aging(line_id, ctx.lending)).model_dump(
            mode="json"
        ),
        "application_id": summary.application_id,
        "opened_at": summary.opened_at.isoformat(),
        "borrower": None if summary.borrower is None else summary.borrower.model_dump(),
        "notices": [
            LineNoticeOut.of(r).model_dump(mode="json")
            for r in line_notices(line_id, ctx.servicing)
        ],
    }
    if as_json:
        emit_json(doc)
        return
    out.print(
        f"line {doc['line_id']} [{doc['status']}] {doc['product']} limit ¥{doc['limit']}, "
        f"drawn ¥{doc['drawn_outstanding']}, available ¥{doc['available']} at "
        f"{doc['annual_rate']}; borrower {_party(doc)}",
        highlight=False,
        markup=False,
    )
    table = Table("on", "change", "limit before", "limit after", "officer", "reason")
    for h in doc["history"]:
        table.add_row(
            h["on"],
            h["kind"],
            h["limit_before"],
            h["limit_after"],
            h["officer"] or "-",
            h["reason"],
        )
    out.print(table)
    if doc["draws"]:
        out.print("draws: " + ", ".join(doc["draws"]), highlight=False)
    if doc["notices"]:
        notices = Table("date", "notice to the borrower", "reason", "status")
        for n in doc["notices"]:
            notices.add_row(n["business_date"], n["kind"], n["reason"] or "-", n["status"])
        out.print(notices)


@customer_app.command("list")
@cli_errors
def customer_list(
    product: Many = None,
    applied_from: Day = None,
    applied_to: Day = None,
    customer: CustomerOpt = None,
    id_number: IdNumberOpt = None,
    phone: PhoneOpt = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    cursor: CursorOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Customers who applied (in the range, for the product), latest first (sorts:
    last_applied_at, first_applied_at); identity masked."""
    from fengkong.api.search_schemas import CustomerSummaryOut, page_out
    from fengkong.lending.customers import customer_filter, find_customers

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.CUSTOMERS_READ)
    finders = ctx.finders
    f = customer_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=_who(customer, id_number, phone),
        product=product,
        applied_from=applied_from,
        applied_to=applied_to,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    page = find_customers(f, finders)
    doc = page_out(f.page, page, [CustomerSummaryOut.of(r) for r in page.items])
    emit_page(doc, CUSTOMER_COLUMNS, as_json, as_csv, "customers")


@customer_app.command("show")
@cli_errors
def customer_show(
    customer_id: Annotated[
        str | None, typer.Argument(help="A customer id (cus_…).", show_default=False)
    ] = None,
    id_number: IdNumberOpt = None,
    phone: PhoneOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One borrower: applications, decisions, loans and lines, with masked identity. Name them
    by customer id, or by full --id-number or --phone."""
    from fengkong.api.search_schemas import CustomerOut
    from fengkong.decision.customer_view import CustomerNotFound, customer_view
    from fengkong.lending.customers import customer_filter
    from fengkong.lending.customers import find_customers as find

    ctx = context()
    acting(ctx, Permission.CUSTOMERS_READ)
    finders = ctx.finders
    if customer_id is None:
        if id_number is None and phone is None:
            raise Invalid(
                (FieldError(("customer_id",), "give a customer id, --id-number or --phone"),)
            )
        f = customer_filter(
            vault=finders.vault,
            as_of=finders.clock.business_date(),
            who=_who(None, id_number, phone),
        )
        found = find(f, finders).items
        if not found:
            raise CustomerNotFound("no customer with that ID number or phone")
        if len(found) > 1:
            ids = ", ".join(c.customer_id for c in found)
            raise Invalid(
                (FieldError(("phone",), f"{len(found)} customers have it; show one of: {ids}"),)
            )
        customer_id = found[0].customer_id
    doc = CustomerOut.of(customer_view(customer_id, finders)).model_dump(mode="json")
    if as_json:
        emit_json(doc)
        return
    out.print(
        f"customer {doc['customer_id']}\n{doc['name']}  {doc['id_number']}  {doc['phone']}",
        highlight=False,
    )
    for title, columns, key in (
        ("applications", APPLICATION_COLUMNS, "applications"),
        ("loans", LOAN_COLUMNS, "loans"),
        ("credit lines", LINE_COLUMNS, "lines"),
    ):
        if not doc[key]:
            out.print(f"no {title}", highlight=False)
            continue
        shown = [c for c in columns if c[0] != "borrower"]  # the customer, every row
        out.print(table_of(shown, doc[key], title))
