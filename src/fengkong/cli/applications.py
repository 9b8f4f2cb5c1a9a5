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
    for source in result.sources:  # the external data the policy asked for (数据源)
        answer = (
            f" answer {source['answer_id']} from {source['provider']}"
            if source.get("answer_id")
            else ""
        )
        why = f" ({source['why']})" if source.get("why") else ""
        out.print(
            f"  数据源 source {source['kind']}: {source['status']}{why}{answer}", markup=False
        )


@cli_errors
def verify(
    application_id: Annotated[str, typer.Argument(help="The application waiting for a check.")],
    check: Annotated[
        str,
        typer.Argument(
            help="id_name_match, carrier_three_factor, bank_card_four_factor, sms_otp, liveness"
        ),
    ],
    code: Annotated[
        str | None,
        typer.Option(
            "--code", help="sms_otp: the code the applicant read; without it one is sent."
        ),
    ] = None,
    token: Annotated[
        str | None, typer.Option("--token", help="liveness: the liveness SDK's token.")
    ] = None,
    bank_card: Annotated[
        str | None,
        typer.Option("--bank-card", help="bank_card_four_factor: a card the application lacked."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Have the identity check the application's decision waits for made by the provider
    (身份核验); print the result, its cost and the decision as it now stands."""
    with starting_up():
        from fengkong.access.permissions import Permission
        from fengkong.api.routes.applications import verify_application
        from fengkong.api.verification_schemas import VerificationIn
        from fengkong.lending.ownership import own_application

        body = VerificationIn.model_validate(
            {"code": code, "liveness_token": token, "bank_card": bank_card}
        )
        ctx = context()
    actor = acting(ctx, Permission.APPLICATIONS_VERIFY)
    own_application(ctx.lending, actor, Permission.APPLICATIONS_VERIFY, application_id)
    done = verify_application(application_id, check, body, ctx)
    if as_json:
        emit_json(done.model_dump(mode="json"))
        return
    step = f" ({done.step})" if done.step else ""
    mismatched = f", mismatched: {', '.join(done.mismatched)}" if done.mismatched else ""
    out.print(
        f"{done.check}{step}: [bold]{done.result}[/] by {done.provider} "
        f"({done.provider_code}{mismatched}); cost ¥{done.cost}, ¥{done.cost_total} so far",
        highlight=False,
    )
    if done.otp_attempts_left is not None and not done.completed:
        out.print(f"wrong codes still allowed / 剩余可输错次数: {done.otp_attempts_left}")
    d = done.decision
    out.print(f"application {done.application_id}: [bold]{d.outcome}[/]", highlight=False)
    for r in d.reasons:
        out.print(f"  {r.code}: {r.text_en} / {r.text_zh}", markup=False)
