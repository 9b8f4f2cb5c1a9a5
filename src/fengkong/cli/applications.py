"""`fengkong apply`: decide one application from a file, as the key or person logged in (a
channel key, `FENGKONG_API_KEY=fkk_…`, is how a lender runs it: the application comes through
the key's sales channel, as `POST /v1/applications` has it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, out, starting_up
from fengkong.core.errors import FieldError, Invalid


@cli_errors
def apply(
    file: Annotated[Path, typer.Argument(help="Application JSON, as POST /v1/applications takes.")],
    as_json: JsonOpt = False,
) -> None:
    """Submit one application from a JSON file and print the decision."""
    with starting_up():
        from fengkong.access.permissions import Permission
        from fengkong.api.schemas import ApplicationIn, DecisionOut
        from fengkong.decision.service import submit_application

        try:
            body = ApplicationIn.model_validate_json(file.read_bytes())
        except FileNotFoundError:
            raise Invalid((FieldError(("file",), f"no such file: {file}"),)) from None
        ctx = context()
    actor = acting(ctx, Permission.APPLICATIONS_SUBMIT)
    request = body.through_channel_of(actor).to_request(ctx.clock.business_date())
    decision = submit_application(request, ctx.decisions)
    result = DecisionOut.of(decision, request.amount)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    out.print(f"application {result.application_id}: [bold]{result.outcome}[/]")
    out.print(f"score {result.score}, probability of default {result.probability_of_default}")
    if result.approved_amount:
        out.print(f"approved amount ¥{result.approved_amount}")
    if result.security is not None:
        s = result.security
        out.print(
            f"on condition of {' or '.join(s['accepts'])}: {s['text_en']} / {s['text_zh']} "
            f"(register it: fengkong servicing secure-collateral / secure-guarantor)",
            markup=False,
        )
    for r in result.reasons:
        out.print(f"  {r.code}: {r.text_en} / {r.text_zh}", markup=False)
