"""Bootstrap wires the identity checks: the configured prices over the defaults, the in-process
simulated provider outside production, none in production (a check then answers 503), and a
provider URL refused until the HTTP client of the external-data spine is wired."""

from __future__ import annotations

import pytest

from fengkong.bootstrap import Context
from fengkong.core.errors import Invalid
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


def test_a_provider_url_waits_for_the_http_client(context: Context) -> None:
    with pytest.raises(Invalid, match="identity_provider_url"):
        _ = _fresh(context, identity_provider_url="https://idcheck.example").identity_checks


def test_an_unknown_check_priced_is_refused(context: Context) -> None:
    with pytest.raises(Invalid):
        _ = _fresh(context, identity_check_prices={"palm_reading": 1}).identity
