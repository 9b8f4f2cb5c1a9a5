"""`fengkong servicing …`: guarantors, guarantees, cards, collateral, collections and line
borrowers from the command line. Every reporting command takes `--json`. Each runs as the
logged-in user (or the key in the environment), if its role allows the command
(`access.permissions.COMMAND_PERMISSIONS`); what it changes is audited with that user's name."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import (
    JsonOpt,
    acting,
    cli_errors,
    context,
    decimal_option,
    emit_json,
    out,
    yuan_option,
)
from fengkong.cli.engine_options import (
    DaskAddressOpt,
    EngineOpt,
    SparkMasterOpt,
    check_engine,
)
from fengkong.cli.eod import DateOpt, SimulateOpt
from fengkong.core.money import fen_to_yuan

if TYPE_CHECKING:  # the CLI imports the services when a command runs, to start fast
    from fengkong.lending.servicing import ServicingServices

app = typer.Typer(
    help="Servicing: guarantees, auto-debit cards, collateral, collections.", no_args_is_help=True
)


def services(permission: Permission) -> tuple[ServicingServices, str]:
    """The servicing services, and the audit name of who acts if their role grants
    `permission`."""
    ctx = context()
    actor = acting(ctx, permission)
    servicing: ServicingServices = ctx.servicing
    return servicing, actor.audit_name


def _y(fen: int) -> str:
    return str(fen_to_yuan(fen))


@app.command("guarantor-add")
@cli_errors
def guarantor_add(
    name: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    id_number: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    phone: Annotated[str | None, typer.Option()] = None,
    company: Annotated[bool, typer.Option(help="A company: the ID is its USCC.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Register a guarantor (sealed by the vault; the same identity gives the same guarantor)."""
    from fengkong.lending.guarantee import register_guarantor
    from fengkong.lending.guarantee_rules import GuarantorIdentity, GuarantorKind

    svc, actor = services(Permission.LOANS_SERVICE)
    kind = GuarantorKind.COMPANY if company else GuarantorKind.INDIVIDUAL
    g = register_guarantor(GuarantorIdentity(kind, name, id_number, phone), svc, actor=actor)
    doc = {"guarantor_id": g.guarantor_id, "kind": g.kind.value}
    emit_json(doc) if as_json else out.print(f"guarantor {g.guarantor_id} ({g.kind.value})")


