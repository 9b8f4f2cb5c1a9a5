"""Policies (策略): every stored version with its status (draft, pending approval, active,
challenger, retired), who wrote it, who asked for its activation and who approved it; a version's
document; asking for its activation (risk managers), approving or rejecting that (an approver
who neither wrote nor asked for it); and its back-test over the stored decisions of a window.
The same use cases as `/v1/policies` and `fengkong policy`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from fengkong.api.routes.policies import policy_validator
from fengkong.core.errors import Conflict, Forbidden, Invalid, NotFound
from fengkong.decision import backtest as backtests
from fengkong.decision import policy_admin
from fengkong.decision import policy_registry as registry
from fengkong.decision.backtest_report import BacktestReport
from fengkong.decision.policy_registry import Role
from fengkong.web.auth import PREFIX, console_actor, context_of
from fengkong.web.i18n import N_
from fengkong.web.pages.section_forms import allowed, is_htmx, see_other
from fengkong.web.render import render

router = APIRouter()

POLICY_STATUS = {
    "draft": N_("Draft"),
    "pending_approval": N_("Pending approval"),
    "active": N_("Active (champion)"),
    "challenger": N_("Challenger"),
    "retired": N_("Retired"),
}
ROLES = {"champion": N_("Champion"), "challenger": N_("Challenger")}
OUTCOMES = {
    "approve": N_("Approve"),
    "approve_secured": N_("Approve if secured"),
    "decline": N_("Decline"),
    "refer": N_("Refer"),
    "verify": N_("Verify"),
}
NOT_MAKER = N_("You wrote this version or asked for its activation: another approver decides.")
WRONG_STATUS = N_("This version is not in a status that allows this step.")
REASON_NEEDED = N_("Give the reason for rejecting (at most 2,000 characters).")
SINCE_NEEDED = N_("Enter the first business date, as YYYY-MM-DD.")
UNTIL_BAD = N_("Enter a date on or after the first, or leave it empty.")
NO_DECISIONS = N_("No stored decision falls in that window.")
REFUSED_DOCUMENT = N_("The stored document is refused now; see the policy's rules.")


@router.get("/policies")
def policies_page(request: Request) -> Response:
    with context_of(request).uow() as uow:
        versions = registry.list_versions(uow)
    values = {"versions": list(reversed(versions)), "statuses": POLICY_STATUS, "roles": ROLES}
    return render(request, "policies.html.j2", values)


def _policy(
    request: Request,
    version: str,
    error: str | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    with context_of(request).uow() as uow:
        policy = registry.get(uow, version)
    values: dict[str, Any] = {
        "p": policy,
        "statuses": POLICY_STATUS,
        "roles": ROLES,
        "outcomes": OUTCOMES,
        "error": error,
        "reason": "",
        "reason_error": None,
        "window": {"since": "", "until": ""},
        "window_errors": {},
        "report": None,
        "allowed": allowed(request),
    }
    values.update(extra)
    template = "policy_activation.html.j2" if is_htmx(request) else "policy.html.j2"
    if extra.get("report") is not None or extra.get("window_errors"):
        template = "policy_backtest.html.j2" if is_htmx(request) else "policy.html.j2"
    return render(request, template, values, status=status)


@router.get("/policies/{version}")
def policy_page(request: Request, version: str) -> Response:
    return _policy(request, version)


def _done(request: Request, version: str) -> Response:
    if is_htmx(request):
        return _policy(request, version)
    return see_other(f"{PREFIX}/policies/{version}")


def _refused(request: Request, version: str, error: str, plain: int) -> Response:
    return _policy(request, version, error, 409 if is_htmx(request) else plain)


@router.post("/policies/{version}/activation")
def ask_activation(request: Request, version: str, role: Annotated[str, Form()] = "") -> Response:
    """Ask for the version to become the champion (or the challenger); an approver decides."""
    ctx = context_of(request)
    if role not in ROLES:
        return _policy(request, version, N_("Choose champion or challenger."), 422)
    try:
        policy_admin.request_policy_activation(
            ctx.uow(),
            version,
            requested_by=console_actor(request).audit_name,
            clock=ctx.clock,
            role=Role(role),
            validate=policy_validator(ctx),
        )
    except Invalid:
        return _policy(request, version, REFUSED_DOCUMENT, 422)
    except Conflict:
        return _refused(request, version, WRONG_STATUS, 409)
    return _done(request, version)


@router.post("/policies/{version}/activation/approve")
def approve(request: Request, version: str) -> Response:
    ctx = context_of(request)
    try:
        policy_admin.approve_policy_activation(
            ctx.uow(), version, checker=console_actor(request), clock=ctx.clock
        )
    except Forbidden:
        return _refused(request, version, NOT_MAKER, 403)
    except Conflict:
        return _refused(request, version, WRONG_STATUS, 409)
    return _done(request, version)


@router.post("/policies/{version}/activation/reject")
def reject(request: Request, version: str, reason: Annotated[str, Form()] = "") -> Response:
    ctx = context_of(request)
    try:
        policy_admin.reject_policy_activation(
            ctx.uow(), version, checker=console_actor(request), reason=reason, clock=ctx.clock
        )
    except Invalid:
        return _policy(request, version, None, 422, reason=reason, reason_error=REASON_NEEDED)
    except Forbidden:
        return _refused(request, version, NOT_MAKER, 403)
    except Conflict:
        return _refused(request, version, WRONG_STATUS, 409)
    return _done(request, version)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


@router.post("/policies/{version}/backtest")
def backtest(
    request: Request,
    version: str,
    since: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
) -> Response:
    """Run the version over the decisions stored in the window and compare it with them. Reads
    only; the report is shown, not stored."""
    ctx = context_of(request)
    window = {"since": since, "until": until}
    first, last = _day(since), _day(until) if until.strip() else None
    errors: dict[str, str] = {}
    if first is None:
        errors["since"] = SINCE_NEEDED
    if until.strip() and (last is None or (first is not None and last < first)):
        errors["until"] = UNTIL_BAD
    if errors or first is None:
        return _policy(request, version, None, 422, window=window, window_errors=errors)
    with ctx.uow() as uow:
        candidate = backtests.stored_candidate(uow, version, ctx.policy.bundle).compile()
    try:
        report: BacktestReport = backtests.run_backtest(ctx.uow(), candidate, first, last)
    except NotFound:
        errors = {"since": NO_DECISIONS}
        return _policy(request, version, None, 422, window=window, window_errors=errors)
    except Invalid:
        errors = {"since": SINCE_NEEDED}
        return _policy(request, version, None, 422, window=window, window_errors=errors)
    return _policy(request, version, None, 200, window=window, report=report)
