"""Bootstrap wires the identity checks: the configured prices over the defaults, the in-process
simulated provider outside production, none in production (a check then answers 503), and the
HTTP client of a check whose URL the `sources` settings name."""

from __future__ import annotations

from datetime import date

import pytest

from fengkong.bootstrap import Context
from fengkong.core.errors import Invalid
from fengkong.core.settings import SourceSettings
from fengkong.sources.connector import (
    ConnectorsByKind,
    SourceRequest,
    SourceUnavailable,
    Subject,
)
from fengkong.sources.identity_simulated import SimulatedIdentityProvider
from fengkong.sources.kinds import SourceKind


def _fresh(context: Context, **settings: object) -> Context:
    context.settings = context.settings.model_copy(update=settings)
    for name in ("identity", "identity_checks"):
        context.__dict__.pop(name, None)
    return context


def test_outside_production_the_simulated_provider_answers(context: Context) -> None:
    ctx = _fresh(context, identity_check_prices={"liveness": 120})
    assert isinstance(ctx.identity_checks, SimulatedIdentityProvider)
    assert ctx.identity.prices.price(SourceKind.LIVENESS, {}) == 120
    assert ctx.identity.prices.price(SourceKind.ID_NAME_MATCH, {}) == 30


def test_production_has_no_provider_unless_configured(context: Context) -> None:
    assert _fresh(context, env="production").identity_checks is None


def test_a_check_with_a_url_goes_to_its_http_client_the_others_to_the_simulator(
    context: Context,
) -> None:
    sources = {
        "bank_card_four_factor": SourceSettings(
            provider="card-checks", url="http://127.0.0.1:9", retries=0
        )
    }
    checks = _fresh(context, sources=sources).identity_checks
    assert isinstance(checks, ConnectorsByKind)
    assert checks.provider == "card-checks"
    with pytest.raises(SourceUnavailable):  # nothing listens there: the HTTP client was asked
        checks.fetch(_request(SourceKind.BANK_CARD_FOUR_FACTOR))
    answered = checks.fetch(_request(SourceKind.ID_NAME_MATCH))
    assert answered.provider != "card-checks"


def test_in_production_only_the_configured_checks_have_a_provider(context: Context) -> None:
    sources = {"liveness": SourceSettings(url="http://127.0.0.1:9", retries=0)}
    checks = _fresh(context, env="production", sources=sources).identity_checks
    assert isinstance(checks, ConnectorsByKind)
    with pytest.raises(SourceUnavailable, match="no provider"):
        checks.fetch(_request(SourceKind.SMS_OTP))


def _request(kind: SourceKind) -> SourceRequest:
    subject = Subject(
        "k" * 64,
        name="张三",
        id_number="110105199003071239",
        phone="13800138000",
        bank_card="6222020200112233445",
    )
    return SourceRequest(kind, subject, date(2026, 3, 2), {"code": "123456"})


def test_an_unknown_check_priced_is_refused(context: Context) -> None:
    with pytest.raises(Invalid):
        _ = _fresh(context, identity_check_prices={"palm_reading": 1}).identity