@app.command("guarantee-add")
@cli_errors
def guarantee_add(
    loan_id: str,
    share: Annotated[str, typer.Option(help="Share of what is owed, e.g. 0.5")],
    guarantor: Annotated[str | None, typer.Option(help="Guarantor id")] = None,
    group: Annotated[str | None, typer.Option(help="联保 group id")] = None,
    borrower_member: Annotated[
        str | None, typer.Option(help="The group member who borrows")
    ] = None,
    cap: Annotated[str | None, typer.Option(help="Cap in yuan")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Attach a guarantor, or a joint-guarantee group, to a loan."""
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.lending.guarantee import add_group_guarantee, add_guarantee

    svc, actor = services(Permission.LOANS_SERVICE)
    if (guarantor is None) == (group is None):
        raise Invalid((FieldError(("guarantor",), "give --guarantor or --group"),))
    if guarantor is not None:
        made: tuple[Any, ...] = (
            add_guarantee(
                loan_id,
                guarantor,
                decimal_option(share, "share"),
                svc,
                cap=None if cap is None else yuan_option(cap, "cap"),
                actor=actor,
            ),
        )
    else:
        assert group is not None
        made = add_group_guarantee(
            loan_id,
            group,
            decimal_option(share, "share"),
            svc,
            borrower_member=borrower_member,
            actor=actor,
        )
    docs = [{"guarantee_id": g.guarantee_id, "guarantor_id": g.guarantor_id} for g in made]
    emit_json(docs) if as_json else out.print(f"{len(docs)} guarantee(s) on {loan_id}")


@app.command("group-add")
@cli_errors
def group_add(
    name: str,
    member: Annotated[list[str], typer.Option(help="Guarantor id; repeat for each member")],
    as_json: JsonOpt = False,
) -> None:
    """Create a 联保 group whose members guarantee each other's loans."""
    from fengkong.lending.guarantee import create_group

    svc, actor = services(Permission.LOANS_SERVICE)
    g = create_group(name, member, svc, actor=actor)
    doc = {"group_id": g.group_id, "members": list(g.members)}
    emit_json(doc) if as_json else out.print(f"group {g.group_id}: {', '.join(g.members)}")


@app.command("exposure")
@cli_errors
def exposure(guarantor_id: str, as_json: JsonOpt = False) -> None:
    """A guarantor's exposure: its share of what is outstanding on each loan it guarantees."""
    from fengkong.lending.guarantee import guarantor_exposure

    svc, _ = services(Permission.SERVICING_READ)
    e = guarantor_exposure(guarantor_id, svc)
    doc = {
        "guarantor_id": guarantor_id,
        "total": _y(e.total),
        "loans": [{"loan_id": x.loan_id, "exposure": _y(x.amount)} for x in e.lines],
    }
    if as_json:
        emit_json(doc)
        return
    out.print(f"exposure of {guarantor_id}: ¥{doc['total']}")


@app.command("card-bind")
@cli_errors
def card_bind(
    loan_id: str,
    card_number: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    as_json: JsonOpt = False,
) -> None:
    """Bind the card a loan is auto-debited from on its due dates."""
    from fengkong.lending.autodebit import bind_card

    svc, actor = services(Permission.LOANS_SERVICE)
    card = bind_card(loan_id, card_number, svc, actor=actor)
    doc = {"loan_id": loan_id, "card": card.display, "status": card.status.value}
    emit_json(doc) if as_json else out.print(f"{loan_id}: card {card.display} bound")


@app.command("debits")
@cli_errors
def debits(loan_id: str, as_json: JsonOpt = False) -> None:
    """Every auto-debit attempt of a loan."""
    from fengkong.lending.autodebit import debit_attempts

    svc, _ = services(Permission.SERVICING_READ)
    docs: list[dict[str, Any]] = [
        {
            "due_date": a.due_date.isoformat(),
            "attempt": a.attempt,
            "on": a.business_date.isoformat(),
            "amount": _y(a.amount),
            "status": a.status.value,
            "error": a.error,
        }
        for a in debit_attempts(loan_id, svc)
    ]
    if as_json:
        emit_json(docs)
        return
    table = Table("due", "attempt", "on", "amount", "status", "error")
    for d in docs:
        table.add_row(
            d["due_date"], str(d["attempt"]), d["on"], d["amount"], d["status"], d["error"] or ""
        )
    out.print(table)


@app.command("collateral-add")
@cli_errors
def collateral_add(
    loan_id: str,
    type: Annotated[str, typer.Option(help="deposit, property, vehicle, …")],
    value: Annotated[str, typer.Option(help="Yuan")],
    source: Annotated[str, typer.Option()] = "appraisal",
    description: Annotated[str, typer.Option()] = "",
    as_json: JsonOpt = False,
) -> None:
    """Pledge collateral (or top up) with its first valuation; the LTV is reviewed at once."""
    from fengkong.lending.collateral_service import add_collateral

    svc, actor = services(Permission.LOANS_SERVICE)
    view = add_collateral(
        loan_id,
        type,
        yuan_option(value, "value"),
        svc,
        source=source,
        description=description,
        actor=actor,
    )
    _print_collateral(view, as_json)


@app.command("collateral-value")
@cli_errors
def collateral_value(
    item_id: str,
    value: Annotated[str, typer.Option(help="Yuan")],
    source: Annotated[str, typer.Option()] = "appraisal",
    as_json: JsonOpt = False,
) -> None:
    """A new valuation of a collateral item."""
    from fengkong.lending.collateral_service import revalue_collateral

    svc, actor = services(Permission.LOANS_SERVICE)
    view = revalue_collateral(item_id, yuan_option(value, "value"), svc, source=source, actor=actor)
    _print_collateral(view, as_json)


@app.command("collateral")
@cli_errors
def collateral_show(loan_id: str, as_json: JsonOpt = False) -> None:
    """A loan's collateral, LTV and margin calls."""
    from fengkong.lending.collateral_service import collateral_of

    svc, _ = services(Permission.SERVICING_READ)
    _print_collateral(collateral_of(loan_id, svc), as_json)


def _print_collateral(view: Any, as_json: bool) -> None:
    doc = {
        "loan_id": view.loan_id,
        "ltv": str(view.ltv),
        "items": [
            {"item_id": i.item_id, "type": i.type.value, "haircut": str(i.haircut)}
            for i in view.items
        ],
        "margin_calls": [
            {
                "opened_on": c.opened_on.isoformat(),
                "deadline": c.deadline.isoformat(),
                "status": c.status.value,
            }
            for c in view.calls
        ],
    }
    if as_json:
        emit_json(doc)
        return
    out.print(f"{view.loan_id}: LTV {doc['ltv']}, {len(view.items)} item(s)")
    for c in doc["margin_calls"]:
        out.print(f"  margin call {c['opened_on']} → {c['deadline']}: {c['status']}")


@app.command("queue")
@cli_errors
def queue(
    limit: Annotated[int, typer.Option()] = 50,
    as_json: JsonOpt = False,
) -> None:
    """The collections queue, riskiest first."""
    from fengkong.lending.collections import collection_queue

    svc, _ = services(Permission.COLLECTIONS_READ)
    cases = collection_queue(svc, limit=limit)
    docs: list[dict[str, Any]] = [
        {
            "loan_id": c.loan_id,
            "bucket": c.bucket,
            "days_past_due": c.days_past_due,
            "pd": None if c.pd is None else str(c.pd),
            "score": c.score,
            "overdue": _y(c.overdue),
            "flags": list(c.flags),
        }
        for c in cases
    ]
    if as_json:
        emit_json(docs)
        return
    table = Table("loan", "bucket", "DPD", "PD", "score", "overdue", "flags")
    for d in docs:
        table.add_row(
            d["loan_id"],
            d["bucket"],
            str(d["days_past_due"]),
            d["pd"] or "",
            "" if d["score"] is None else str(d["score"]),
            d["overdue"],
            ",".join(d["flags"]),
        )
    out.print(table)


@app.command("act")
@cli_errors
def act(
    loan_id: str,
    kind: Annotated[str, typer.Option(help="call, sms, visit or legal")],
    note: Annotated[str, typer.Option()],
    as_json: JsonOpt = False,
) -> None:
    """Record a collections action, as the logged-in officer."""
    from fengkong.lending.collections import record_action

    svc, officer = services(Permission.COLLECTIONS_WORK)
    done = record_action(loan_id, kind, note, officer, svc)
    doc = {"action_id": done.action_id, "kind": done.kind.value}
    emit_json(doc) if as_json else out.print(f"{loan_id}: {done.kind.value} recorded")


@app.command("promise")
@cli_errors
def promise(
    loan_id: str,
    amount: Annotated[str, typer.Option(help="Yuan")],
    on: Annotated[str, typer.Option("--on", help="Promised date YYYY-MM-DD")],
    as_json: JsonOpt = False,
) -> None:
    """Record a promise to pay, as the logged-in officer."""
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.lending.collections import record_promise

    svc, officer = services(Permission.COLLECTIONS_WORK)
    try:
        day = date.fromisoformat(on)
    except ValueError as exc:
        raise Invalid((FieldError(("on",), f"not a date: {on!r}"),)) from exc
    made = record_promise(loan_id, yuan_option(amount, "amount"), day, officer, svc)
    doc = {"promise_id": made.promise_id, "status": made.status.value}
    emit_json(doc) if as_json else out.print(f"{loan_id}: promise {made.promise_id} recorded")


@app.command("line-borrower")
@cli_errors
def line_borrower(
    line_id: str,
    application_id: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    id_number: Annotated[str | None, typer.Option()] = None,
    language: Annotated[str | None, typer.Option(help="zh-CN or en")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record whose line it is (by blind index), for the end-of-day black-list check."""
    from fengkong.lending.blacklist_trigger import bind_line_borrower

    svc, actor = services(Permission.LOANS_SERVICE)
    bound = bind_line_borrower(
        line_id,
        svc,
        application_id=application_id,
        id_number=id_number,
        phone=phone,
        language=language,
        actor=actor,
    )
    doc = {"line_id": line_id, "language": bound.language}
    emit_json(doc) if as_json else out.print(f"line {line_id}: borrower bound")


@cli_errors
def eod(
    business_date: DateOpt = None,
    simulate: SimulateOpt = False,
    engine: EngineOpt = "local",
    dask_address: DaskAddressOpt = None,
    spark_master: SparkMasterOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """End of day with every servicing step (auto-debit, reminders, guarantor calls, margin
    calls, collections, black-list check) and the portfolio snapshot after the loan chunks; the
    same as `fengkong eod`, and as it run by an admin."""
    from fengkong.cli.eod import run_eod

    check_engine(engine, dask_address, spark_master)
    ctx = context()
    admin = acting(ctx, Permission.OPERATIONS_RUN).audit_name
    run_eod(
        ctx.lending,
        business_date,
        steps=ctx.eod_steps(),
        simulate=simulate,
        as_json=as_json,
        started_by=admin,
        engine=engine,
        dask_address=dask_address,
        spark_master=spark_master,
    )


app.command("eod")(eod)


# ---- approve if secured: the security that completes a conditional offer ------------------------


def _print_security(view: Any, as_json: bool) -> None:
    t, r = view.terms, view.registered
    doc = {
        "application_id": view.application_id,
        "decision_id": view.decision_id,
        "status": view.status.value,
        "expires_on": view.expires_on.isoformat(),
        "lapsed_on": None if view.lapsed_on is None else view.lapsed_on.isoformat(),
        "requirement": t.requirement,
        "code": t.code,
        "text_en": t.text_en,
        "text_zh": t.text_zh,
        "accepts": [k.value for k in t.accepts],
        "amount": _y(t.amount),
        "min_collateral_lending_value": None
        if t.min_lending_value is None
        else _y(t.min_lending_value),
        "registered": None if r is None else r.kind.value,
        "loan_id": None if r is None else r.loan_id,
    }
    if as_json:
        emit_json(doc)
        return
    out.print(f"{view.application_id}: {view.status.value} until {view.expires_on}")
    out.print(f"  {t.text_zh} / {t.text_en} ({t.code}, amount {_y(t.amount)})")
    if t.min_lending_value is not None:
        out.print(f"  collateral lending value ≥ {_y(t.min_lending_value)} / 抵质押物折后价值下限")
    if r is not None:
        out.print(f"  secured by a {r.kind.value}" + (f", loan {r.loan_id}" if r.loan_id else ""))


@app.command("security")
@cli_errors
def security(application_id: str, as_json: JsonOpt = False) -> None:
    """What an approve-if-secured offer asks for, until when, and what was registered."""
    from fengkong.lending.ownership import own_application
    from fengkong.lending.secured_offers import secured_offer_of

    ctx = context()
    actor = acting(ctx, Permission.APPLICATIONS_READ)
    own_application(ctx.lending, actor, Permission.APPLICATIONS_READ, application_id)
    _print_security(secured_offer_of(application_id, ctx.servicing), as_json)


@app.command("secure-collateral")
@cli_errors
def secure_collateral(
    application_id: str,
    type: Annotated[str, typer.Option(help="deposit, property, vehicle, …")],
    value: Annotated[str, typer.Option(help="The valuation, yuan")],
    source: Annotated[str, typer.Option()] = "appraisal",
    description: Annotated[str, typer.Option()] = "",
    as_json: JsonOpt = False,
) -> None:
    """Register collateral against an approve-if-secured offer (refused below its minimum)."""
    from fengkong.lending.secured_offers import secure_with_collateral

    svc, actor = services(Permission.LOANS_SERVICE)
    view = secure_with_collateral(
        application_id,
        type,
        yuan_option(value, "value"),
        svc,
        source=source,
        description=description,
        actor=actor,
    )
    _print_security(view, as_json)


@app.command("secure-guarantor")
@cli_errors
def secure_guarantor(
    application_id: str,
    guarantor: Annotated[str, typer.Option(help="Guarantor id (servicing guarantor-add)")],
    monthly_income: Annotated[str, typer.Option(help="The guarantor's monthly income, yuan")],
    as_json: JsonOpt = False,
) -> None:
    """Register a guarantor against an approve-if-secured offer (its own checks must pass)."""
    from fengkong.lending.secured_offers import secure_with_guarantor

    svc, actor = services(Permission.LOANS_SERVICE)
    view = secure_with_guarantor(
        application_id,
        guarantor,
        yuan_option(monthly_income, "monthly_income"),
        svc,
        actor=actor,
    )
    _print_security(view, as_json)
