"""`fengkong policy`: policy versions (submit, list, show) and their activation under
maker-checker (request, approve, reject), each as the logged-in person: the author and the
requester are recorded by audit name (`user:rita`), and the approver must be neither."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, out
from fengkong.cli.engine_options import DaskAddressOpt, EngineOpt, PartitionsOpt, SparkMasterOpt

if TYPE_CHECKING:
    from fengkong.decision.backtest_report import BacktestReport
    from fengkong.decision.policy_registry import PolicyVersion, Validate

app = typer.Typer(
    help="Policy versions: submit, activate (maker-checker), list.", no_args_is_help=True
)


def _doc(p: PolicyVersion, *, document: bool = False) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": p.id,
        "version": p.version,
        "status": p.status.value,
        "sha256": p.sha256,
        "author": p.author,
        "created_at": p.created_at.isoformat(),
        "requested_role": None if p.requested_role is None else p.requested_role.value,
        "requested_by": p.requested_by,
        "approved_by": p.approved_by,
        "activated_at": None if p.activated_at is None else p.activated_at.isoformat(),
        "retired_at": None if p.retired_at is None else p.retired_at.isoformat(),
    }
    if document:
        doc["document"] = p.document
    return doc


def _validator(ctx: object) -> Validate:
    from fengkong.decision.policy_registry import validate_policy

    hook = getattr(ctx, "policy_validator", None)
    return hook if callable(hook) else validate_policy


@app.command("submit")
@cli_errors
def policy_submit(
    file: Annotated[Path, typer.Argument(help="The policy document (YAML or JSON).")],
    as_json: JsonOpt = False,
) -> None:
    """Check FILE and store it as a draft under the version it names, authored by you."""
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.decision.policy_admin import submit_policy

    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid((FieldError(("file",), f"cannot read {file}: {exc}"),)) from None
    ctx = context()
    author = acting(ctx, Permission.POLICIES_AUTHOR)
    policy, created = submit_policy(
        ctx.uow(), text, author=author.audit_name, clock=ctx.clock, validate=_validator(ctx)
    )
    if as_json:
        emit_json({**_doc(policy), "created": created})
    else:
        state = "stored as a draft" if created else "already stored, unchanged"
        out.print(f"{policy.version} {state} (sha256 {policy.sha256[:12]})")


@app.command("request")
@cli_errors
def policy_request(
    version: str,
    challenger: Annotated[
        bool, typer.Option("--challenger", help="Activate as the challenger, not the champion.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Ask, as the logged-in risk manager, for VERSION to be activated; an approver other than
    its author and you approves it."""
    from fengkong.decision.policy_admin import request_policy_activation
    from fengkong.decision.policy_registry import Role

    role = Role.CHALLENGER if challenger else Role.CHAMPION
    ctx = context()
    by = acting(ctx, Permission.POLICIES_AUTHOR).audit_name
    policy = request_policy_activation(
        ctx.uow(), version, requested_by=by, clock=ctx.clock, role=role, validate=_validator(ctx)
    )
    if as_json:
        emit_json(_doc(policy))
    else:
        out.print(f"{policy.version} awaits approval as {role.value}")


@app.command("approve")
@cli_errors
def policy_approve(
    version: str,
    as_json: JsonOpt = False,
) -> None:
    """Approve VERSION's pending activation as the logged-in approver (not its author, not its
    requester); the version that held the role retires."""
    from fengkong.decision.policy_admin import approve_policy_activation

    ctx = context()
    checker = acting(ctx, Permission.POLICIES_APPROVE)
    policy, previous = approve_policy_activation(
        ctx.uow(), version, checker=checker, clock=ctx.clock
    )
    retired = None if previous is None else previous.version
    if as_json:
        emit_json({**_doc(policy), "retired": retired})
    else:
        out.print(
            f"{policy.version} is {policy.status.value}"
            + (f"; {retired} retired" if retired else "")
        )


