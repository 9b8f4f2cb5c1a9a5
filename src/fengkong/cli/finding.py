"""`fengkong application|decision|loan|line|customer list` and `… show`: finding things.

The filters are those of the API lists (`api/routes/search.py`), validated by the same
functions; a customer is also found by full `--id-number` or `--phone` (blind index, never
shown). Output: a table, one JSON document with `--json` (`items` and `next_cursor`), or CSV
rows with `--csv`; the next page's cursor goes to stderr under the table.
"""

from __future__ import annotations

import csv
import operator
import sys
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli import applications
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, err, out
from fengkong.core.errors import FieldError, Invalid
from fengkong.onboarding.channel import SALES_CHANNELS

application_app = typer.Typer(
    help="Applications: list, show, and identity checks.", no_args_is_help=True
)

CsvOpt = Annotated[bool, typer.Option("--csv", help="Print CSV rows on stdout.")]
Many = Annotated[
    list[str] | None,
    typer.Option(help="Repeat, or separate values with commas.", show_default=False),
]
Day = Annotated[str | None, typer.Option(help="YYYY-MM-DD (business date).", show_default=False)]
CustomerOpt = Annotated[
    str | None, typer.Option("--customer", help="A customer id (cus_…).", show_default=False)
]
IdNumberOpt = Annotated[
    str | None,
    typer.Option(
        "--id-number", help="Full resident ID number (matched by blind index).", show_default=False
    ),
]
PhoneOpt = Annotated[
    str | None,
    typer.Option(
        "--phone", help="Full mobile number (matched by blind index).", show_default=False
    ),
]
SortOpt = Annotated[
    str | None, typer.Option(help="Sort key, '-' first for descending.", show_default=False)
]
LimitOpt = Annotated[int | None, typer.Option(help="Rows per page, 1 to 500 (default 50).")]
CursorOpt = Annotated[
    str | None, typer.Option(help="The cursor printed after the previous page.", show_default=False)
]

ChannelOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--channel",
        help=f"Sales channel: {', '.join(SALES_CHANNELS)}; repeat, or separate with commas.",
        show_default=False,
    ),
]
OutcomeOpt = Annotated[
    list[str] | None, typer.Option(help="approve, decline, refer or verify; repeatable.")
]
RequestIdOpt = Annotated[
    str | None,
    typer.Option(
        "--request-id",
        help="The X-Request-ID of the API request that made the decision.",
        show_default=False,
    ),
]

Column = tuple[str, Callable[[dict[str, Any]], object]]


def _who(customer: str | None, id_number: str | None, phone: str | None) -> Any:
    from fengkong.core.filters import Who

    return Who(customer=customer, id_number=id_number, phone=phone)


def _formats(as_json: bool, as_csv: bool) -> None:
    if as_json and as_csv:
        raise Invalid((FieldError(("csv",), "choose --json or --csv, not both"),))


def _party(doc: dict[str, Any]) -> str:
    b = doc.get("borrower")
    return "-" if not b else f"{b['name']} {b['id_number']}"


def _flat(doc: dict[str, Any], prefix: str = "") -> dict[str, object]:
    """One CSV row: nested objects as `outer_inner` columns, lists joined by spaces."""
    row: dict[str, object] = {}
    for key, value in doc.items():
        if isinstance(value, dict):
            row.update(_flat(value, f"{prefix}{key}_"))
        elif isinstance(value, list):
            row[prefix + key] = " ".join(
                str(v.get("code", v)) if isinstance(v, dict) else str(v) for v in value
            )
        else:
            row[prefix + key] = "" if value is None else value
    return row