@app.command("reject")
@cli_errors
def policy_reject(
    version: str,
    reason: Annotated[str, typer.Option(help="Why, for the author.")],
    as_json: JsonOpt = False,
) -> None:
    """Send VERSION's pending activation back to draft, as the logged-in approver."""
    from fengkong.decision.policy_admin import reject_policy_activation

    ctx = context()
    checker = acting(ctx, Permission.POLICIES_APPROVE)
    policy = reject_policy_activation(
        ctx.uow(), version, checker=checker, reason=reason, clock=ctx.clock
    )
    if as_json:
        emit_json(_doc(policy))
    else:
        out.print(f"{policy.version} is back to draft")


@app.command("list")
@cli_errors
def policy_list(as_json: JsonOpt = False) -> None:
    """Every stored version with its status."""
    from fengkong.decision.policy_registry import list_versions

    ctx = context()
    acting(ctx, Permission.POLICIES_READ)
    with ctx.uow() as uow:
        policies = list_versions(uow)
    if as_json:
        emit_json([_doc(p) for p in policies])
        return
    table = Table("version", "status", "author", "approved by", "created", "sha256")
    for p in policies:
        table.add_row(
            p.version,
            p.status.value,
            p.author,
            p.approved_by or "-",
            p.created_at.isoformat()[:19],
            p.sha256[:12],
        )
    out.print(table)


@app.command("show")
@cli_errors
def policy_show(version: str, as_json: JsonOpt = False) -> None:
    """VERSION with its document."""
    from fengkong.decision.policy_registry import get

    ctx = context()
    acting(ctx, Permission.POLICIES_READ)
    with ctx.uow() as uow:
        policy = get(uow, version)
    if as_json:
        emit_json(_doc(policy, document=True))
    else:
        out.print(f"# {policy.version} ({policy.status.value}, sha256 {policy.sha256})")
        out.print(policy.document, markup=False, highlight=False)


def _day(text: str | None, option: str) -> date | None:
    from fengkong.core.errors import FieldError, Invalid

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid((FieldError((option,), f"not a date (YYYY-MM-DD): {text!r}"),)) from None


def _candidate_bundle(reference: str, uow: Any, like: Any) -> Any:
    """A policy file when REFERENCE names one (or looks like one), else a registry version."""
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.decision.backtest import stored_candidate
    from fengkong.decision.bundle import read_bundle

    path = Path(reference)
    if path.exists() or path.suffix.lower() in (".yaml", ".yml", ".json"):
        try:
            return read_bundle(path, dict(like.cap))
        except (OSError, UnicodeDecodeError) as exc:
            raise Invalid((FieldError(("candidate",), f"cannot read {path}: {exc}"),)) from None
    return stored_candidate(uow, reference, like)


def _percent(rate: Decimal | None) -> str:
    return "-" if rate is None else f"{rate * 100:.2f} %"