def emit_page(
    page: Any, columns: Sequence[Column], as_json: bool, as_csv: bool, title: str
) -> None:
    """A page (`PageOut`) as a table, one JSON document or CSV rows."""
    doc = page.model_dump(mode="json")
    if as_json:
        emit_json(doc)
        return
    if as_csv:
        rows = [_flat(item) for item in doc["items"]]
        fields = list(rows[0]) if rows else [header for header, _ in columns]
        writer = csv.DictWriter(sys.stdout, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        if doc["next_cursor"]:
            err.print(f"more: --cursor {doc['next_cursor']}", highlight=False, soft_wrap=True)
        return
    out.print(table_of(columns, doc["items"], title))
    if doc["next_cursor"]:
        err.print(f"more: --cursor {doc['next_cursor']}", highlight=False, soft_wrap=True)
    elif not doc["items"]:
        err.print("nothing found", highlight=False)


_WHOLE = frozenset(
    {"id", "received", "decided", "booked", "opened", "status", "outcome", "amount", "principal"}
)


def table_of(columns: Sequence[Column], items: Sequence[dict[str, Any]], title: str) -> Table:
    """Values fold rather than being cut short, and ids stay whole on one line: both are copied
    into the next command."""
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for header, _ in columns:
        table.add_column(header, no_wrap=header in _WHOLE, overflow="fold")
    for item in items:
        table.add_row(*("-" if (v := get(item)) is None else str(v) for _, get in columns))
    return table


def rows_table(rows: Sequence[dict[str, Any]], title: str) -> Table:
    """`table_of` for rows already shaped for people: their keys are the headers, in order."""
    columns = [(h, operator.itemgetter(h)) for h in rows[0]] if rows else []
    return table_of(columns, rows, title)


def business_day(instant: str) -> str:
    """The business date (Beijing) of an ISO instant: the date the filters and books use."""
    from datetime import datetime

    from fengkong.core.clock import BUSINESS_TZ

    return datetime.fromisoformat(instant).astimezone(BUSINESS_TZ).date().isoformat()


def _channel(doc: dict[str, Any]) -> str:
    """`channel app`, `channel partner ant-1`, or `channel unknown` (stored before channels)."""
    partner = f" {doc['channel_partner']}" if doc.get("channel_partner") else ""
    return f"channel {doc['channel'] or 'unknown'}{partner}"


def _name(doc: dict[str, Any]) -> str:
    b = doc.get("borrower")
    return "-" if not b else str(b["name"])


# The tables keep to what fits a terminal; --json and --csv carry every field.
APPLICATION_COLUMNS: tuple[Column, ...] = (
    ("id", lambda d: d["id"]),
    ("received", lambda d: business_day(d["received_at"])),
    ("amount", lambda d: d["amount"]),
    ("outcome", lambda d: d["outcome"]),
    ("score", lambda d: d["score"]),
    ("channel", lambda d: d["channel"]),
    ("borrower", _name),
)
DECISION_COLUMNS: tuple[Column, ...] = (
    ("id", lambda d: d["id"]),
    ("decided", lambda d: business_day(d["decided_at"])),
    ("outcome", lambda d: d["outcome"]),
    ("score", lambda d: d["score"]),
    ("policy", lambda d: d["policy_version"]),
    ("borrower", _name),
)
LOAN_COLUMNS: tuple[Column, ...] = (
    ("id", lambda d: d["loan_id"]),
    ("status", lambda d: d["status"]),
    ("booked", lambda d: d["booked_on"]),
    ("principal", lambda d: d["principal_outstanding"]),
    ("DPD", lambda d: d["days_past_due"]),
    ("bucket", lambda d: d["dpd_bucket"]),
    ("borrower", _name),
)
LINE_COLUMNS: tuple[Column, ...] = (
    ("id", lambda d: d["line_id"]),
    ("status", lambda d: d["status"]),
    ("limit", lambda d: d["limit"]),
    ("available", lambda d: d["available"]),
    ("opened", lambda d: business_day(d["opened_at"])),
    ("borrower", _name),
)
CUSTOMER_COLUMNS: tuple[Column, ...] = (
    ("customer id", lambda d: d["customer_id"]),
    ("name", lambda d: d["name"]),
    ("ID number", lambda d: d["id_number"]),
    ("phone", lambda d: d["phone"]),
    ("apps", lambda d: d["applications"]),
)


@application_app.command("list")
@cli_errors
def application_list(
    product: Many = None,
    outcome: OutcomeOpt = None,
    channel: ChannelOpt = None,
    request_id: RequestIdOpt = None,
    received_from: Day = None,
    received_to: Day = None,
    policy_version: Annotated[str | None, typer.Option(show_default=False)] = None,
    model_version: Annotated[str | None, typer.Option(show_default=False)] = None,
    customer: CustomerOpt = None,
    id_number: IdNumberOpt = None,
    phone: PhoneOpt = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    cursor: CursorOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Applications with their decision, newest first (sorts: received_at, amount)."""
    from fengkong.api.search_schemas import ApplicationSummaryOut, page_out
    from fengkong.decision.search import application_filter, find_applications

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.PORTFOLIO_SEARCH)
    finders = ctx.reads.finders
    f = application_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=_who(customer, id_number, phone),
        product=product,
        outcome=outcome,
        channel=channel,
        request_id=request_id,
        received_from=received_from,
        received_to=received_to,
        policy_version=policy_version,
        model_version=model_version,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    page = find_applications(f, finders.applications, finders.vault)
    doc = page_out(f.page, page, [ApplicationSummaryOut.of(r) for r in page.items])
    emit_page(doc, APPLICATION_COLUMNS, as_json, as_csv, "applications")


@application_app.command("show")
@cli_errors
def application_show(application_id: str, as_json: JsonOpt = False) -> None:
    """One application with its decision, reasons and offer; personal data masked. A channel
    key sees only its own channel's."""
    from fengkong.api.routes.applications import show_application
    from fengkong.lending.ownership import own_application

    ctx = context()
    actor = acting(ctx, Permission.APPLICATIONS_READ)
    own_application(ctx.lending, actor, Permission.APPLICATIONS_READ, application_id)
    doc = show_application(application_id, ctx).model_dump(mode="json")
    if as_json:
        emit_json(doc)
        return
    d = doc["decision"]
    out.print(
        f"{doc['id']} {doc['received_at'][:16]} {doc['product']} ¥{doc['amount']} "
        f"{doc['term_months']} months, {_channel(doc)}; {doc['applicant_name']} "
        f"{doc['applicant_id_number']} {doc['applicant_phone']}",
        highlight=False,
    )
    out.print(
        f"decision {d['decision_id']}: {d['outcome']}, score {d['score']}, approved "
        f"{d['approved_amount'] or '-'}, policy {d['policy_version']}",
        highlight=False,
    )
    for r in d["reasons"]:
        out.print(f"  {r['code']}: {r['text_en']} / {r['text_zh']}", markup=False)


@cli_errors
def decision_list(
    product: Many = None,
    outcome: OutcomeOpt = None,
    channel: ChannelOpt = None,
    request_id: RequestIdOpt = None,
    decided_from: Day = None,
    decided_to: Day = None,
    score_min: Annotated[int | None, typer.Option(show_default=False)] = None,
    score_max: Annotated[int | None, typer.Option(show_default=False)] = None,
    policy_version: Annotated[str | None, typer.Option(show_default=False)] = None,
    model_version: Annotated[str | None, typer.Option(show_default=False)] = None,
    customer: CustomerOpt = None,
    id_number: IdNumberOpt = None,
    phone: PhoneOpt = None,
    sort: SortOpt = None,
    limit: LimitOpt = None,
    cursor: CursorOpt = None,
    as_json: JsonOpt = False,
    as_csv: CsvOpt = False,
) -> None:
    """Decisions with their reasons, newest first (sorts: decided_at, score)."""
    from fengkong.api.search_schemas import DecisionSummaryOut, page_out
    from fengkong.decision.search import decision_filter, find_decisions

    _formats(as_json, as_csv)
    ctx = context()
    acting(ctx, Permission.PORTFOLIO_SEARCH)
    finders = ctx.reads.finders
    f = decision_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=_who(customer, id_number, phone),
        product=product,
        outcome=outcome,
        channel=channel,
        request_id=request_id,
        decided_from=decided_from,
        decided_to=decided_to,
        score_min=score_min,
        score_max=score_max,
        policy_version=policy_version,
        model_version=model_version,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    page = find_decisions(f, finders.decisions, finders.vault)
    doc = page_out(f.page, page, [DecisionSummaryOut.of(r) for r in page.items])
    emit_page(doc, DECISION_COLUMNS, as_json, as_csv, "decisions")


@cli_errors
def decision_show(decision_id: str, as_json: JsonOpt = False) -> None:
    """One decision: outcome, score, limit, price, reasons and versions; borrower masked. A
    channel key sees only its own channel's."""
    from fengkong.access.permissions import channel_scope
    from fengkong.api.search_schemas import DecisionSummaryOut
    from fengkong.decision.search import DecisionNotFound, show_decision

    ctx = context()
    actor = acting(ctx, Permission.DECISIONS_READ)
    finders = ctx.finders
    row = show_decision(decision_id, finders.decisions, finders.vault)
    scope = channel_scope(actor, Permission.DECISIONS_READ)
    if scope is not None and (row.channel is None or row.channel.value != scope):
        raise DecisionNotFound(f"no decision {decision_id!r}")
    doc = DecisionSummaryOut.of(row).model_dump(mode="json")
    if as_json:
        emit_json(doc)
        return
    out.print(
        f"{doc['id']} {doc['decided_at'][:16]} {doc['outcome']} (application "
        f"{doc['application_id']}, {_party(doc)}): score {doc['score']}, PD "
        f"{doc['probability_of_default']}, approved {doc['approved_amount'] or '-'} at "
        f"{doc['annual_rate'] or '-'}; policy {doc['policy_version']}, model "
        f"{doc['model_version']}",
        highlight=False,
    )
    for r in doc["reasons"]:
        out.print(f"  {r['code']}: {r['text_en']} / {r['text_zh']}", markup=False)


# Making the identity check a decision waits for (`cli.applications.verify`).
application_app.command("verify")(applications.verify)