@app.command("backtest")
@cli_errors
def policy_backtest(
    candidate: Annotated[
        str, typer.Argument(help="A policy file (YAML or JSON) or a stored policy version.")
    ],
    since: Annotated[str, typer.Option(help="First business date decided, YYYY-MM-DD.")],
    until: Annotated[
        str | None, typer.Option(help="Last business date decided (default: up to now).")
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            help="Compare with this policy (file or version) re-run on the same facts, instead "
            "of the stored decisions: champion against challenger."
        ),
    ] = None,
    lgd: Annotated[str, typer.Option(help="Loss given default for expected loss.")] = "0.45",
    engine: EngineOpt = "local",
    dask_address: DaskAddressOpt = None,
    spark_master: SparkMasterOpt = None,
    partitions: PartitionsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Run CANDIDATE over the decisions stored since a date and compare it with them: approval,
    expected and observed bad rates, expected loss, the swap set and price changes. With
    --engine dask or spark the policies decide the stored facts on the cluster, PARTITIONS
    slices of a block at a time; the decisions are read and tallied here."""
    from fengkong.cli.engine_options import check_engine, engine_runner
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.decision.backtest import run_backtest

    check_engine(engine, dask_address, spark_master)

    first = _day(since, "since")
    assert first is not None
    last = _day(until, "until")
    try:
        loss_given_default = Decimal(lgd)
    except ArithmeticError:
        raise Invalid((FieldError(("lgd",), f"not a number: {lgd!r}"),)) from None
    ctx = context()
    acting(ctx, Permission.POLICIES_BACKTEST)
    with ctx.uow() as uow:
        policy = _candidate_bundle(candidate, uow, ctx.policy.bundle).compile()
        champion = (
            None
            if baseline is None
            else _candidate_bundle(baseline, uow, ctx.policy.bundle).compile()
        )
    with engine_runner(engine, dask_address, spark_master) as runner:
        report = run_backtest(
            ctx.uow(),
            policy,
            first,
            last,
            lgd=loss_given_default,
            baseline=champion,
            runner=runner,
            partitions=partitions,
        )
    document = {
        "since": first.isoformat(),
        "until": None if last is None else last.isoformat(),
        "baseline": "stored decisions" if champion is None else champion.label,
        **report.as_dict(),
    }
    if as_json:
        emit_json(document)
        return
    _print_backtest(report, "stored" if champion is None else champion.label)


def _print_backtest(report: BacktestReport, current: str) -> None:
    from fengkong.core.money import format_fen

    window = f"{report.first_decided_on} to {report.last_decided_on}"
    out.print(
        f"[bold]{report.policy}[/] over {report.decisions} decisions, {window}"
        + (f" ({report.skipped} without facts skipped)" if report.skipped else ""),
        highlight=False,
    )
    now, then = report.current, report.candidate
    sides = Table("", current, report.policy, title="Current against candidate")
    for outcome in ("approve", "approve_secured", "decline", "refer", "verify"):
        sides.add_row(
            f"{outcome} (rate)",
            f"{now.count(outcome)} ({_percent(now.rate(outcome))})",
            f"{then.count(outcome)} ({_percent(then.rate(outcome))})",
        )
    sides.add_row(
        "approved amount", format_fen(now.approved.amount), format_fen(then.approved.amount)
    )
    sides.add_row(
        "expected bad rate (mean PD)",
        _percent(now.approved.expected_bad_rate),
        _percent(then.approved.expected_bad_rate),
    )
    sides.add_row(
        "observed bad rate (known)",
        f"{_percent(now.approved.observed_bad_rate)} ({now.approved.observed_known})",
        f"{_percent(then.approved.observed_bad_rate)} ({then.approved.observed_known})",
    )
    sides.add_row(
        f"expected loss (LGD {report.lgd})",
        format_fen(now.approved.expected_loss),
        format_fen(then.approved.expected_loss),
    )
    out.print(sides)
    swaps = Table(
        "swap",
        "count",
        "amount",
        "expected bad rate",
        "observed bad rate (known)",
        "expected loss",
        title="Swap set",
    )
    for name, group in (("in", report.swap_in), ("out", report.swap_out)):
        swaps.add_row(
            name,
            str(group.count),
            format_fen(group.amount),
            _percent(group.expected_bad_rate),
            f"{_percent(group.observed_bad_rate)} ({group.observed_known})",
            format_fen(group.expected_loss),
        )
    out.print(swaps)
    prices = report.price_changes
    moves = Table("approved by both", "up", "down", "same", "mean change", title="Price changes")
    mean = prices.mean_rate_change
    moves.add_row(
        f"rate ({prices.priced})",
        str(prices.up),
        str(prices.down),
        str(prices.same),
        "-" if mean is None else f"{mean * 100:+.4f} pp",
    )
    moves.add_row(
        f"amount ({prices.both_approved})",
        str(prices.amount_up),
        str(prices.amount_down),
        str(prices.amount_same),
        "",
    )
    out.print(moves)
    if report.decline_reasons:
        reasons = Table("code", "declines", title="Candidate's decline reasons")
        for code, n in report.decline_reasons:
            reasons.add_row(code, str(n))
        out.print(reasons)
